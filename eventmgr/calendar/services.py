"""Keep delegates' calendars in step with the event: one update per delegate per burst of edits."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from eventmgr.database import utcnow
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.registration import notifications
from eventmgr.registration.models import Registration


def schedule_update(event: Event, now: datetime | None = None, at_once: bool = False) -> None:
    """Owe delegates an update; it goes out once the organiser has stopped editing for a while."""
    if event.status == "draft":
        event.calendar_sent_sequence = event.calendar_sequence
        return
    delay = 0 if at_once else current_app.config["CALENDAR_UPDATE_DELAY"]
    event.calendar_update_due_at = (now or utcnow()) + timedelta(seconds=delay)


def queue_calendar_updates(now: datetime | None = None) -> int:
    """Queue the owed updates (REQUEST with a higher SEQUENCE, or CANCEL) to confirmed delegates."""
    now = now or utcnow()
    due = select(Event.id).where(Event.calendar_update_due_at <= now,
                                 Event.calendar_sent_sequence < Event.calendar_sequence)
    if db.engine.dialect.name == "postgresql":
        # Two workers never take the same event: the second skips rows the first has locked.
        due = due.with_for_update(skip_locked=True)
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
        event.calendar_sent_sequence = event.calendar_sequence
        event.calendar_update_due_at = None
        db.session.commit()
    db.session.commit()
    return queued
