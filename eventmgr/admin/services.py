"""Inviting users and changing their site-wide role."""

from flask_babel import gettext as _

from eventmgr.audit.services import record
from eventmgr.auth.models import User
from eventmgr.auth.services import create_user, send_invitation
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db


def invite_user(email: str, name: str, is_admin: bool, invited_by: User, can_organise: bool = False) -> User:
    """Create an account without a password and e-mail its owner a link to set one."""
    user = create_user(email, name, is_admin=is_admin)
    user.can_organise = can_organise
    send_invitation(user, invited_by)
    roles = [label for label, granted in (("admin", is_admin), ("organiser", can_organise)) if granted]
    record(
        "user.invite", invited_by, summary=f"{user.name} <{user.email}>" + (f" ({', '.join(roles)})" if roles else "")
    )
    return user


def set_organiser(user: User, can_organise: bool, by: User) -> None:
    """Grant or take away the capability to create events, series and organisations."""
    user.can_organise = can_organise
    record("user.organiser" if can_organise else "user.unorganiser", by, summary=user.email)
    db.session.flush()


def resend_invitation(user: User, by: User) -> None:
    """Send a new invitation link to a user who has not set a password yet."""
    if user.has_password:
        raise EventMgrError(_("This user has set a password already; they can use 'Forgot password'."))
    send_invitation(user, by)


def set_admin(user: User, is_admin: bool, by: User) -> None:
    """Grant or revoke the site administrator role; nobody can drop their own."""
    if user.id == by.id and not is_admin:
        raise EventMgrError(_("You cannot remove your own administrator role."))
    user.is_admin = is_admin
    record("user.admin" if is_admin else "user.unadmin", by, summary=user.email)
    db.session.flush()


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate or reactivate an account; its history stays."""
    if user.id == by.id and not active:
        raise EventMgrError(_("You cannot deactivate your own account."))
    user.is_active_account = active
    record("user.activate" if active else "user.deactivate", by, summary=user.email)
    db.session.flush()
