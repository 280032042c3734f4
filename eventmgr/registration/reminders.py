"""Reminders a day and an hour before (times set per event), each sent once through the outbox."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from eventmgr.database import utcnow
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.registration import notifications
from eventmgr.registration.models import Registration

#: (event column with the minutes, registration column that records the sending)
REMINDERS = (
    ("reminder_early_minutes", "reminder_day_sent_at"),
    ("reminder_late_minutes", "reminder_hour_sent_at"),
)


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder that is due and not yet sent; return how many were queued."""
    now = now or utcnow()
    # Only events starting within the longest reminder window (14 days) can have one due.
    events = (
        db.session.execute(
            select(Event).where(
                Event.status == "published", Event.start_at > now, Event.start_at <= now + timedelta(days=14)
            )
        )
        .scalars()
        .all()
    )
    queued = 0
    for event in events:
        for minutes_column, sent_column in REMINDERS:
            minutes = getattr(event, minutes_column)
            if minutes is None or now < event.start_at - timedelta(minutes=minutes):
                continue
            sent = getattr(Registration, sent_column)
            candidates = (
                db.session.execute(
                    select(Registration.id).where(
                        Registration.event_id == event.id,
                        Registration.status == "confirmed",
                        Registration.unsubscribed_at.is_(None),  # they stopped reminders (unsubscribing)
                        sent.is_(None),
                    )
                )
                .scalars()
                .all()
            )
            starts_in = event.start_at - now  # said in each delegate's language: "in 2 days", "через 2 дня"
            for registration_id in candidates:
                # Claim the reminder row by row: a second sender running at once finds it taken.
                claimed = db.session.execute(
                    update(Registration)
                    .where(Registration.id == registration_id, sent.is_(None))
                    .values({sent_column: now})
                ).rowcount
                if claimed:
                    notifications.queue(db.session.get(Registration, registration_id), "reminder", starts_in=starts_in)
                    queued += 1
    return queued
