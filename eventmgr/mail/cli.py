"""`flask mail ...` commands."""

import click

from eventmgr.mail import bp
from eventmgr.mail.services import send_queued


@bp.cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Queue the reminders that are due, then deliver the queued messages that are due."""
    from eventmgr.registration.reminders import queue_due_reminders

    reminders = queue_due_reminders()
    count = send_queued(limit=limit)
    click.echo(f"Queued {reminders} reminder(s); delivered {count} message(s).")


@bp.cli.command("worker")
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds.")
def worker_command(interval: int) -> None:
    """Keep queueing reminders and delivering mail until stopped (Ctrl-C)."""
    import time

    from eventmgr.extensions import db
    from eventmgr.registration.reminders import queue_due_reminders

    click.echo(f"Mail worker: a round every {interval} s.")
    while True:
        try:
            queue_due_reminders()
            send_queued()
        except Exception as error:  # noqa: BLE001 - a bad round must not stop the worker
            db.session.rollback()
            click.echo(f"Mail worker round failed: {error}", err=True)
        db.session.remove()
        time.sleep(interval)
