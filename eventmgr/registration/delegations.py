"""Register a country's or an organisation's delegation and its members, and let its manager change it.

A head of delegation, or a focal point at a ministry who may not attend, registers the delegation through a
form and manages it through a private link, like a delegate's. Each member is a registration of their own
(eventmgr.registration.services.admit): their own mail, their own link, a seat in their mode. Every change
takes the event's lock first, so that seats and each delegation's size limit hold under concurrent requests,
and checks everything before it writes, so that a refused change leaves nothing behind.
"""

from datetime import datetime

from babel import Locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.auth.services import normalise_email
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.organisations.models import Organisation
from eventmgr.registration import notifications, services
from eventmgr.registration.models import ACTIVE_STATUSES, Delegation, DelegationInvitation, Registration

#: What the form asks of each member; the rest of a member's registration comes from the delegation.
MEMBER_FIELDS = ("honorific", "given_name", "family_name", "position", "email", "attendance_mode", "is_head")
#: Names are stored in English, like the countries' names on badges and lists made for every reader.
_STORED_NAMES = Locale("en")


class DelegationClosed(EventMgrError):
    """The delegation can no longer be changed: past its deadline, or withdrawn."""

    status_code = 409


# --- Finding delegations -------------------------------------------------------------------------------------


def delegation_by_token(event: Event, token: str | None) -> Delegation | None:
    """The event's delegation with this manager's token, compared in constant time."""
    return services.by_token(Delegation, Delegation.access_token, event, token)


def delegation_for_link(slug: str, token: str) -> Delegation | None:
    """The delegation a manager's link names, /events/<slug>/delegations/<token>, also under an old slug."""
    event = services.event_for_link(slug)
    return delegation_by_token(event, token) if event is not None else None


def focal_point_invitation(event: Event, token: str | None) -> DelegationInvitation | None:
    """The event's focal-point invitation with this token (from its link), compared in constant time."""
    return services.by_token(DelegationInvitation, DelegationInvitation.token, event, token)


def delegations_of(event: Event) -> list[tuple[Delegation, dict]]:
    """The event's delegations by name, each with its counts for the desk: {"active": n, mode: {status: n}}."""
    delegations = (
        db.session.execute(
            select(Delegation)
            .where(Delegation.event_id == event.id)
            .order_by(Delegation.name)
            .options(selectinload(Delegation.members))  # each row names its head
        )
        .scalars()
        .all()
    )
    rows = db.session.execute(
        select(Registration.delegation_id, Registration.attendance_mode, Registration.status, func.count())
        .where(Registration.event_id == event.id, Registration.delegation_id.is_not(None))
        .group_by(Registration.delegation_id, Registration.attendance_mode, Registration.status)
    ).all()
    counts = {delegation.id: {"active": 0} for delegation in delegations}
    for delegation_id, mode, status, count in rows:
        entry = counts.setdefault(delegation_id, {"active": 0})
        entry.setdefault(mode, {})[status] = count
        if status in ACTIVE_STATUSES:
            entry["active"] += count
    return [(delegation, counts[delegation.id]) for delegation in delegations]


# --- Who may send a delegation, and until when ------------------------------------------------------------------


def may_register(event: Event, now: datetime) -> bool:
    """Whether the event takes new delegations now: enabled, registration open, before the delegations' deadline."""
    return (
        event.delegations_enabled
        and event.registration_is_open(now)
        and (event.delegation_deadline is None or now < event.delegation_deadline)
    )


def may_change(event: Event, delegation: Delegation, now: datetime) -> bool:
    """Whether the delegation's manager may still change it: not withdrawn, and before the delegations' deadline
    (or, without one, while registration is open)."""
    if delegation.cancelled_at is not None or event.status != "published" or now >= event.end_at:
        return False
    if event.delegation_deadline is not None:
        return now < event.delegation_deadline
    return event.registration_is_open(now)


def _check_may_change(event: Event, delegation: Delegation, now: datetime) -> None:
    if delegation.cancelled_at is not None:
        raise DelegationClosed(_("This delegation has been withdrawn."))
    if not may_change(event, delegation, now):
        raise DelegationClosed(_("The deadline for changing delegations has passed."))


def _represented(event: Event, data: dict, invitation: DelegationInvitation | None) -> tuple[str | None, Organisation]:
    """The country or the organisation the delegation represents, checked against what the event takes."""
    country, organisation_id = data.get("country") or None, data.get("organisation_id") or None
    if bool(country) == bool(organisation_id):
        raise EventMgrError(_("Choose either a country or an organisation."), field="country")
    if country:
        if country not in locales.country_codes():
            raise EventMgrError(_("Choose a country from the list."), field="country")
        if invitation is None and event.delegation_countries and country not in event.delegation_countries:
            raise EventMgrError(_("This event does not take a delegation from this country."), field="country")
        return country, None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise EventMgrError(_("Choose an organisation from the list."), field="organisation_id")
    allowed = event.delegation_organisation_ids
    if invitation is None and allowed and organisation.id not in allowed:
        raise EventMgrError(_("This event does not take a delegation from this organisation."), field="organisation_id")
    return None, organisation


def _existing_delegation(event: Event, country: str | None, organisation: Organisation | None) -> Delegation | None:
    """The event's delegation of this country or organisation, withdrawn or not; refused while active."""
    column, value, field = (
        (Delegation.country, country, "country")
        if country
        else (Delegation.organisation_id, organisation.id, "organisation_id")
    )
    found = db.session.execute(
        select(Delegation).where(Delegation.event_id == event.id, column == value)
    ).scalar_one_or_none()
    if found is not None and found.cancelled_at is None:
        raise EventMgrError(_("%(name)s has registered a delegation already.", name=found.name), field=field)
    return found


# --- Members ------------------------------------------------------------------------------------------------


def _clean_member(event: Event, member: dict, prefix: str, taken: set[str]) -> tuple[dict, Registration | None]:
    """One member's data checked (names, address free for the event, attendance mode), with the address's
    former inactive registration if any; `prefix` names the member's fields in errors ("members-2-")."""
    clean = {key: member.get(key) for key in MEMBER_FIELDS}
    for key in ("given_name", "family_name", "email"):
        clean[key] = (clean[key] or "").strip() or None
        if clean[key] is None:
            raise EventMgrError(_("This field is required."), field=f"{prefix}{key}")
    clean["honorific"] = (clean["honorific"] or "").strip() or None
    clean["position"] = (clean["position"] or "").strip() or None
    clean["is_head"] = bool(clean["is_head"])
    email = clean["email"] = normalise_email(clean["email"])
    if email in taken:
        raise EventMgrError(_("This address is given for another member already."), field=f"{prefix}email")
    existing = services.registration_for_email(event, email)
    if existing is not None and existing.is_active:
        if existing.delegation_id is not None:
            message = _(
                "This address is registered for the event already, as a member of the delegation of %(delegation)s.",
                delegation=existing.delegation,
            )
        else:
            message = _("This address is registered for the event already, as a delegate.")
        raise EventMgrError(message, field=f"{prefix}email")
    try:
        clean["attendance_mode"] = services.mode_for(event, clean["attendance_mode"])
    except EventMgrError as error:
        raise EventMgrError(error.message, field=f"{prefix}attendance_mode") from error
    taken.add(email)
    return clean, existing


def _check_size(event: Event, size: int, field: str) -> None:
    if event.delegation_max_size is not None and size > event.delegation_max_size:
        raise EventMgrError(
            ngettext(
                "A delegation has at most %(num)d member, its head included.",
                "A delegation has at most %(num)d members, its head included.",
                event.delegation_max_size,
            ),
            field=field,
        )


def _admit_member(event: Event, delegation: Delegation, member: dict, existing: Registration | None, now: datetime):
    """Register one checked member of the delegation: their own status, seat, mail and link."""
    organisation = delegation.organisation
    data = member | {
        "country": delegation.country or (organisation.country_code if organisation else None),
        "organisation_id": organisation.id if organisation else None,
        "answers": {},
    }
    return services.admit(event, member["email"], data, now, existing, delegation=delegation)


def _active_members(delegation: Delegation) -> list[Registration]:
    db.session.refresh(delegation, ["members"])
    return delegation.active_members


# --- Registering ----------------------------------------------------------------------------------------------


def register_delegation(
    event: Event,
    data: dict,
    members: list[dict],
    now: datetime | None = None,
    invitation: DelegationInvitation | None = None,
) -> Delegation:
    """Register a delegation and each of its members; mail the manager the delegation's private link.

    `data`: contact_name, contact_email, and country or organisation_id. `members`: dicts of MEMBER_FIELDS,
    exactly one of them the head. A focal point's `invitation` lets any country or organisation register.
    Everything is checked before anything is written; errors name the member's field ("members-2-email").
    """
    now = now or utcnow()
    event = services.lock_event(event.id)
    if invitation is not None and invitation.event_id != event.id:
        invitation = None
    if not event.delegations_enabled:
        raise EventMgrError(_("This event does not register delegations."))
    if not may_register(event, now):
        raise EventMgrError(_("Registration of delegations for this event is closed."))
    if event.registration_policy == "invitation" and invitation is None:
        raise services.InvitationRequired(
            _("This event is by invitation: please register the delegation through the link in your invitation.")
        )
    contact_name = (data.get("contact_name") or "").strip()
    contact_email = normalise_email(data.get("contact_email") or "")
    if not contact_name:
        raise EventMgrError(_("This field is required."), field="contact_name")
    if not contact_email:
        raise EventMgrError(_("This field is required."), field="contact_email")
    country, organisation = _represented(event, data, invitation)
    former = _existing_delegation(event, country, organisation)
    checked = _checked_members(event, members)
    delegation = former or Delegation(event_id=event.id, access_token=services.new_access_token())
    delegation.country = country
    delegation.organisation_id = organisation.id if organisation else None
    delegation.name = locales.country_name(country, _STORED_NAMES) if country else organisation.display_name
    delegation.contact_name = contact_name
    delegation.contact_email = contact_email
    delegation.cancelled_at = None
    db.session.add(delegation)
    try:
        db.session.flush()
    except IntegrityError as error:  # the lock makes this unlikely; the constraint has the last word
        field = "country" if country else "organisation_id"
        raise EventMgrError(_("This delegation has been registered already."), field=field) from error
    for member, existing in checked:
        _admit_member(event, delegation, member, existing, now)
    _active_members(delegation)  # the manager's mail lists the members just admitted
    notifications.queue_delegation_link(delegation)
    record("delegation.register", None, event, summary=f"{delegation.name}: {len(checked)} member(s)")
    db.session.flush()
    return delegation


def _checked_members(event: Event, members: list[dict]) -> list[tuple[dict, Registration | None]]:
    """Every member checked, then the delegation as a whole: at least one, exactly one head, within the size."""
    if not members:
        raise EventMgrError(_("Name at least the head of the delegation."), field="members")
    taken: set[str] = set()
    checked = [_clean_member(event, member, f"members-{n}-", taken) for n, member in enumerate(members)]
    heads = [n for n, (member, _existing) in enumerate(checked) if member["is_head"]]
    if len(heads) != 1:
        raise EventMgrError(
            _("Mark exactly one member as the head of the delegation."), field=f"members-{(heads or [0])[-1]}-is_head"
        )
    _check_size(event, len(checked), "members")
    return checked


# --- The manager's changes ----------------------------------------------------------------------------------


def add_member(delegation: Delegation, member: dict, now: datetime | None = None) -> Registration:
    """Add a member to the delegation, within its size limit; they take a seat in their mode or wait for one."""
    now = now or utcnow()
    event = _locked(delegation, now)
    member = dict(member, is_head=False)
    clean, existing = _clean_member(event, member, "", set())
    _check_size(event, len(_active_members(delegation)) + 1, "email")
    registration = _admit_member(event, delegation, clean, existing, now)
    record("delegation.add_member", None, event, summary=f"{delegation.name}: {clean['email']}")
    db.session.flush()
    return registration


def replace_member(
    delegation: Delegation, registration: Registration, member: dict, now: datetime | None = None
) -> Registration:
    """Replace a member by another: the substitute takes their seat (and their place as head, if they were it)."""
    now = now or utcnow()
    event = _locked(delegation, now)
    _check_member(delegation, registration)
    clean, existing = _clean_member(event, dict(member, is_head=registration.is_head), "", set())
    registration.is_head = False
    db.session.flush()  # cancel() reads the registration afresh
    services.cancel(registration, now=now, promote=False)
    substitute = _admit_member(event, delegation, clean, existing, now)
    services.promote_waitlisted(event, now, registration.attendance_mode)
    record("delegation.replace_member", None, event, summary=f"{registration.email} → {clean['email']}")
    db.session.flush()
    return substitute


def remove_member(delegation: Delegation, registration: Registration, now: datetime | None = None) -> None:
    """Cancel a member's registration; the head only once nobody else remains (name another head first)."""
    now = now or utcnow()
    event = _locked(delegation, now)
    _check_member(delegation, registration)
    services.cancel(registration, now=now)
    record("delegation.remove_member", None, event, summary=f"{delegation.name}: {registration.email}")
    db.session.flush()


def set_head(delegation: Delegation, registration: Registration, now: datetime | None = None) -> None:
    """Make this active member the head of the delegation (and nobody else)."""
    now = now or utcnow()
    event = _locked(delegation, now)
    _check_member(delegation, registration)
    for member in _active_members(delegation):
        member.is_head = member.id == registration.id
    record("delegation.set_head", None, event, summary=f"{delegation.name}: {registration.email}")
    db.session.flush()


def withdraw_delegation(delegation: Delegation, now: datetime | None = None) -> None:
    """Withdraw the delegation: every member's registration is cancelled, and their seats go to the waiting list."""
    now = now or utcnow()
    event = _locked(delegation, now)
    # The head last: services.cancel refuses the head while others remain, and the record keeps who headed it.
    for member in sorted(_active_members(delegation), key=lambda member: member.is_head):
        services.cancel(member, now=now)
    delegation.cancelled_at = now
    record("delegation.withdraw", None, event, summary=delegation.name)
    db.session.flush()


def _locked(delegation: Delegation, now: datetime) -> Event:
    """Lock the delegation's event, read the delegation afresh and check it may still be changed."""
    event = services.lock_event(delegation.event_id)
    db.session.refresh(delegation)
    _check_may_change(event, delegation, now)
    return event


def _check_member(delegation: Delegation, registration: Registration) -> None:
    db.session.refresh(registration)
    if registration.delegation_id != delegation.id or not registration.is_active:
        raise EventMgrError(_("This person is not an active member of the delegation."))


# --- The organisers' side -----------------------------------------------------------------------------------


def approve_delegation(delegation: Delegation, by, message: str = "", now: datetime | None = None) -> int:
    """Approve every pending member of the delegation (confirmed, or waitlisted when full); return how many."""
    pending = [member for member in _active_members(delegation) if member.status == "pending"]
    for member in pending:
        services.decide(member, True, by, message, now)
    record("delegation.approve", by, delegation.event, summary=f"{delegation.name}: {len(pending)} member(s)")
    db.session.flush()
    return len(pending)


def decline_delegation(delegation: Delegation, by, message: str = "", now: datetime | None = None) -> int:
    """Decline every pending or waitlisted member of the delegation; return how many."""
    undecided = [member for member in _active_members(delegation) if member.status in ("pending", "waitlisted")]
    for member in undecided:
        services.decide(member, False, by, message, now)
    record("delegation.decline", by, delegation.event, summary=f"{delegation.name}: {len(undecided)} member(s)")
    db.session.flush()
    return len(undecided)


def invite_focal_points(event: Event, entries: list[tuple[str, str | None]], by) -> int:
    """Invite focal points (email, name) to register a delegation; return how many were new. Each gets a link."""
    added = 0
    for email, name in entries:
        email = normalise_email(email)
        found = db.session.execute(
            select(DelegationInvitation).where(
                DelegationInvitation.event_id == event.id, DelegationInvitation.email == email
            )
        ).scalar_one_or_none()
        if found is not None:
            continue
        invitation = DelegationInvitation(
            event_id=event.id, email=email, name=name or None, invited_by_id=by.id, token=services.new_access_token()
        )
        db.session.add(invitation)
        notifications.queue_delegation_invitation(event, invitation)
        added += 1
    record("delegation.invite", by, event, summary=f"{added} focal point(s)")
    db.session.flush()
    return added
