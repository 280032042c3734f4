"""Passwords, logins with throttling, reset and invitation links."""

from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, or_

from eventmgr.auth.models import AddressLockout, User
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.mail.services import made_when_sent, message_maker, queue_made_when_sent, queue_mail
from eventmgr.urls import external_url


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    """The hasher for an argon2 parameter profile, and a hash of nobody's password made with it."""
    hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
    return hasher, hasher.hash("not a password of anyone")


def _hasher() -> PasswordHasher:
    return _hasher_for(current_app.config["PASSWORD_HASH_PROFILE"])[0]

MIN_PASSWORD_LENGTH = 10


class LoginThrottled(EventMgrError):
    status_code = 429


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """Return the account with this e-mail address, if any."""
    return db.session.execute(db.select(User).filter_by(email=normalise_email(email))).scalar_one_or_none()


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; earlier reset links stop working."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EventMgrError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    user.password_hash = _hasher().hash(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of the account, wherever they are (a logout does this)."""
    user.session_version += 1


def create_user(email: str, name: str, password: str | None = None, is_admin: bool = False) -> User:
    """Create an account; without a password the user sets one through an invitation link."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise EventMgrError("An account with this e-mail address exists already.", field="email")
    user = User(email=email, name=name.strip(), is_admin=is_admin)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right; count failures and lock after too many.

    An address without an account is counted and locked the same way (AddressLockout), and a wrong address
    takes as long as a wrong password, so that neither the answer, its timing nor the lock tells whether
    an address has an account.
    """
    now = utcnow()
    user = find_user(email)
    has_password = user is not None and user.password_hash is not None
    lockout = user if has_password else _address_lockout(email, now)
    if lockout.is_locked(now):
        raise LoginThrottled("Too many failed attempts. Try again later or reset your password.")
    if not has_password:
        _verify(_hasher_for(current_app.config["PASSWORD_HASH_PROFILE"])[1], password)  # nobody's hash
    if not has_password or not _verify(user.password_hash, password) or not user.is_active:
        lockout.failed_logins += 1
        if lockout.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            lockout.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            lockout.failed_logins = 0
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _address_lockout(email: str, now) -> AddressLockout:
    email = normalise_email(email)
    lockout = db.session.get(AddressLockout, email)
    if lockout is None:
        lockout = AddressLockout(email=email, failed_logins=0)
        db.session.add(lockout)
    lockout.failed_at = now
    return lockout


def forget_idle_address_lockouts(now=None) -> int:
    """Delete the failure counts of addresses without an account that nobody tried for a day."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    return db.session.execute(delete(AddressLockout).where(AddressLockout.failed_at < cutoff,
                                                          or_(AddressLockout.locked_until.is_(None),
                                                              AddressLockout.locked_until < cutoff))).rowcount


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"eventmgr.{purpose}")


def _password_state(user: User) -> str:
    """A value that changes when the password does: a used link no longer matches."""
    changed = user.password_changed_at.isoformat() if user.password_changed_at else "never"
    return f"{changed}:{(user.password_hash or '')[-12:]}"


def make_password_token(user: User, purpose: str = "reset") -> str:
    """Return a signed link token for setting this user's password ("reset" or "invitation")."""
    return _serializer("password").dumps({"uid": user.id, "state": _password_state(user), "purpose": purpose})


def user_from_password_token(token: str) -> tuple[User, str] | None:
    """Return the user and purpose of a valid, unused, unexpired token, else None."""
    try:
        data, signed_at = _serializer("password").loads(token, return_timestamp=True)
    except (SignatureExpired, BadSignature):
        return None
    purpose = data.get("purpose")
    max_age = {"reset": "PASSWORD_RESET_MAX_AGE", "invitation": "INVITATION_MAX_AGE"}.get(purpose)
    if max_age is None or (utcnow() - signed_at).total_seconds() > current_app.config[max_age]:
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("state") != _password_state(user):
        return None
    return user, purpose


def send_password_reset(email: str) -> None:
    """Queue a reset link to the address, made when it is sent and only if the address has an active account.

    The request does the same work whatever the address (one message queued, no account looked up), so that
    neither the answer nor its timing tells whether the address has an account.
    """
    email = normalise_email(email)
    queue_made_when_sent(to=email, made=made_when_sent("auth.password_reset", email=email))


@message_maker("auth.password_reset")
def _password_reset_message(email: str) -> dict | None:
    user = find_user(email)
    if user is None or not user.is_active:
        return None
    link = external_url("auth.reset_password", token=make_password_token(user))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1
    return {"to": user.email, "subject": "Reset your eventmgr password",
            "body": render_template("email/password_reset.txt", user=user, link=link, hours=hours)}


def send_invitation(user: User, invited_by: User) -> None:
    """Queue an invitation to set a password for a new account."""
    link = external_url("auth.reset_password", token=make_password_token(user, "invitation"))
    days = current_app.config["INVITATION_MAX_AGE"] // 86400 or 1
    queue_mail(
        to=user.email,
        subject="You have been invited to eventmgr",
        body=render_template("email/invitation.txt", user=user, link=link, invited_by=invited_by, days=days),
    )
