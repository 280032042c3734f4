"""The outbox's blueprint: `flask mail ...` commands, and delivery after each response."""

import click
from flask import Blueprint, current_app, g

from eventmgr.mail.services import send_queued

bp = Blueprint("mail", __name__, cli_group="mail")


@bp.after_app_request
def send_after_response(response):
    """Deliver what this request queued once the response has gone out, so nobody waits on SMTP."""
    if g.pop("mail_queued", False) and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        app = current_app._get_current_object()

        def deliver():
            with app.app_context():
                send_queued()

        response.call_on_close(deliver)
    return response


def _queue_scheduled():
    """Queue what is due by the clock: reminders, calendar updates. Return the two counts."""
    # Imported here: the mail package is imported by the features whose messages it queues.
    from eventmgr.calendar.services import queue_calendar_updates
    from eventmgr.registration.reminders import queue_due_reminders

    return queue_due_reminders(), queue_calendar_updates()


@bp.cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Queue the reminders that are due, then deliver the queued messages that are due."""
    reminders, updates = _queue_scheduled()
    count = send_queued(limit=limit)
    click.echo(f"Queued {reminders} reminder(s) and {updates} calendar update(s); delivered {count} message(s).")


@bp.cli.command("worker")
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds.")
def worker_command(interval: int) -> None:
    """Keep queueing reminders and delivering mail until stopped (Ctrl-C)."""
    import time

    from eventmgr.extensions import db

    click.echo(f"Mail worker: a round every {interval} s.")
    while True:
        try:
            _queue_scheduled()
            send_queued()
        except Exception as error:  # noqa: BLE001 - a bad round must not stop the worker
            db.session.rollback()
            click.echo(f"Mail worker round failed: {error}", err=True)
        db.session.remove()
        time.sleep(interval)
