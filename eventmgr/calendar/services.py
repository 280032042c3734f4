"""Keep calendars in step with the event and its sessions: one update per person per burst of edits."""

from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from eventmgr.agenda.models import EventSession, PersonalAgendaItem, SessionParticipant
from eventmgr.calendar.ics import sessions_to_ics
from eventmgr.database import utcnow
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.mail.services import is_withheld, queue_mail
from eventmgr.people.models import Person
from eventmgr.registration import notifications
from eventmgr.registration.models import Registration
from eventmgr.urls import external_url

#: What a session's calendar entry shows; a change to any of these is owed to calendars.
SESSION_CALENDAR_FIELDS = ("title", "start_at", "end_at", "room")


def schedule_update(event: Event, now: datetime | None = None, at_once: bool = False) -> None:
    """Owe delegates an update; it goes out once the organiser has stopped editing for a while."""
    if event.status == "draft":
        event.calendar_sent_sequence = event.calendar_sequence
        return
    event.calendar_update_due_at = _due(now, at_once)


def schedule_session_update(event_session: EventSession, now: datetime | None = None) -> None:
    """A session's time, place or title changed: raise its SEQUENCE and owe its people an update."""
    event_session.calendar_sequence += 1
    if event_session.event.status == "draft":
        event_session.calendar_sent_sequence = event_session.calendar_sequence
        return
    event_session.calendar_update_due_at = _due(now)


def _due(now: datetime | None, at_once: bool = False) -> datetime:
    delay = 0 if at_once else current_app.config["CALENDAR_UPDATE_DELAY"]
    return (now or utcnow()) + timedelta(seconds=delay)


def queue_calendar_updates(now: datetime | None = None) -> int:
    """Queue the owed updates: events' to confirmed delegates, sessions' to their people; return how many."""
    now = now or utcnow()
    return _queue_event_updates(now) + _queue_session_updates(now)


def _lock_skipping(query):
    if db.engine.dialect.name == "postgresql":
        # Two workers never take the same row: the second skips rows the first has locked.
        return query.with_for_update(skip_locked=True)
    return query


def _queue_event_updates(now: datetime) -> int:
    due = _lock_skipping(select(Event.id).where(Event.calendar_update_due_at <= now,
                                                Event.calendar_sent_sequence < Event.calendar_sequence))
    queued = 0
    for event_id in db.session.execute(due).scalars().all():
        event = db.session.get(Event, event_id)
        kind = "event_cancelled" if event.status == "cancelled" else "event_updated"
        registrations = db.session.execute(
            select(Registration).where(Registration.event_id == event.id, Registration.status == "confirmed")
        ).scalars().all()
        for registration in registrations:
            notifications.queue(registration, kind)
            queued += 1
        if event.status == "cancelled":
            # Presenters and delegates hold the sessions as entries of their own: cancel those too.
            for event_session in calendar_sessions(event):
                for name, email, _join in session_recipients(event_session):
                    queue_session_invite(event_session, name, email, "CANCEL")
                    queued += 1
        event.calendar_sent_sequence = event.calendar_sequence
        event.calendar_update_due_at = None
        db.session.commit()
    db.session.commit()
    return queued


def _queue_session_updates(now: datetime) -> int:
    due = _lock_skipping(select(EventSession.id).where(
        EventSession.calendar_update_due_at <= now,
        EventSession.calendar_sent_sequence < EventSession.calendar_sequence))
    queued = 0
    for session_id in db.session.execute(due).scalars().all():
        event_session = db.session.get(EventSession, session_id)
        if event_session.event.status == "published":
            for name, email, join in session_recipients(event_session):
                queue_session_invite(event_session, name, email, "REQUEST", update=True, include_join_url=join)
                queued += 1
        event_session.calendar_sent_sequence = event_session.calendar_sequence
        event_session.calendar_update_due_at = None
        db.session.commit()
    db.session.commit()
    return queued


def invite_presenters(event: Event) -> int:
    """On publication: send every presenter with an address an invite for each of their sessions."""
    queued = 0
    for event_session in calendar_sessions(event):
        for part in event_session.participants:
            if part.person.email:
                queue_session_invite(event_session, part.person.display_name, part.person.email, "REQUEST",
                                     include_join_url=True)
                queued += 1
    return queued


def session_recipients(event_session: EventSession) -> list[tuple[str, str, bool]]:
    """(name, address, gets the join link) of everyone whose calendar holds the session.

    Its presenters with an address, and the confirmed delegates who put it on their agenda.
    """
    people = db.session.execute(
        select(Person).join(SessionParticipant, SessionParticipant.person_id == Person.id)
        .where(SessionParticipant.session_id == event_session.id, Person.email.is_not(None))
    ).scalars().all()
    delegates = db.session.execute(
        select(Registration).join(PersonalAgendaItem, PersonalAgendaItem.registration_id == Registration.id)
        .where(PersonalAgendaItem.session_id == event_session.id, Registration.status == "confirmed")
    ).scalars().all()
    found = {person.email: (person.display_name, person.email, True) for person in people}
    for registration in delegates:
        found.setdefault(registration.email, (registration.full_name, registration.email, True))
    return sorted(found.values(), key=lambda item: item[1])


def queue_session_invite(event_session: EventSession, name: str, email: str, method: str, update: bool = False,
                         include_join_url: bool = False) -> None:
    """Mail one person the session as an invite (REQUEST) or its cancellation (CANCEL); not once it is over."""
    if event_session.end_at <= utcnow() or is_withheld():
        return
    event = event_session.event
    ics = sessions_to_ics(event.title, [event_session], method=method, attendee=(name, email),
                          include_join_url=include_join_url and method == "REQUEST")
    kind = "cancelled" if method == "CANCEL" else "updated" if update else "invite"
    subjects = {"invite": "Invitation: {title}", "updated": "Updated: {title}", "cancelled": "Cancelled: {title}"}
    queue_mail(
        to=email,
        subject=subjects[kind].format(title=f"{event_session.title} · {event.title}"),
        body=render_template(f"email/calendar/session_{kind}.txt", event=event, event_session=event_session,
                             name=name, agenda_url=external_url("agenda.agenda", slug=event.slug,
                                                                _anchor=f"session-{event_session.id}")),
        attachments=[{"filename": "invite.ics", "content_type": f"text/calendar; method={method}",
                      "content": ics.decode()}],
        event_id=event.id,
    )


def programme_state(event: Event) -> tuple[tuple, datetime | None]:
    """(a fingerprint that changes whenever any session, participant or person of the programme changes,
    the last time a session changed): one aggregate query, far cheaper than building the calendar."""
    row = db.session.execute(
        select(func.count(EventSession.id.distinct()), func.max(EventSession.id), func.max(EventSession.updated_at),
               func.sum(EventSession.calendar_sequence), func.count(SessionParticipant.id),
               func.max(SessionParticipant.id), func.max(Person.updated_at))
        .select_from(EventSession)
        .outerjoin(SessionParticipant, SessionParticipant.session_id == EventSession.id)
        .outerjoin(Person, Person.id == SessionParticipant.person_id)
        .where(EventSession.event_id == event.id)
    ).one()
    return tuple(str(value) for value in row), _as_moment(row[2])


def _as_moment(value) -> datetime | None:
    """max() over a date-time column bypasses its type: text on SQLite, a datetime on PostgreSQL."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def calendar_sessions(event: Event) -> list[EventSession]:
    """The event's sessions with what their calendar entries show, by start."""
    return list(db.session.execute(
        select(EventSession).where(EventSession.event_id == event.id)
        .options(selectinload(EventSession.participants).joinedload(SessionParticipant.person)
                 .joinedload(Person.organisation))
        .order_by(EventSession.start_at, EventSession.id)
    ).scalars())


def person_sessions(person: Person) -> list[EventSession]:
    """The person's sessions in listed events (public, published or cancelled), by start."""
    return list(db.session.execute(
        select(EventSession).join(SessionParticipant, SessionParticipant.session_id == EventSession.id)
        .join(Event, Event.id == EventSession.event_id)
        .where(SessionParticipant.person_id == person.id, Event.visibility == "public",
               Event.status.in_(("published", "cancelled")))
        .options(joinedload(EventSession.event),
                 selectinload(EventSession.participants).joinedload(SessionParticipant.person)
                 .joinedload(Person.organisation))
        .order_by(EventSession.start_at)
    ).scalars())
