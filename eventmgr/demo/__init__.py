"""Demonstration data from the seed texts, loaded by `flask demo load` through the same services as the UI."""

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from eventmgr.auth.models import User
from eventmgr.auth.services import create_user, find_user
from eventmgr.database import utcnow
from eventmgr.demo import content
from eventmgr.demo.agenda import load_agenda_demo
from eventmgr.demo.delegations import load_delegation_demo
from eventmgr.demo.documents import load_document_demo
from eventmgr.demo.payments import load_payment_demo, prepare_payment_demo
from eventmgr.demo.registrations import load_registration_demo
from eventmgr.demo.russian import load_russian_demo
from eventmgr.errors import EventMgrError
from eventmgr.events import services as event_services
from eventmgr.events.models import Event, Series
from eventmgr.extensions import db
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.services import find_or_create

#: Written to the instance folder, readable by its owner only.
ACCOUNTS_FILE = "demo-accounts.txt"
_ACCOUNTS_HEADER = (
    "# Demo accounts written by `flask demo load`. A password is set only when its account is created;",
    "# change it with `flask users set-password EMAIL`. Keep this file private.",
    "# role        e-mail                       password",
)


@dataclass
class Tally:
    """How many things of one kind the loader created, found already there, or could not create."""

    created: int = 0
    present: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        text = f"{self.created} created, {self.present} already present"
        return text + (f", {self.skipped} skipped" if self.skipped else "")


def load_demo(echo=print, now: datetime | None = None) -> str:
    """Create whatever is missing of the demo accounts, organisations, series and events; return a report.

    Everything is found again by e-mail, organisation name or slug, so a second run creates nothing and
    changes nothing: an existing account keeps its password, an edited event keeps its edits. The two
    upcoming events are dated from `now` (default: the current time) when they are first created.
    The caller commits.
    """
    now = now or utcnow()
    tallies = {kind: Tally() for kind in ("events", "series", "organisations", "accounts")}

    users, new_passwords = _accounts(echo, tallies["accounts"])
    organisations = _organisations(tallies["organisations"])
    # The organiser account creates the series and events, as a person would through the UI.
    series = {key: _series(fields, users["organiser"], tallies["series"]) for key, fields in content.SERIES.items()}
    for spec in content.events(now):
        event = _event(spec, users["organiser"], series, organisations, echo, tallies["events"])
        if event is None:
            continue
        _ensure_role(event, users["organiser"], "organiser", users["admin"], echo)
        if spec.secretariat:
            _ensure_role(event, users["secretariat"], "secretariat", users["admin"], echo)

    lines = [
        "Demo data:"
        if any(t.created for t in tallies.values())
        else "Demo data: nothing to add, everything is there already."
    ]
    lines += [f"  {kind:<14} {tally}" for kind, tally in tallies.items()]
    db.session.flush()
    lines.append(prepare_payment_demo(users["organiser"]))
    lines.append(load_registration_demo(echo))
    lines.append(load_payment_demo(users["organiser"]))
    lines.append(load_delegation_demo(echo))
    lines.append(load_agenda_demo(echo))
    # Before the documents, whose Russian version names the event by its Russian title.
    lines.append(load_russian_demo(echo))
    lines.append(load_document_demo(echo))
    if new_passwords:
        path = _save_passwords(new_passwords)
        lines.append(f"The new accounts and their passwords are also in {path} (readable by you only).")
    return "\n".join(line for line in lines if line)


def _accounts(echo, tally: Tally) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    """The demo accounts by role, created with random passwords where missing; and (role, e-mail, password) of those."""
    users, created = {}, []
    for role, email, name, is_admin in content.ACCOUNTS:
        user = find_user(email)
        if user is not None:
            tally.present += 1
            echo(f"The {role} account {user.email} exists already; its password was not changed.")
        else:
            password = secrets.token_urlsafe(12)
            user = create_user(email, name, password=password, is_admin=is_admin)
            # The organiser creates events; the secretariat works only on those it is given a role on.
            user.can_organise = role == "organiser"
            tally.created += 1
            created.append((role, user.email, password))
            echo(f"Created the {role} account {user.email} with password: {password}")
        users[role] = user
    return users, created


def _organisations(tally: Tally) -> dict[str, Organisation]:
    """The demo organisations by key, found by name (ignoring case) or created."""
    count = select(func.count(Organisation.id))
    before = db.session.execute(count).scalar()
    found = {key: find_or_create(**fields) for key, fields in content.ORGANISATIONS.items()}
    tally.created = db.session.execute(count).scalar() - before
    tally.present = len(found) - tally.created
    return found


def _series(fields: dict, user: User, tally: Tally) -> Series:
    """The series with this slug, created if missing."""
    series = db.session.execute(select(Series).where(Series.slug == fields["slug"])).scalar_one_or_none()
    if series is not None:
        tally.present += 1
        return series
    tally.created += 1
    return event_services.create_series(fields["title"], fields["description"], user, slug=fields["slug"])


def _event(
    spec: content.DemoEvent,
    organiser: User,
    series: dict[str, Series],
    organisations: dict[str, Organisation],
    echo,
    tally: Tally,
) -> Event | None:
    """The event with the spec's slug (or one renamed from it); else create, link and publish it."""
    event, moved_to = event_services.event_by_slug(spec.slug)
    if event is None and moved_to:
        event, _ = event_services.event_by_slug(moved_to)
    if event is not None:
        tally.present += 1
        return event
    fields = spec.fields | {"series_id": series[spec.series].id if spec.series else None}
    try:
        # Validation comes before any write, so a refusal leaves nothing behind.
        event = event_services.create_event(fields, organiser)
    except EventMgrError as error:
        tally.skipped += 1
        echo(f"Skipped the event {spec.slug}: {error.message}")
        return None
    links = [(organisations[key].id, role) for key, role in spec.organisations]
    event_services.set_organisations(event, links, organiser)
    event_services.publish_event(event, organiser)
    tally.created += 1
    return event


def _ensure_role(event: Event, user: User, role: str, granted_by: User, echo) -> None:
    """Give the user the role on the event unless they have it."""
    if any(r.user_id == user.id and r.role == role for r in event.roles):
        return
    try:
        event_services.grant_role(event, user, role, granted_by)
    except EventMgrError as error:
        echo(f"{user.email} was not made {role} of {event.slug}: {error.message}")


def _save_passwords(new_passwords: list[tuple[str, str, str]]) -> Path:
    """Write the new accounts' passwords to the instance folder, mode 0600, replacing older lines for them."""
    path = Path(current_app.instance_path) / ACCOUNTS_FILE
    emails = {email for _, email, _ in new_passwords}
    try:
        kept = [
            line
            for line in path.read_text().splitlines()
            if line.startswith("#") or len(line.split()) < 2 or line.split()[1] not in emails
        ]
    except FileNotFoundError:
        kept = list(_ACCOUNTS_HEADER)
    lines = kept + [f"{role:<12}  {email:<27}  {password}" for role, email, password in new_passwords]
    # Written beside it and renamed, so a reader never sees half a file; restricted before the secrets go in.
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path
