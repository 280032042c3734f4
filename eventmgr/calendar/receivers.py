"""Keep calendars in step with what events, agendas and registrations announce (their signals)."""

from eventmgr.agenda import signals as agenda
from eventmgr.calendar import services
from eventmgr.events import signals as events
from eventmgr.languages import field_of
from eventmgr.registration import signals as registration


def event_changed(event, changes: dict) -> None:
    """Raise the event's SEQUENCE and owe updates when what its entry, or its sessions' entries, show changed (a title
    in another language too: calendars made in that language show it)."""
    if any(field_of(key) in services.CALENDAR_FIELDS for key in changes):
        services.remember_before(event, changes, services.SHOWN_FIELDS)
        event.calendar_sequence += 1
        services.schedule_update(event)
    if any(field_of(key) in services.SESSION_ENTRY_FIELDS for key in changes):
        services.schedule_programme_update(event, changes)


def event_published(event) -> None:
    """Raise the SEQUENCE of the entries, no longer tentative, and invite the presenters to their sessions."""
    services.status_changed(event)
    services.invite_presenters(event)


def event_cancelled(event) -> None:
    """Owe everyone the cancellation of the event and of its sessions at once, each with a raised SEQUENCE."""
    services.status_changed(event)


def session_changed(event_session, changes: dict) -> None:
    """Owe the session's people an update when what its entry shows changed."""
    if any(field_of(key) in services.SESSION_CALENDAR_FIELDS for key in changes):
        services.remember_before(event_session, changes, services.SESSION_CALENDAR_FIELDS)
        services.schedule_session_update(event_session)


def session_deleting(event_session) -> None:
    """Cancel the session in the calendars holding it, while who holds it can still be read."""
    if event_session.event.status == "published":
        services.cancel_session_entries(event_session)


def participant_added(event_session, person) -> None:
    """Invite a new presenter of a published event to the session."""
    if person.email and event_session.event.status == "published":
        services.queue_session_invite(
            event_session, person.display_name, person.email, "REQUEST", include_join_url=True
        )


def participant_removing(event_session, person) -> None:
    """Cancel the session in the calendar of a presenter who leaves it."""
    if person.email and event_session.event.status == "published":
        services.cancel_session_entries(event_session, only=person.email)


def agenda_sessions_dropping(registration, session_ids) -> None:
    """Cancel the dropped sessions that a mailed update put in the delegate's calendar."""
    services.withdraw_session_entries(registration, session_ids)


def registration_cancelled(registration) -> None:
    """Cancel every session that a mailed update put in the delegate's calendar."""
    services.withdraw_session_entries(registration)


def connect() -> None:
    """Subscribe to the signals (connecting again, for another app, changes nothing)."""
    events.event_changed.connect(event_changed)
    events.event_published.connect(event_published)
    events.event_cancelled.connect(event_cancelled)
    agenda.session_changed.connect(session_changed)
    agenda.session_deleting.connect(session_deleting)
    agenda.participant_added.connect(participant_added)
    agenda.participant_removing.connect(participant_removing)
    agenda.agenda_sessions_dropping.connect(agenda_sessions_dropping)
    registration.registration_cancelled.connect(registration_cancelled)
