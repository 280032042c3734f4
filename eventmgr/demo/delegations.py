"""Demo delegations: the ten that came to Borovoe in 2018, and the first to register for the fourth conference.

Heads and focal points are invited by e-mail, as the secretariat of an invitation-only conference would; the
members' names come from the same lists as the other demo delegates (eventmgr.demo.registrations.NAMES).
"""

import random
from datetime import timedelta

from sqlalchemy import func, select

from eventmgr.database import utcnow
from eventmgr.demo.registrations import NAMES
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.mail.services import withheld
from eventmgr.organisations.models import Organisation
from eventmgr.registration import delegations, services
from eventmgr.registration.models import Delegation, DelegationInvitation

#: Who sent a delegation: a country (ISO code), or an organisation (its name in the directory) with the country
#: whose names its members get.
BOROVOE = (
    ("KZ", None),
    ("KG", None),
    ("TJ", None),
    ("TM", None),
    ("UZ", None),
    ("AF", None),
    ("IR", None),
    (None, ("Border Management in Northern Afghanistan", "TJ")),
    (None, ("European Border and Coast Guard Agency", "LV")),
    (None, ("CIS Border Troops Commanders Council", "KZ")),
)
#: slug: (delegations, members each, days before the start they registered, whether they attended)
PLAN = {
    "issyk-kul-initiative-2018-borovoe": (BOROVOE, 3, 40, True),
    "issyk-kul-initiative-4th-conference": (
        (("KG", None), (None, ("European Border and Coast Guard Agency", "LV"))),
        3,
        None,
        False,
    ),
}
HEAD_POSITIONS = ("Deputy Commander", "Head of International Cooperation", "Director of Department")
MEMBER_POSITIONS = ("Senior Officer", "Analyst", "Liaison Officer", "Head of Division")


def _members(rng: random.Random, country: str, size: int, domain: str) -> list[dict]:
    women, men, families = NAMES[country]
    members = []
    for n in range(size):
        female = rng.random() < 0.4
        given = rng.choice(women if female else men)
        family = rng.choice(families)[1 if female else 0]
        members.append(
            {
                "honorific": "Col." if n == 0 else None,
                "given_name": given,
                "family_name": family,
                "position": rng.choice(HEAD_POSITIONS if n == 0 else MEMBER_POSITIONS),
                "email": f"{given}.{family}.{n + 1}@{domain}.example.org".lower(),
                "attendance_mode": "in_person",
                "is_head": n == 0,
            }
        )
    return members


def load_delegation_demo(echo=print) -> str:
    """Register the demo delegations of the events that have none yet; no demo mail goes out."""
    lines = []
    for slug, (senders, size, days_before, attended) in PLAN.items():
        event = db.session.execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()
        if event is None:
            continue
        existing = db.session.execute(select(func.count()).where(Delegation.event_id == event.id)).scalar_one()
        if existing:
            lines.append(f"  {slug}: {existing} delegations already")
            continue
        with withheld():
            registered = _register(event, senders, size, days_before, attended)
        lines.append(f"  {slug}: {registered} delegations")
    return "Demo delegations:\n" + "\n".join(lines) if lines else ""


def _register(event: Event, senders, size: int, days_before: int | None, attended: bool) -> int:
    rng = random.Random(event.slug)
    organiser = next(role.user for role in event.roles if role.role == "organiser")
    # Dated as they came: weeks before a past event; an hour after registration opened for an upcoming one.
    if days_before:
        now = event.start_at - timedelta(days=days_before)
    else:
        now = (event.registration_opens_at or utcnow()) + timedelta(hours=1)
    for country, organisation in senders:
        names_from = country or organisation[1]
        found = (
            db.session.execute(select(Organisation).where(Organisation.name == organisation[0])).scalar_one()
            if organisation
            else None
        )
        domain = (country or found.acronym or "org").lower()
        members = _members(rng, names_from, size, f"{domain}-{event.id}")
        head = members[0]
        contact = {
            "contact_name": f"{head['given_name']} {head['family_name']}",
            "contact_email": head["email"],
            "country": country,
            "organisation_id": found.id if found else None,
        }
        invitation = None
        if event.registration_policy == "invitation":
            delegations.invite_focal_points(event, [(head["email"], contact["contact_name"])], organiser)
            invitation = db.session.execute(
                select(DelegationInvitation).where(
                    DelegationInvitation.event_id == event.id, DelegationInvitation.email == head["email"]
                )
            ).scalar_one()
        delegation = delegations.register_delegation(event, contact, members, now=now, invitation=invitation)
        for member in delegation.members:
            member.list_publicly = member.is_head  # heads agreed to be named in the published list
            if attended and member.status == "confirmed":
                services.check_in(member, None, now=event.start_at + timedelta(minutes=10))
    db.session.flush()
    return len(senders)
