"""The outbox's blueprint: `flask mail send`, and delivery after each response."""

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


def queue_scheduled() -> tuple[int, int]:
    """Queue what is due by the clock: reminders, calendar updates. Return the two counts."""
    # Imported here: the mail package is imported by the features whose messages it queues.
    from eventmgr.calendar.services import queue_calendar_updates
    from eventmgr.registration.reminders import queue_due_reminders

    return queue_due_reminders(), queue_calendar_updates()


@bp.cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Queue the reminders that are due, then deliver the queued messages that are due."""
    reminders, updates = queue_scheduled()
    count = send_queued(limit=limit)
    click.echo(f"Queued {reminders} reminder(s) and {updates} calendar update(s); delivered {count} message(s).")
