"""Keep each event's count of seats taken (Event.seats_taken) equal to its confirmed registrations, and its count
of online places taken (Event.online_seats_taken) equal to those of them who attend online.

Registering reads this one number under the event's lock instead of counting thousands of rows. Rather than
trusting every service (and every future one) to adjust it, a flush listener looks at the registrations
about to be written: new ones, deleted ones and those whose status or mode changes. The
count is moved by a plain UPDATE on the events table, outside the ORM, so that it never counts as an edit
of the event (its optimistic lock), and inside the same transaction, so that it commits or rolls back with
the registrations it counts.
"""

from collections import Counter

from sqlalchemy import event as sa_event
from sqlalchemy import false, func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from eventmgr.events.models import Event
from eventmgr.registration.models import Registration


def _before(registration: Registration, attribute: str):
    history = getattr(inspect(registration).attrs, attribute).history
    before = history.deleted or history.unchanged
    return before[0] if before else None


def _holds(status: str | None, mode: str | None) -> tuple[int, int]:
    """What a registration in that state counts for: (seats taken, of which online)."""
    confirmed = status == "confirmed"
    return int(confirmed), int(confirmed and mode == "online")


def listen() -> None:
    """Watch every flush (once, however many apps are made)."""
    if not sa_event.contains(Session, "before_flush", count_seats):
        sa_event.listen(Session, "before_flush", count_seats)


def count_seats(session: Session, _flush_context, _instances) -> None:
    changes: dict[int, Counter] = {}

    def change(event_id: int, now: tuple[int, int], before: tuple[int, int] = (0, 0)) -> None:
        counter = changes.setdefault(event_id, Counter())
        counter["seats_taken"] += now[0] - before[0]
        counter["online_seats_taken"] += now[1] - before[1]

    for registration in session.new:
        if isinstance(registration, Registration) and registration.status == "confirmed":
            holds = _holds(registration.status, registration.attendance_mode)
            if registration.event_id is None and registration.event in session.new:
                event = registration.event  # inserted with it
                event.seats_taken = (event.seats_taken or 0) + holds[0]
                event.online_seats_taken = (event.online_seats_taken or 0) + holds[1]
            else:
                change(registration.event_id or registration.event.id, holds)
    for registration in session.deleted:
        if isinstance(registration, Registration):
            change(
                registration.event_id,
                (0, 0),
                _holds(_before(registration, "status"), _before(registration, "attendance_mode")),
            )
    for registration in session.dirty:
        if isinstance(registration, Registration):
            attrs = inspect(registration).attrs
            if attrs.status.history.has_changes() or attrs.attendance_mode.history.has_changes():
                before = _holds(_before(registration, "status"), _before(registration, "attendance_mode"))
                change(registration.event_id, _holds(registration.status, registration.attendance_mode), before)
    events = Event.__table__
    for event_id, counter in changes.items():
        if event_id is None or not any(counter.values()):
            continue
        taken, online = (
            session.connection()
            .execute(
                update(events)
                .where(events.c.id == event_id)
                # updated_at is set to itself, or its onupdate would date the event (its calendar files'
                # Last-Modified and ETag) from every registration.
                .values(
                    seats_taken=events.c.seats_taken + counter["seats_taken"],
                    online_seats_taken=events.c.online_seats_taken + counter["online_seats_taken"],
                    updated_at=events.c.updated_at,
                )
                .returning(events.c.seats_taken, events.c.online_seats_taken)
            )
            .one()
        )
        # The event in this session sees the new counts at once (cancelling, then promoting, reads them).
        loaded = session.identity_map.get(session.identity_key(Event, event_id))
        if loaded is not None:
            set_committed_value(loaded, "seats_taken", taken)
            set_committed_value(loaded, "online_seats_taken", online)


def waiting_list(event_id: int, mode: str):
    """SELECT of the event's waiting list in that mode, in the order seats are offered: first come first served."""
    return (
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == "waitlisted",
            Registration.attendance_mode == mode,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    )


def waiting_list_position(registration: Registration) -> int | None:
    """The registration's place on its mode's waiting list (1 is next to get a seat); None when not on it."""
    if registration.status != "waitlisted":
        return None
    session = inspect(registration).session
    at = registration.waitlisted_at
    # One more than the rows that waiting_list's ORDER BY waitlisted_at, id puts before this one, counted by the
    # database rather than read: each database sorts an empty waitlisted_at as it does there (SQLite first,
    # PostgreSQL last), so the place said is the place promote_waitlisted gives.
    nulls_first = session.get_bind().dialect.name == "sqlite"
    column = Registration.waitlisted_at
    if at is None:
        earlier = false() if nulls_first else column.is_not(None)
        same_time = column.is_(None)
    else:
        earlier = (column < at) | column.is_(None) if nulls_first else column < at
        same_time = column == at
    ahead = session.execute(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == "waitlisted",
            Registration.attendance_mode == registration.attendance_mode,
            earlier | (same_time & (Registration.id < registration.id)),
        )
    ).scalar_one()
    return ahead + 1


def recount(session: Session) -> int:
    """Set every event's counts from its registrations (after rows were written outside the ORM); return how
    many events were wrong."""
    events = Event.__table__

    def confirmed(*conditions):
        return (
            select(func.count())
            .where(Registration.event_id == events.c.id, Registration.status == "confirmed", *conditions)
            .scalar_subquery()
        )

    total, online = confirmed(), confirmed(Registration.attendance_mode == "online")
    return session.execute(
        update(events)
        .where((events.c.seats_taken != total) | (events.c.online_seats_taken != online))
        .values(seats_taken=total, online_seats_taken=online, updated_at=events.c.updated_at)
    ).rowcount
