"""Passwords, logins with throttling, reset and invitation links."""

import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, delete, func, select

from eventmgr.auth.models import LoginFailure, User
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.languages import current_language, in_language
from eventmgr.mail.services import made_when_sent, mail_headers, message_maker, queue_made_when_sent, queue_mail
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


def account_language(email: str | None) -> str | None:
    """The language the account with this address chose for itself, if there is one and it chose (staff mail to
    the address is written in it)."""
    if not email:
        return None
    return db.session.execute(select(User.language).where(User.email == normalise_email(email))).scalar()


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; earlier reset links stop working."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EventMgrError(
            ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH),
            field="password",
        )
    user.password_hash = _hasher().hash(password)
    user.password_changed_at = utcnow()
    # Failures with the old password, the owner's or anyone's, no longer hold the account back.
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of the account, wherever they are (a logout does this)."""
    user.session_version += 1


def create_user(email: str, name: str, password: str | None = None, is_admin: bool = False) -> User:
    """Create an account; without a password the user sets one through an invitation link."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise EventMgrError(_("An account with this e-mail address exists already."), field="email")
    user = User(email=email, name=name.strip(), is_admin=is_admin)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, client: str | None = None, device_cookie: str | None = None) -> User | None:
    """Return the user if the password is right; count failures, and throttle where they come from.

    `client` is the network address the attempt comes from, `device_cookie` the browser's known-device cookie.

    Failures are counted in a sliding window per address and per address and client (the client's network
    address, or the browser itself when its known-device cookie names the account). A client that failed too
    often for an address is throttled for that address; an address that failed too often from all clients
    together is throttled for every browser not known to the account, so that nobody can lock the owner out of
    their usual device. The owner is told once per window. An address without an account is counted and
    throttled the same way, and a wrong address takes as long as a wrong password, so that neither the answer,
    its timing nor the throttle tells whether an address has an account.
    """
    config, now = current_app.config, utcnow()
    email = normalise_email(email)
    user = find_user(email)
    device = _known_device(device_cookie, user)
    client = f"device:{device}" if device else (client or "unknown")[:64]
    from_client, from_anyone, warned = _failures(email, client, now)
    if from_client >= config["LOGIN_MAX_FAILURES"] or (
        from_anyone >= config["LOGIN_MAX_ADDRESS_FAILURES"] and device is None
    ):
        raise LoginThrottled(_("Too many failed attempts. Try again later or reset your password."))
    has_password = user is not None and user.password_hash is not None
    if not has_password:
        _verify(_hasher_for(config["PASSWORD_HASH_PROFILE"])[1], password)  # nobody's hash
    if not has_password or not _verify(user.password_hash, password) or not user.is_active:
        failure = LoginFailure(email=email, client=client, failed_at=now)
        db.session.add(failure)
        if not warned and (
            from_client + 1 >= config["LOGIN_MAX_FAILURES"] or from_anyone + 1 >= config["LOGIN_MAX_ADDRESS_FAILURES"]
        ):
            # Made when sent, and dropped there if the address has no account: the same work for every address.
            failure.owner_warned = True
            queue_made_when_sent(to=email, made=made_when_sent("auth.failed_logins", email=email))
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.last_login_at = now
    # This client's mistakes are forgotten; the others' failures (and whether the owner was told) still count.
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == email, LoginFailure.client == client, LoginFailure.owner_warned.is_(False)
        )
    )
    return user


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _failures(email: str, client: str, now) -> tuple[int, int, bool]:
    """Failures with the address within the window: from this client, from anyone, and whether the owner was
    told of them."""
    from_client, from_anyone, warned = db.session.execute(
        select(
            func.count(case((LoginFailure.client == client, 1))),
            func.count(),
            func.count(case((LoginFailure.owner_warned, 1))),
        ).where(LoginFailure.email == email, LoginFailure.failed_at > now - _window())
    ).one()
    return from_client, from_anyone, bool(warned)


def forget_old_login_failures(now=None) -> int:
    """Delete the failed logins that have left the window: they count no more."""
    cutoff = (now or utcnow()) - _window()
    return db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= cutoff)).rowcount


@message_maker("auth.failed_logins")
def _failed_logins_message(email: str) -> dict | None:
    user = find_user(email)
    if user is None or not user.is_active or not user.has_password:
        return None
    failures = _failures(email, "", utcnow())[1]
    link = external_url("auth.reset_password", token=make_password_token(user))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1
    with in_language(user.language):
        return {
            "to": user.email,
            "subject": _("Someone is failing to log in to your eventmgr account"),
            "body": render_template(
                "email/failed_logins.txt",
                user=user,
                failures=failures,
                link=link,
                hours=hours,
                minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"],
            ),
            "headers": mail_headers(automatic=True),  # sent of the system's own accord (RFC 3834)
        }


# --- Known devices: browsers that logged in to an account before -----------------------------------------

KNOWN_DEVICE_COOKIE = "known_device"
#: Accounts one browser is remembered for (a shared office computer), the most recent first.
KNOWN_DEVICE_ACCOUNTS = 10


def _read_device_cookie(cookie: str | None) -> tuple[str | None, list[int]]:
    """The browser's device id and the accounts it logged in to, if its cookie is ours and not too old."""
    if not cookie:
        return None, []
    try:
        data = _serializer("known-device").loads(cookie, max_age=current_app.config["KNOWN_DEVICE_DAYS"] * 86400)
    except BadSignature:  # SignatureExpired included
        return None, []
    if not isinstance(data, dict) or not isinstance(data.get("device"), str):
        return None, []
    return data["device"], [uid for uid in data.get("accounts", []) if isinstance(uid, int)]


def _known_device(cookie: str | None, user: User | None) -> str | None:
    """The device id of a browser known to this account, else None."""
    device, accounts = _read_device_cookie(cookie)
    return device if user is not None and user.id in accounts else None


def known_device_cookie(user: User, cookie: str | None) -> str:
    """The browser's known-device cookie once the user logged in with it: signed, so that no browser can claim
    an account it never logged in to."""
    device, accounts = _read_device_cookie(cookie)
    accounts = [user.id, *(uid for uid in accounts if uid != user.id)][:KNOWN_DEVICE_ACCOUNTS]
    return _serializer("known-device").dumps({"device": device or secrets.token_urlsafe(16), "accounts": accounts})


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
    # In the account's language, else in the language the reset was asked for in.
    made = made_when_sent("auth.password_reset", email=email, language=current_language())
    queue_made_when_sent(to=email, made=made)


@message_maker("auth.password_reset")
def _password_reset_message(email: str, language: str | None = None) -> dict | None:
    user = find_user(email)
    if user is None or not user.is_active:
        return None
    link = external_url("auth.reset_password", token=make_password_token(user))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1
    with in_language(user.language or language):
        return {
            "to": user.email,
            "subject": _("Reset your eventmgr password"),
            "body": render_template("email/password_reset.txt", user=user, link=link, hours=hours),
        }


def send_invitation(user: User, invited_by: User) -> None:
    """Queue an invitation to set a password for a new account."""
    link = external_url("auth.reset_password", token=make_password_token(user, "invitation"))
    days = current_app.config["INVITATION_MAX_AGE"] // 86400 or 1
    with in_language(user.language):
        queue_mail(
            to=user.email,
            subject=_("You have been invited to eventmgr"),
            body=render_template("email/invitation.txt", user=user, link=link, invited_by=invited_by, days=days),
        )
