"""Commands: `flask users ...`, `flask demo load`, `flask mail send`, `flask worker`."""

import secrets

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from eventmgr.errors import EventMgrError
from eventmgr.extensions import db

# Help texts are read before any application (and its language) exists: they stay in English, like the commands.
users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
mail_cli = AppGroup("mail", help="The mail outbox.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", help="Display name; defaults to the part of the address before @.")
@click.option("--admin", is_flag=True, help="Make the user a site administrator.")
@click.option("--organiser", is_flag=True, help="Let the user create events, series and organisations.")
@click.option("--password", help="Set this password instead of a generated one.")
def create_user_command(email: str, name: str | None, admin: bool, organiser: bool, password: str | None) -> None:
    """Create an account and print its password."""
    from eventmgr.auth.services import create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(email, name or email.split("@")[0], password=password, is_admin=admin)
    except EventMgrError as error:
        raise click.ClickException(error.message) from error
    user.can_organise = organiser
    db.session.commit()
    if user.is_admin:
        created = (
            _("Created administrator %(email)s with password: %(password)s", email=user.email, password=password)
            if generated
            else _("Created administrator %(email)s.", email=user.email)
        )
    elif user.can_organise:
        created = (
            _("Created organiser %(email)s with password: %(password)s", email=user.email, password=password)
            if generated
            else _("Created organiser %(email)s.", email=user.email)
        )
    else:
        created = (
            _("Created user %(email)s with password: %(password)s", email=user.email, password=password)
            if generated
            else _("Created user %(email)s.", email=user.email)
        )
    click.echo(created)


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password_command(email: str, password: str) -> None:
    """Set a user's password."""
    from eventmgr.auth.services import find_user, set_password

    user = find_user(email)
    if user is None:
        raise click.ClickException(_("No account for %(email)s.", email=email))
    try:
        set_password(user, password)
    except EventMgrError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(_("Password changed for %(email)s.", email=user.email))


@demo_cli.command("load")
def load_demo_command() -> None:
    """Load the demonstration events and accounts (safe to run again)."""
    from eventmgr.demo import load_demo

    report = load_demo(echo=click.echo)
    db.session.commit()
    click.echo(report)


@demo_cli.command("load-if-empty")
def load_if_empty_command() -> None:
    """Load the demonstration data only into a database with no events and no accounts."""
    from eventmgr.auth.models import User
    from eventmgr.demo import load_demo
    from eventmgr.events.models import Event

    if (
        db.session.execute(db.select(Event.id).limit(1)).first()
        or db.session.execute(db.select(User.id).limit(1)).first()
    ):
        click.echo(_("The database has data already; demo data not loaded."))
        return
    report = load_demo(echo=click.echo)
    db.session.commit()
    click.echo(report)


@click.command("worker")
@click.option("--interval", default=5, show_default=True, help="Seconds to wait when a round found nothing to do.")
@click.option("--once", is_flag=True, help="Do one round and stop (to run from a timer instead).")
def worker_command(interval: int, once: bool) -> None:
    """Do the site's background work: queue due reminders and calendar updates, send mail, render jobs
    (such as badges), forget idle failed-login counts. Run one or several, on any hosts: they share the
    queues without doing anything twice."""
    from eventmgr import worker

    if not once:
        click.echo(_("Worker: a round every %(interval)d s when idle; Ctrl-C stops it.", interval=interval))
    worker.run(interval, once=once)


@mail_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_mail_command(limit: int) -> None:
    """Queue the reminders and calendar updates that are due, then deliver the queued messages that are due."""
    from eventmgr.mail.services import send_queued
    from eventmgr.worker import queue_scheduled

    reminders, updates = queue_scheduled()
    count = send_queued(limit=limit)
    click.echo(
        _(
            "Reminders queued: %(reminders)d; calendar updates queued: %(updates)d; messages delivered: %(count)d.",
            reminders=reminders,
            updates=updates,
            count=count,
        )
    )


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(worker_command)
