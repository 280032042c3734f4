"""Keep each event's count of seats taken (Event.seats_taken) equal to its confirmed registrations.

Registering reads this one number under the event's lock instead of counting thousands of rows. Rather than
trusting every service (and every future one) to adjust it, a flush listener looks at the registrations
about to be written: new ones, deleted ones and those whose status changes, into or out of "confirmed". The
count is moved by a plain UPDATE on the events table, outside the ORM, so that it never counts as an edit
of the event (its optimistic lock), and inside the same transaction, so that it commits or rolls back with
the registrations it counts.
"""

from collections import Counter

from sqlalchemy import event as sa_event
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from eventmgr.events.models import Event
from eventmgr.registration.models import Registration


def _was_confirmed(registration: Registration) -> bool:
    history = inspect(registration).attrs.status.history
    before = history.deleted or history.unchanged
    return bool(before) and before[0] == "confirmed"


def listen() -> None:
    """Watch every flush (once, however many apps are made)."""
    if not sa_event.contains(Session, "before_flush", count_seats):
        sa_event.listen(Session, "before_flush", count_seats)


def count_seats(session: Session, _flush_context, _instances) -> None:
    changes: Counter[int] = Counter()
    for registration in session.new:
        if isinstance(registration, Registration) and registration.status == "confirmed":
            if registration.event_id is None and registration.event in session.new:
                registration.event.seats_taken = (registration.event.seats_taken or 0) + 1  # inserted with it
            else:
                changes[registration.event_id or registration.event.id] += 1
    for registration in session.deleted:
        if isinstance(registration, Registration) and _was_confirmed(registration):
            changes[registration.event_id] -= 1
    for registration in session.dirty:
        if isinstance(registration, Registration) and inspect(registration).attrs.status.history.has_changes():
            changes[registration.event_id] += (registration.status == "confirmed") - _was_confirmed(registration)
    events = Event.__table__
    for event_id, change in changes.items():
        if change and event_id is not None:
            taken = (
                session.connection()
                .execute(
                    update(events)
                    .where(events.c.id == event_id)
                    # updated_at is set to itself, or its onupdate would date the event (its calendar files'
                    # Last-Modified and ETag) from every registration.
                    .values(seats_taken=events.c.seats_taken + change, updated_at=events.c.updated_at)
                    .returning(events.c.seats_taken)
                )
                .scalar_one()
            )
            # The event in this session sees the new count at once (cancelling, then promoting, reads it).
            loaded = session.identity_map.get(session.identity_key(Event, event_id))
            if loaded is not None:
                set_committed_value(loaded, "seats_taken", taken)


def recount(session: Session) -> int:
    """Set every event's count from its registrations (after rows were written outside the ORM); return how
    many events were wrong."""
    confirmed = (
        select(func.count())
        .where(Registration.event_id == Event.__table__.c.id, Registration.status == "confirmed")
        .scalar_subquery()
    )
    events = Event.__table__
    return session.execute(
        update(events)
        .where(events.c.seats_taken != confirmed)
        .values(seats_taken=confirmed, updated_at=events.c.updated_at)
    ).rowcount
