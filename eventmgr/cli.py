"""Commands: `flask users ...`, `flask demo load`, `flask worker`."""

import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from eventmgr.errors import EventMgrError
from eventmgr.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")


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
    role = "administrator" if user.is_admin else "organiser" if user.can_organise else "user"
    click.echo(f"Created {role} {user.email}" + (f" with password: {password}" if generated else "."))


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password_command(email: str, password: str) -> None:
    """Set a user's password."""
    from eventmgr.auth.services import find_user, set_password

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    try:
        set_password(user, password)
    except EventMgrError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")


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

    if db.session.execute(db.select(Event.id).limit(1)).first() or \
            db.session.execute(db.select(User.id).limit(1)).first():
        click.echo("The database has data already; demo data not loaded.")
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
    import time

    from eventmgr.auth.services import forget_old_login_failures
    from eventmgr.jobs.services import run_due_jobs
    from eventmgr.mail.cli import queue_scheduled
    from eventmgr.mail.services import send_queued

    if not once:
        click.echo(f"Worker: a round every {interval} s when idle; Ctrl-C stops it.")
    while True:
        busy = False
        try:
            reminders, updates = queue_scheduled()
            forget_old_login_failures()
            db.session.commit()
            sent, rendered = send_queued(), run_due_jobs()
            busy = bool(sent or rendered)
            if once:
                click.echo(f"Queued {reminders} reminder(s) and {updates} calendar update(s); "
                           f"delivered {sent} message(s); ran {rendered} job(s).")
        except Exception as error:  # noqa: BLE001 - a bad round must not stop the worker
            db.session.rollback()
            click.echo(f"Worker round failed: {error}", err=True)
            if once:
                raise SystemExit(1) from error
        db.session.remove()
        if once:
            return
        if not busy:
            time.sleep(interval)


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(worker_command)
