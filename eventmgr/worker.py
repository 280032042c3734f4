"""The site's background work, in rounds: the features' periodic jobs, composed here at the application level.

Each round queues what the clock made due (reminders of events and of payments, calendar updates), forgets idle
failed logins, delivers the outbox and does queued jobs. The queues are worked through by eventmgr.queue, which
commits after each item; the rest of a round is committed here, step by step. Run as many workers as you like,
on any hosts: they share the queues without doing anything twice.
"""

import time
from dataclasses import dataclass
from datetime import datetime

import click
from flask_babel import gettext as _

from eventmgr.auth.services import forget_old_login_failures
from eventmgr.calendar.services import queue_calendar_updates
from eventmgr.extensions import db
from eventmgr.jobs.services import run_due_jobs
from eventmgr.mail.services import send_queued
from eventmgr.registration.payments import queue_payment_reminders
from eventmgr.registration.reminders import queue_due_reminders


@dataclass
class Round:
    """What one round did."""

    reminders: int
    calendar_updates: int
    delivered: int
    jobs: int

    @property
    def busy(self) -> bool:
        """Whether there was mail or a job to do: then more may be waiting, and the next round starts at once."""
        return bool(self.delivered or self.jobs)


def queue_scheduled(now: datetime | None = None) -> tuple[int, int]:
    """Queue what is due by the clock: reminders (of the event, of payments), then calendar updates. Return the
    two counts."""
    reminders = queue_due_reminders(now)
    db.session.commit()
    reminders += queue_payment_reminders(now)
    db.session.commit()
    return reminders, queue_calendar_updates(now)


def run_round() -> Round:
    """Do one round of the site's background work."""
    reminders, updates = queue_scheduled()
    forget_old_login_failures()
    db.session.commit()
    return Round(reminders, updates, send_queued(), run_due_jobs())


def run(interval: float, once: bool = False) -> None:
    """Do rounds until stopped, pausing `interval` seconds after one that found nothing to do; with `once`, one
    round, reported (a failed round then exits with status 1)."""
    while True:
        done = None
        try:
            done = run_round()
            if once:
                click.echo(
                    _(
                        "Reminders queued: %(reminders)d; calendar updates queued: %(updates)d; "
                        "messages delivered: %(delivered)d; jobs done: %(jobs)d.",
                        reminders=done.reminders,
                        updates=done.calendar_updates,
                        delivered=done.delivered,
                        jobs=done.jobs,
                    )
                )
        except Exception as error:  # noqa: BLE001 - a bad round must not stop the worker
            db.session.rollback()
            click.echo(_("Worker round failed: %(error)s", error=error), err=True)
            if once:
                raise SystemExit(1) from error
        db.session.remove()
        if once:
            return
        if done is None or not done.busy:
            time.sleep(interval)
