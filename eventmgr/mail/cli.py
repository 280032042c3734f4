"""`flask mail ...` commands."""

import click

from eventmgr.mail import bp
from eventmgr.mail.services import send_queued


@bp.cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Deliver the queued messages that are due."""
    count = send_queued(limit=limit)
    click.echo(f"Delivered {count} message(s).")
