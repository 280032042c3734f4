"""Work queues kept in tables (the outbox, jobs, calendar updates), shared by any number of workers on any
number of hosts, each row worked on by one worker at a time.

A worker claims a row with a conditional UPDATE that only one worker can win: it leases the row (pushes its
due time on by the lease, so that nobody else finds it due) and counts the attempt. On PostgreSQL the
candidate is first picked with SELECT ... FOR UPDATE SKIP LOCKED, so that workers pass over each other's
candidates instead of waiting for them. The claim is committed before the work starts; then the handler
records the outcome on the row (a message sent, a job's file), or the attempt fails and the row is tried
again after a backoff, or given up (dead-lettered) once its attempts are spent. A worker that dies leaves its
lease to run out: the row is due again, or given up if that was its last attempt.

`work()` is the loop that entry points run (`flask worker`, the outbox's after-response delivery): it commits
after each claim and after each row's work, so that a failure rolls back that row's work alone. Nothing
else here commits, and the handlers never do.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Table, select, update

from eventmgr.database import utcnow
from eventmgr.extensions import db

log = logging.getLogger(__name__)

#: Stands for the time of the claim, retry or giving up in a Queue's values (a job's started_at).
NOW = object()


def exponential_backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the first, second, third ... failed attempt; at most six hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


@dataclass(frozen=True)
class Queue:
    """A table whose rows are work to do, and how they are claimed, tried again and given up."""

    #: What a row is called in the log: "mail", "job".
    name: str
    model: type
    #: The rows that are work at all, due or not: waiting, or claimed by a worker that may have died.
    waiting: ColumnElement[bool]
    #: The column holding when a row is due; a claim pushes it on by the lease.
    due: str
    #: How long a claim holds: after that its worker is taken for dead and the row is due again.
    lease: Callable[[], timedelta]
    #: Values set by a claim, by a retry and by giving up, besides the lease, the attempt and the error.
    claimed: Mapping[str, Any] = field(default_factory=dict)
    retried: Mapping[str, Any] = field(default_factory=dict)
    given_up: Mapping[str, Any] = field(default_factory=dict)
    #: The column counting attempts; None: a failed row is due again when its lease runs out, and never given up.
    attempts: str | None = "attempts"
    max_attempts: Callable[[], int] = lambda: 1
    #: The wait after the n-th failed attempt.
    backoff: Callable[[int], timedelta] = exponential_backoff
    #: The column keeping the last error, and how much of it.
    error: str | None = None
    error_length: int = 1000
    #: Errors that the same input would raise again: the row is given up at once, and the log has no traceback.
    final_errors: tuple[type[Exception], ...] = ()
    #: The error recorded on a row given up because its worker died during its last attempt.
    abandoned: str = _l("The worker stopped before the work was done.")

    @property
    def table(self) -> Table:
        # Plain UPDATEs of the table: bookkeeping, not edits (an event's optimistic lock stays as it is).
        return self.model.__table__

    def claimable(self, now: datetime) -> ColumnElement[bool]:
        """The rows a worker may claim at `now`: waiting, due, with attempts left."""
        clause = self.waiting & (self.table.c[self.due] <= now)
        if self.attempts is not None:
            clause &= self.table.c[self.attempts] < self.max_attempts()
        return clause


def claim(queue: Queue, row_id: int, now: datetime) -> bool:
    """Lease the row and count the attempt, if it is due and nobody holds it; False if another worker did first."""
    values = {queue.due: now + queue.lease(), **_at(queue.claimed, now)}
    if queue.attempts is not None:
        values[queue.attempts] = queue.table.c[queue.attempts] + 1
    table = queue.table
    return (
        db.session.execute(update(table).where(table.c.id == row_id, queue.claimable(now)).values(values)).rowcount == 1
    )


def claim_next(queue: Queue, now: datetime, after: int = 0) -> int | None:
    """Claim the first claimable row (by id) after `after`; return its id, or None when none is left."""
    table = queue.table
    while True:
        query = select(table.c.id).where(queue.claimable(now), table.c.id > after).order_by(table.c.id).limit(1)
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row_id = db.session.execute(query).scalar_one_or_none()
        if row_id is None or claim(queue, row_id, now):
            return row_id
        after = row_id  # another worker (SQLite has no SKIP LOCKED) took it between the two statements


def release(queue: Queue, row_id: int) -> None:
    """Give a claimed row back, due at once and its attempt not counted: its worker is stopping, not failing."""
    now = utcnow()
    values = {queue.due: now, **_at(queue.retried, now)}
    if queue.attempts is not None:
        values[queue.attempts] = queue.table.c[queue.attempts] - 1
    db.session.execute(update(queue.table).where(queue.table.c.id == row_id).values(values))


def fail(queue: Queue, row_id: int, error: Exception, now: datetime) -> bool:
    """Record a failed attempt at a claimed row: it is tried again after the backoff, or given up once its attempts
    are spent (at once after one of the queue's final errors). Return whether it is due again at once."""
    table = queue.table
    values = {queue.error: str(error)[: queue.error_length] or type(error).__name__} if queue.error else {}
    due_again = False
    if queue.attempts is not None:
        attempts = db.session.execute(select(table.c[queue.attempts]).where(table.c.id == row_id)).scalar_one_or_none()
        if attempts is None:  # deleted meanwhile
            return False
        if isinstance(error, queue.final_errors) or attempts >= queue.max_attempts():
            values |= _at(queue.given_up, now)
        else:
            delay = queue.backoff(attempts)
            values |= {queue.due: now + delay, **_at(queue.retried, now)}
            due_again = delay <= timedelta(0)
    if values:
        db.session.execute(update(table).where(table.c.id == row_id).values(values))
    return due_again


def give_up_abandoned(queue: Queue, now: datetime) -> int:
    """Give up the rows whose worker died during their last attempt; return how many."""
    if queue.attempts is None:
        return 0
    table = queue.table
    spent = queue.waiting & (table.c[queue.due] <= now) & (table.c[queue.attempts] >= queue.max_attempts())
    values = _at(queue.given_up, now) | ({queue.error: str(queue.abandoned)} if queue.error else {})
    return db.session.execute(update(table).where(spent).values(values)).rowcount


def work(queue: Queue, handle: Callable[[Any], Any], limit: int | None = None, now: datetime | None = None) -> list:
    """Claim due rows one at a time (at most `limit`) and hand each to `handle`, committing after each claim and
    after each row's work; return what `handle` returned for each row, None where it failed.

    `now` fixes the time the rows are due by (tests, catching up); without it, each claim reads the clock, so
    that every lease runs from when its work starts.
    """
    give_up_abandoned(queue, now or utcnow())
    db.session.commit()
    outcomes = []
    after = 0
    while limit is None or len(outcomes) < limit:
        row_id = claim_next(queue, now or utcnow(), after)
        db.session.commit()  # the lease holds before the work starts, and the attempt counts if the worker dies
        if row_id is None:
            return outcomes
        outcome, due_again = _work_on(queue, row_id, handle, now)
        outcomes.append(outcome)
        if not due_again:
            after = row_id  # each row once a run, but for one to be tried again at once
    return outcomes


def _work_on(queue: Queue, row_id: int, handle: Callable[[Any], Any], now: datetime | None) -> tuple[Any, bool]:
    """Do one claimed row's work and commit it; on failure, roll it back and record the attempt instead."""
    row = db.session.get(queue.model, row_id, populate_existing=True)
    if row is None:  # deleted since the claim (with its event, say): nothing left to do
        return None, False
    try:
        outcome = handle(row)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - whatever the work raises is recorded on its row, not lost
        db.session.rollback()
        if isinstance(error, queue.final_errors):
            log.info("%s %s failed: %s", queue.name, row_id, error)
        else:
            log.exception("%s %s failed", queue.name, row_id)
        due_again = fail(queue, row_id, error, now or utcnow())
        db.session.commit()
        return None, due_again
    except BaseException:
        # Interrupted (Ctrl-C, a signal): another worker may take the row now rather than after the lease.
        db.session.rollback()
        release(queue, row_id)
        db.session.commit()
        raise
    return outcome, False


def _at(values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    return {name: now if value is NOW else value for name, value in values.items()}
