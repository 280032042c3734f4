"""Log in and out; forgotten passwords; accepting an invitation."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from eventmgr.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from eventmgr.auth.models import User
from eventmgr.auth.services import (
    KNOWN_DEVICE_COOKIE,
    LoginThrottled,
    authenticate,
    end_sessions,
    known_device_cookie,
    send_password_reset,
    set_password,
    user_from_password_token,
)
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db, limiter, login_manager
from eventmgr.languages import LANGUAGE_COOKIE, LANGUAGE_COOKIE_SECONDS, supported

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account a session belongs to, unless its password changed or it logged out since the session began."""
    user_id, _, _changed = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.get_id() == session_id else None


def _safe_next(target: str | None, default: str = "events_manage.dashboard") -> str:
    """Follow ?next= only to a path on this site (browsers read "/\\host" as "//host")."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and target[1:2] not in ("/", "\\"):
            return target
    return url_for(default)


def _path_of(url: str | None) -> str | None:
    """The path and query of a URL, as a path on this site."""
    parts = urlsplit(url or "")
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(
                form.email.data,
                form.password.data,
                client=request.remote_addr,
                device_cookie=request.cookies.get(KNOWN_DEVICE_COOKIE),
            )
        except LoginThrottled as error:
            user, status = None, 429
            form.password.errors.append(error.message)
        else:
            if user is None:
                status = 422
                form.password.errors.append(_("Wrong e-mail or password."))
        db.session.commit()  # keep the failure count, or the successful login time
        if user is not None:
            login_user(user, remember=form.remember.data)
            return _known_from_now_on(redirect(_safe_next(request.args.get("next"))), user)
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form), status


def _known_from_now_on(response, user: User):
    """Mark this browser as one the user logs in with: others' failed logins never throttle it for the account."""
    config = current_app.config
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        known_device_cookie(user, request.cookies.get(KNOWN_DEVICE_COOKIE)),
        max_age=config["KNOWN_DEVICE_DAYS"] * 86400,
        path=url_for("auth.login"),
        httponly=True,
        secure=config.get("REMEMBER_COOKIE_SECURE", False),
        samesite="Lax",
    )
    return response


@bp.route("/language/<code>", methods=["GET", "POST"])
def choose_language(code: str):
    """Switch the interface's language and go back to the page: remembered in a cookie, and, when a signed-in
    account asks by POST (the switcher's form), in the account, so that its mail is written in it too."""
    code = supported(code)
    if code is None:
        abort(404)
    if request.method == "POST" and current_user.is_authenticated:
        current_user.language = code
        db.session.commit()
    # Back to the page it was chosen on, which the browser names (Referrer-Policy: same-origin): the switcher's
    # links hold no address, so a page never echoes its query (an invitation's token) and caches as one.
    back = request.values.get("next") or _path_of(request.referrer)
    response = redirect(_safe_next(back, default="events.index"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_SECONDS,
        secure=current_app.config["PREFERRED_URL_SCHEME"] == "https",
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere (a POST, so that no link or image can log anyone out): a copied session or
    remember-me cookie must not outlive the logout."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("events.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Send a password reset link, without telling whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        send_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, a link to set a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from an e-mailed link (reset or invitation); each link works once."""
    found = user_from_password_token(token)
    if found is None:
        return render_template("auth/invalid_link.html"), 404
    user, purpose = found
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data)
        except EventMgrError as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your password is set. Welcome."), "success")
            return _known_from_now_on(redirect(url_for("events_manage.dashboard")), user)
    return render_template(
        "auth/reset_password.html", form=form, user=user, purpose=purpose
    ), 422 if form.errors else 200
