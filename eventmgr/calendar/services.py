"""Keep calendars in step with the event and its sessions: one update per person per burst of edits."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, null, select, update
from sqlalchemy.orm import joinedload, selectinload

from eventmgr import queue
from eventmgr.agenda.models import EventSession, PersonalAgendaItem, SessionParticipant
from eventmgr.auth.services import account_language
from eventmgr.database import utcnow
from eventmgr.events.models import Event
from eventmgr.events.sender import event_mail_headers
from eventmgr.extensions import db
from eventmgr.formatting import agenda_day, event_place, event_times, session_times
from eventmgr.ics import session_title, sessions_to_ics
from eventmgr.languages import current_language, field_of, in_language, translation_key
from eventmgr.mail.services import is_withheld, queue_mail
from eventmgr.people.models import Person
from eventmgr.registration import notifications
from eventmgr.registration.models import Registration
from eventmgr.urls import external_url

#: What an event's calendar entry shows; a change to any of these is owed to everyone who has the event.
CALENDAR_FIELDS = (
    "title",
    "start_at",
    "end_at",
    "timezone",
    "venue_name",
    "venue_address",
    "venue_city",
    "venue_country",
    "online_platform",
    "kind",
    "format",
    # An online delegate's entry carries the link as its place.
    "join_url",
)
#: What each session's calendar entry shows of its event (its title, place, join link for presenters).
SESSION_ENTRY_FIELDS = (
    "title",
    "timezone",
    "venue_name",
    "venue_address",
    "venue_city",
    "venue_country",
    "kind",
    "format",
    "join_url",
)
#: What a session's calendar entry shows; a change to any of these is owed to calendars.
SESSION_CALENDAR_FIELDS = ("title", "start_at", "end_at", "room")
#: What an event's time and place are made of, for the mail that says what changed.
TIME_FIELDS = ("start_at", "end_at", "timezone")
PLACE_FIELDS = ("venue_name", "venue_address", "venue_city", "venue_country", "online_platform", "format")
#: What an update's mail shows as before and now, of the event's entry and of what a session's shows of it.
SHOWN_FIELDS = ("title", *TIME_FIELDS, *PLACE_FIELDS)
SHOWN_EVENT_FIELDS = ("title", "timezone", *PLACE_FIELDS)
#: How a session keeps what its event's entry showed before (its title, its place).
EVENT_PREFIX = "event_"


def remember_before(entry, changes: dict, fields: Iterable[str], prefix: str = "") -> None:
    """Keep what the calendars of an event or session (`entry`) showed before these changes ({field: (before,
    after)}): the first value since the last update sent is the one they hold, however many edits follow."""
    before = dict(entry.calendar_changed_from or {})  # a new dict, or the JSON column would not be written
    for key, (value, _after) in changes.items():
        if field_of(key) in fields:  # "title (ru)" too: calendars made in Russian showed that
            before.setdefault(prefix + key, value.isoformat() if isinstance(value, datetime) else value)
    entry.calendar_changed_from = before


def _moment(before: dict, key: str, now: datetime) -> datetime:
    return datetime.fromisoformat(before[key]) if key in before else now


def _event_time(start: datetime, end: datetime, zone: str) -> str:
    tz = ZoneInfo(zone)
    return f"{event_times(SimpleNamespace(local_start=start.astimezone(tz), local_end=end.astimezone(tz)))} ({zone})"


def _session_time(start: datetime, end: datetime, zone: str) -> str:
    times = session_times(SimpleNamespace(start_at=start, end_at=end), zone)
    return f"{agenda_day(start.astimezone(ZoneInfo(zone)).date())}, {times} ({zone})"


def _place_before(event: Event, before: dict, prefix: str = "") -> SimpleNamespace:
    """The event's place as it was: what changed from `before`, the rest as it is."""
    return SimpleNamespace(**{key: before.get(prefix + key, getattr(event, key)) for key in PLACE_FIELDS})


def _changed(found: dict, key: str, before: str, now: str) -> None:
    if before != now:
        found[key] = (before, now)


def _title_before(entry, before: dict, prefix: str = "") -> str:
    """The title of an event or session (`entry`) as calendars made in the current language showed it before the
    changes kept in `before`: its translation then, if it had one, else its original then."""
    original = before.get(prefix + "title", entry.title)
    language = current_language()
    if language == entry.original_language:
        return original
    key = prefix + translation_key("title", language)
    return (before[key] if key in before else entry.translation(language, "title")) or original


def event_changes(event: Event, mode: str | None = None) -> dict[str, tuple[str, str]]:
    """What the owed update changes in the event's entry, as a delegate attending in `mode` reads it in the
    current language: {"title" | "time" | "place": (before, now)}; the time with its zone. A change of the title
    as written is left out for a reader who reads it in another language."""
    before, found = event.calendar_changed_from or {}, {}
    _changed(found, "title", _title_before(event, before), event.translated.title)
    if any(key in before for key in TIME_FIELDS):
        start, end = _moment(before, "start_at", event.start_at), _moment(before, "end_at", event.end_at)
        was = _event_time(start, end, before.get("timezone", event.timezone))
        _changed(found, "time", was, _event_time(event.start_at, event.end_at, event.timezone))
    if any(key in before for key in PLACE_FIELDS):
        _changed(found, "place", event_place(_place_before(event, before), mode), event_place(event, mode))
    return found


def session_changes(event_session: EventSession) -> dict[str, tuple[str, str]]:
    """What the owed update changes in the session's entry: {"title" | "time" | "place" | "event_title": (before,
    now)}; the time with its zone, the place with the room."""
    before, found, event = event_session.calendar_changed_from or {}, {}, event_session.event
    _changed(found, "title", _title_before(event_session, before), event_session.translated.title)
    zone_before = before.get(EVENT_PREFIX + "timezone", event.timezone)
    if {"start_at", "end_at", EVENT_PREFIX + "timezone"} & before.keys():
        start, end = (
            _moment(before, "start_at", event_session.start_at),
            _moment(before, "end_at", event_session.end_at),
        )
        now = _session_time(event_session.start_at, event_session.end_at, event.timezone)
        _changed(found, "time", _session_time(start, end, zone_before), now)
    if "room" in before or any(EVENT_PREFIX + key in before for key in PLACE_FIELDS):
        room_before = before.get("room", event_session.room)
        was = ", ".join(filter(None, (room_before, event_place(_place_before(event, before, EVENT_PREFIX)))))
        _changed(found, "place", was, ", ".join(filter(None, (event_session.room, event_place(event)))))
    _changed(found, "event_title", _title_before(event, before, EVENT_PREFIX), event.translated.title)
    return found


def schedule_update(event: Event, now: datetime | None = None, at_once: bool = False) -> None:
    """Owe delegates an update; it goes out once the organiser has stopped editing for a while."""
    if event.status == "draft":
        event.calendar_sent_sequence = event.calendar_sequence
        event.calendar_changed_from = None  # nobody holds a draft's entry
        return
    event.calendar_update_due_at = _due(now, at_once)


def _raise_sequence(event_session: EventSession) -> None:
    """SEQUENCE + 1 in the database itself (UPDATE ... SET calendar_sequence = calendar_sequence + 1, which
    waits for another transaction raising it), so that two edits at once never send the same number."""
    event_session.calendar_sequence = EventSession.calendar_sequence + 1
    db.session.flush()  # the attribute is read back from the row on next use


def schedule_session_update(event_session: EventSession, now: datetime | None = None) -> None:
    """A session's time, place or title changed: raise its SEQUENCE and owe its people an update. Nobody is owed
    one for a draft's session, nor for a cancelled event's once they have its CANCEL."""
    owed = event_session.calendar_sent_sequence < event_session.calendar_sequence
    _raise_sequence(event_session)
    status = event_session.event.status
    if status == "cancelled" and owed:
        return  # its CANCEL, owed at once since the cancellation, goes out with the new SEQUENCE
    if status in ("draft", "cancelled"):
        event_session.calendar_sent_sequence = event_session.calendar_sequence
        event_session.calendar_changed_from = None
        return
    event_session.calendar_update_due_at = _due(now)


def status_changed(event: Event, now: datetime | None = None) -> None:
    """The event was published or cancelled: the STATUS of its entry and of each session's changed, so each
    SEQUENCE rises (RFC 5546), in feeds and in mail alike. A cancellation is owed at once to everyone who holds
    an entry; nobody holds a draft's."""
    event.calendar_sequence += 1
    raised = {"calendar_sequence": EventSession.calendar_sequence + 1}  # in the database, as _raise_sequence
    if event.status == "published":  # it was a draft
        event.calendar_sent_sequence = event.calendar_sequence
        event.calendar_changed_from = None
        raised |= {
            "calendar_sent_sequence": EventSession.calendar_sequence + 1,
            "calendar_changed_from": None,
            "calendar_update_due_at": None,
        }
    else:
        schedule_update(event, now, at_once=True)
        raised["calendar_update_due_at"] = _due(now, at_once=True)
    db.session.execute(
        update(EventSession)
        .where(EventSession.event_id == event.id)
        .values(**raised)
        .execution_options(synchronize_session="fetch")
    )


def _due(now: datetime | None, at_once: bool = False) -> datetime:
    delay = 0 if at_once else current_app.config["CALENDAR_UPDATE_DELAY"]
    return (now or utcnow()) + timedelta(seconds=delay)


#: How long a worker may take to queue one event's or session's update before another takes it over.
UPDATE_LEASE = timedelta(minutes=10)

#: Events and sessions owing their people an update, claimed one at a time. An update that cannot be queued is
#: tried again once its lease has run out, and never given up: calendars must not stay wrong.
EVENT_UPDATES, SESSION_UPDATES = (
    queue.Queue(
        f"calendar update of {model.__tablename__}",
        model,
        due="calendar_update_due_at",
        waiting=model.calendar_sent_sequence < model.calendar_sequence,
        lease=lambda: UPDATE_LEASE,
        attempts=None,
    )
    for model in (Event, EventSession)
)


def queue_calendar_updates(now: datetime | None = None) -> int:
    """Queue the owed updates: events' to confirmed delegates, sessions' to their people; return how many."""
    queued = queue.work(EVENT_UPDATES, _handle_event_update, now=now) + queue.work(
        SESSION_UPDATES, _handle_session_update, now=now
    )
    return sum(count for count in queued if count)


def _handle_event_update(event: Event) -> int:
    """Queue a claimed event's update and record it as sent."""
    sequence = event.calendar_sequence
    queued = _queue_event_update(event)
    _update_sent(EVENT_UPDATES, event.id, sequence)
    return queued


def _handle_session_update(event_session: EventSession) -> int:
    """Queue a claimed session's update and record it as sent."""
    sequence = event_session.calendar_sequence
    queued = _queue_session_update(event_session)
    _update_sent(SESSION_UPDATES, event_session.id, sequence)
    return queued


def _update_sent(updates: queue.Queue, row_id: int, sequence: int) -> None:
    """What was owed up to `sequence` (read when the update was claimed) is now queued; an edit made since owes
    anew, when it is due."""
    db.session.flush()  # the handler's changes first, so none is written over this
    table = updates.table
    db.session.execute(
        update(table)
        .where(table.c.id == row_id)
        .values(
            calendar_sent_sequence=sequence,
            calendar_update_due_at=case(
                (table.c.calendar_sequence == sequence, None), else_=table.c.calendar_update_due_at
            ),
            # What was changed from is now what calendars hold, unless an edit since owes a new update of it.
            calendar_changed_from=case(
                (table.c.calendar_sequence == sequence, null()), else_=table.c.calendar_changed_from
            ),
        )
    )


def _queue_event_update(event: Event) -> int:
    kind = "event_cancelled" if event.status == "cancelled" else "event_updated"
    registrations = (
        db.session.execute(
            select(Registration).where(Registration.event_id == event.id, Registration.status == "confirmed")
        )
        .scalars()
        .all()
    )
    # As each mode reads them (the place of an online delegate is the platform), in each delegate's language.
    changes: dict[tuple[str, str], dict] = {}
    for registration in registrations:
        key = (registration.attendance_mode, registration.language)
        if key not in changes:
            with in_language(registration.language):
                changes[key] = event_changes(event, registration.attendance_mode)
        notifications.queue(registration, kind, changes=changes[key])
    return len(registrations)


def _queue_session_update(event_session: EventSession) -> int:
    if event_session.event.status == "cancelled":
        # Its presenters and the delegates who chose it hold it as an entry of its own: cancel that, at the
        # SEQUENCE the cancellation raised it to.
        return sum(
            queue_session_invite(event_session, name, email, "CANCEL")
            for name, email, _join in session_recipients(event_session)
        )
    if event_session.event.status != "published":
        return 0
    sent = [
        email
        for name, email, join in session_recipients(event_session)
        if queue_session_invite(event_session, name, email, "REQUEST", update=True, include_join_url=join)
    ]
    if sent:  # the delegates among them now hold the session in their calendars, from this mail
        db.session.execute(
            update(PersonalAgendaItem)
            .where(
                PersonalAgendaItem.session_id == event_session.id,
                PersonalAgendaItem.registration_id.in_(
                    select(Registration.id).where(
                        Registration.event_id == event_session.event_id,
                        Registration.status == "confirmed",
                        Registration.email.in_(sent),
                    )
                ),
            )
            .values(calendar_mailed=True)
            .execution_options(synchronize_session=False)
        )
    return len(sent)


def cancel_session_entries(event_session: EventSession, only: str | None = None) -> int:
    """Send CANCEL for the session to everyone holding it (or to the address `only`), with a raised SEQUENCE."""
    return _queue_cancels(
        event_session,
        [(name, email) for name, email, _join in session_recipients(event_session) if only is None or email == only],
    )


def withdraw_session_entries(registration: Registration, session_ids: Iterable[int] | None = None) -> int:
    """Send the delegate CANCEL for those of their chosen sessions (all, without `session_ids`) that a mailed
    update put in their calendar: they dropped them, or their registration ends. Not for a session they
    present under the same address, nor for one that is over."""
    query = (
        select(EventSession)
        .join(PersonalAgendaItem, PersonalAgendaItem.session_id == EventSession.id)
        .where(
            PersonalAgendaItem.registration_id == registration.id,
            PersonalAgendaItem.calendar_mailed,
            EventSession.end_at > utcnow(),
            ~select(SessionParticipant.session_id)
            .join(Person, SessionParticipant.person_id == Person.id)
            .where(SessionParticipant.session_id == EventSession.id, Person.email == registration.email)
            .exists(),
        )
    )
    if session_ids is not None:
        query = query.where(EventSession.id.in_(list(session_ids)))
    withdrawn = db.session.execute(query).scalars().all()
    if not withdrawn:
        return 0
    db.session.execute(
        update(PersonalAgendaItem)
        .where(
            PersonalAgendaItem.registration_id == registration.id,
            PersonalAgendaItem.session_id.in_([s.id for s in withdrawn]),
        )
        .values(calendar_mailed=False)
        .execution_options(synchronize_session=False)
    )
    return sum(
        _queue_cancels(event_session, [(registration.full_name, registration.email)], withdrawn=True)
        for event_session in withdrawn
    )


def _queue_cancels(event_session: EventSession, people: list[tuple[str, str]], withdrawn: bool = False) -> int:
    """Mail these (name, address) the session's CANCEL, with a raised SEQUENCE (`withdrawn`: the session goes
    ahead, they left it)."""
    if not people:
        return 0
    owed = event_session.calendar_sent_sequence < event_session.calendar_sequence
    _raise_sequence(event_session)  # RFC 5546: a CANCEL is newer than the REQUEST it cancels
    if not owed:
        event_session.calendar_sent_sequence = event_session.calendar_sequence
    return sum(
        queue_session_invite(event_session, name, email, "CANCEL", withdrawn=withdrawn) for name, email in people
    )


def schedule_programme_update(event: Event, changes: dict | None = None) -> None:
    """The event's title, place or join link changed (`changes`, {field: (before, after)}): every session's entry
    shows them, so each owes an update, which says what it showed before."""
    for event_session in db.session.execute(select(EventSession).where(EventSession.event_id == event.id)).scalars():
        remember_before(event_session, changes or {}, SHOWN_EVENT_FIELDS, prefix=EVENT_PREFIX)
        schedule_session_update(event_session)


def invite_presenters(event: Event) -> int:
    """On publication: send every presenter with an address an invite for each of their sessions."""
    return sum(
        queue_session_invite(
            event_session, part.person.display_name, part.person.email, "REQUEST", include_join_url=True
        )
        for event_session in calendar_sessions(event)
        for part in event_session.participants
        if part.person.email
    )


def session_recipients(event_session: EventSession) -> list[tuple[str, str, bool]]:
    """(name, address, gets the join link) of everyone whose calendar holds the session.

    Its presenters with an address, and the confirmed delegates who put it on their agenda.
    """
    people = (
        db.session.execute(
            select(Person)
            .join(SessionParticipant, SessionParticipant.person_id == Person.id)
            .where(SessionParticipant.session_id == event_session.id, Person.email.is_not(None))
        )
        .scalars()
        .all()
    )
    delegates = (
        db.session.execute(
            select(Registration)
            .join(PersonalAgendaItem, PersonalAgendaItem.registration_id == Registration.id)
            .where(PersonalAgendaItem.session_id == event_session.id, Registration.status == "confirmed")
        )
        .scalars()
        .all()
    )
    found = {person.email: (person.display_name, person.email, True) for person in people}
    for registration in delegates:
        found.setdefault(registration.email, (registration.full_name, registration.email, True))
    return sorted(found.values(), key=lambda item: item[1])


#: Subjects of the session mails, by kind: formatted with the session's and the event's title.
SESSION_SUBJECTS = {
    "invite": _l("Invitation: %(title)s"),
    "updated": _l("Updated: %(title)s"),
    "cancelled": _l("Cancelled: %(title)s"),
    "withdrawn": _l("Removed from your agenda: %(title)s"),
}


def recipient_language(event: Event, email: str) -> str:
    """The language a session's mail to this address is written in: that of the address's registration for the
    event, else of its account, else the event's own."""
    registered = db.session.execute(
        select(Registration.language)
        .where(Registration.event_id == event.id, Registration.email == email)
        .order_by(Registration.id.desc())
        .limit(1)
    ).scalar()
    return registered or account_language(email) or event.original_language


def queue_session_invite(
    event_session: EventSession,
    name: str,
    email: str,
    method: str,
    update: bool = False,
    include_join_url: bool = False,
    withdrawn: bool = False,
) -> bool:
    """Mail one person the session as an invite (REQUEST) or its cancellation (CANCEL); not once it is over.
    `update`: an update, which says what changed (session_changes); `withdrawn`: a CANCEL to a delegate who left
    a session that goes ahead. In the language of the address (recipient_language), the invite as well.

    Return whether a message was queued.
    """
    if event_session.end_at <= utcnow() or is_withheld():
        return False
    event = event_session.event
    if method == "CANCEL":
        kind = "withdrawn" if withdrawn else "cancelled"
    else:
        kind = "updated" if update else "invite"
    with in_language(recipient_language(event, email)):
        ics = sessions_to_ics(
            event.translated.title,
            [event_session],
            method=method,
            attendee=(name, email),
            include_join_url=include_join_url and method == "REQUEST",
        )
        queue_mail(
            to=email,
            subject=SESSION_SUBJECTS[kind] % {"title": session_title(event_session)},
            body=render_template(
                f"email/calendar/session_{kind}.txt",
                event=event,
                event_session=event_session,
                name=name,
                changes=session_changes(event_session) if update else {},
                agenda_url=external_url("agenda.agenda", slug=event.slug, _anchor=f"session-{event_session.id}"),
            ),
            attachments=[
                {"filename": "invite.ics", "content_type": f"text/calendar; method={method}", "content": ics.decode()}
            ],
            event_id=event.id,
            # Sent of the system's own accord when the programme changes; not when the reader changed their agenda.
            headers=event_mail_headers(event, automatic=update or method == "CANCEL" and not withdrawn),
        )
    return True


def calendar_sessions(event: Event) -> list[EventSession]:
    """The event's sessions with what their calendar entries show, by start."""
    return list(
        db.session.execute(
            select(EventSession)
            .where(EventSession.event_id == event.id)
            .options(
                selectinload(EventSession.participants)
                .joinedload(SessionParticipant.person)
                .joinedload(Person.organisation)
            )
            .order_by(EventSession.start_at, EventSession.id)
        ).scalars()
    )


def person_sessions(person: Person) -> list[EventSession]:
    """The person's sessions in listed events, by start."""
    return list(
        db.session.execute(
            select(EventSession)
            .join(SessionParticipant, SessionParticipant.session_id == EventSession.id)
            .join(Event, Event.id == EventSession.event_id)
            .where(SessionParticipant.person_id == person.id, Event.is_listed)
            .options(
                joinedload(EventSession.event),
                selectinload(EventSession.participants)
                .joinedload(SessionParticipant.person)
                .joinedload(Person.organisation),
            )
            .order_by(EventSession.start_at)
        ).scalars()
    )
