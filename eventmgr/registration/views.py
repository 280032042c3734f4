"""The delegate's side: register, get the private link again, manage the registration through it."""

from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventmgr.auth.services import normalise_email
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.extensions import csrf, db, limiter
from eventmgr.forms import show_error
from eventmgr.organisations.services import directory
from eventmgr.registration import notifications, services, unsubscribing
from eventmgr.registration import participants as participants_service
from eventmgr.registration.forms import DelegateForm, RegistrationForm, ResendLinkForm, with_questions
from eventmgr.registration.models import Registration
from eventmgr.registration.seats import waiting_list_position

bp = Blueprint("registration", __name__)


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _form(form_class, event, **kwargs):
    return with_questions(form_class, services.event_questions(event.id))(event=event, **kwargs)


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    """Show the registration form; register the delegate (on an invitation-only event, through the invitation)."""
    event, moved = visible_event_or_redirect(slug, "registration.register")
    if moved:
        return moved
    now = utcnow()
    if not event.registration_is_open(now):
        return render_template("registration/closed.html", event=event), 200
    # A GET draws the directory: read here, once, as the key its blank form is kept under (below).
    organisations = directory(current_user) if request.method == "GET" else None
    form = _form(RegistrationForm, event, organisations=organisations)
    invitation = services.invitation_by_token(
        event, form.invitation.data if request.method == "POST" else request.args.get("invitation")
    )
    if event.registration_policy == "invitation" and invitation is None:
        # Checked before any address is read: the answer is the same for every address, invited or not.
        return render_template(
            "registration/invitation_only.html", event=event
        ), 403 if request.method == "POST" else 200
    if invitation is not None:
        form.invitation.data = invitation.token
        form.email.data = invitation.email  # the invitation fixes the address; the form does not ask for it
    elif request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    status = 200
    if request.method == "POST" and request.form.get("action") == "quote":
        # "Apply the code" reads the code alone: the rest of the form is kept as typed, unjudged until Register.
        if not _code_applies(form, event, now):
            status = 422
    elif form.validate_on_submit():
        if form.website.data:
            # Only bots fill the hidden field: answer as if all went well, register nobody.
            _remember_likely_outcome(event, form)
            return redirect(url_for("registration.done", slug=event.slug))
        try:
            registration = services.register(
                event,
                form.delegate_data() | {"email": form.email.data, "offer_code": form.offer_code.data},
                now,
                questions=form.questions,
                invitation=invitation,
            )
            outcome = _outcome(event, registration.email, registration.status, registration.attendance_mode)
            outcome["position"] = waiting_list_position(registration)
            db.session.commit()
            session[OUTCOME_KEY] = outcome
            return redirect(url_for("registration.done", slug=slug))
        except services.AlreadyRegistered:
            # The address's link was queued; answer exactly as for a new registration.
            db.session.commit()
            _remember_likely_outcome(event, form)
            return redirect(url_for("registration.done", slug=slug))
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
    elif form.errors:
        status = 422
    return render_template(
        "registration/register.html",
        event=event,
        form=form,
        quote=_amount_due(form, event, now),
        invitation=invitation,
        has_questions=bool(form.questions),
        blank_form_key=_blank_form_key(event, form, organisations) if invitation is None else None,
    ), status


def _blank_form_key(event, form, organisations) -> tuple | None:
    """What the fields of a blank registration form show, the key they are kept rendered under (eventmgr.fragments):
    the form most visitors get is the same for all of them but its token. None when the form holds anything."""
    if organisations is None or any(field.data for field in (form.email, form.offer_code)):
        return None
    questions = tuple(
        (q.id, q.label, q.help_text, q.kind, repr(q.options), q.required, q.position) for q in form.questions
    )
    return (
        event.id,
        event.created_at,
        event.version,
        event.updated_at,
        questions,
        tuple((organisation.id, organisation.display_name) for organisation in organisations),
    )


def _code_applies(form, event, now) -> bool:
    """Check the offer code field alone (its length, then the code itself); put what is wrong at that field."""
    if not form.offer_code.validate(form):
        return False
    if not (form.offer_code.data or "").strip():
        form.offer_code.errors.append(_("Type the code you were given, then apply it."))
        return False
    try:
        services.quote(event, form.offer_code.data, form.email.data or "", now)
    except EventMgrError as error:
        show_error(form, error)
        return False
    return True


def _amount_due(form, event, now):
    """What the delegate would pay: the fee, less the discount of the code typed when that code is usable."""
    if event.is_free:
        return None
    code = form.offer_code.data if not form.offer_code.errors else None
    try:
        return services.quote(event, code, form.email.data or "", now)[0]
    except EventMgrError:
        return event.fee


#: Where the outcome of the browser's last registration waits for the page after registering (in the signed session
#: cookie: the page needs no query, and no other browser sees it).
OUTCOME_KEY = "registered"


def _outcome(event, email: str, status: str, mode: str | None) -> dict:
    return {"event": event.id, "email": email, "status": status, "mode": mode, "position": None}


def _remember_likely_outcome(event, form) -> None:
    """Remember what a new registration would have got: the answer for an address registered already."""
    status, position = services.likely_outcome(event, form.attendance_mode.data)
    # The address as a registration stores it, so that the page reads the same either way.
    email = normalise_email(form.email.data or "")
    session[OUTCOME_KEY] = _outcome(event, email, status, form.attendance_mode.data) | {"position": position}


@bp.route("/events/<slug>/register/done")
def done(slug: str):
    """Tell the delegate what became of the registration and where its mail went, and offer the calendar."""
    event, moved = visible_event_or_redirect(slug, "registration.done")
    if moved:
        return moved
    outcome = session.get(OUTCOME_KEY)
    if not isinstance(outcome, dict) or outcome.get("event") != event.id:
        outcome = None
    return render_template("registration/done.html", event=event, outcome=outcome)


@bp.route("/events/<slug>/register/link", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def resend_link(slug: str):
    """Send the private link again to an address registered for the event."""
    event, moved = visible_event_or_redirect(slug, "registration.resend_link")
    if moved:
        return moved
    form = ResendLinkForm()
    if form.validate_on_submit():
        notifications.queue_link_request(event, form.email.data.strip().lower())
        db.session.commit()
        flash(_("If this address is registered for the event, its link is on its way."), "info")
        return redirect(url_for("events.detail", slug=event.slug))
    return render_template("registration/resend_link.html", event=event, form=form), 422 if form.errors else 200


def _registration_or_404(slug: str, token: str) -> Registration:
    registration = services.registration_for_link(slug, token)
    if registration is None:
        abort(404)
    return registration


def _private_page(template: str, registration: Registration, token: str, status: int = 200, **context):
    """A page of the delegate's private link: never cached, never sent on as a referrer."""
    event = registration.event
    response = current_app.make_response(
        (
            render_template(
                template,
                registration=registration,
                event=event,
                token=token,
                register_again_url=_register_again_url(registration),
                waiting_position=waiting_list_position(registration),
                **context,
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _register_again_url(registration: Registration) -> str | None:
    """The registration form for a cancelled or declined delegate: their address filled in, or their invitation."""
    if registration.is_active:
        return None
    return url_for("registration.register", slug=registration.event.slug, **services.register_again_args(registration))


@bp.route("/events/<slug>/registration/<token>")
def manage(slug: str, token: str):
    """The delegate's own page: status, details, calendar, cancel; or, once inactive, how to register again."""
    registration = _registration_or_404(slug, token)
    return _private_page(
        "registration/manage.html", registration, token, questions=services.event_questions(registration.event_id)
    )


@bp.route("/events/<slug>/registration/<token>/edit", methods=["GET", "POST"])
def edit(slug: str, token: str):
    """Let the delegate change their details while the registration is active."""
    registration = _registration_or_404(slug, token)
    event = registration.event
    if not registration.is_active:
        # Refused before the form is read: a cancelled or declined registration has nothing to edit.
        return _private_page("registration/inactive.html", registration, token, status=409)
    form = _form(DelegateForm, event, obj=registration)
    if request.method == "GET":
        for key, value in (registration.answers or {}).items():
            if f"q_{key}" in form:
                form[f"q_{key}"].data = ("yes" if value else "no") if isinstance(value, bool) else value
    form.email.data = registration.email  # the address is the registration's key; it is not changed here
    if form.validate_on_submit():
        try:
            services.update_details(registration, form.delegate_data())
        except services.RegistrationInactive:
            db.session.rollback()
            return _private_page("registration/inactive.html", registration, token, status=409)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("registration.manage", slug=event.slug, token=token))
    return _private_page("registration/edit.html", registration, token, status=422 if form.errors else 200, form=form)


@bp.route("/events/<slug>/registration/<token>/cancel", methods=["POST"])
def cancel(slug: str, token: str):
    """Cancel the registration; the seat goes to the waiting list."""
    registration = _registration_or_404(slug, token)
    try:
        services.cancel(registration)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("registration.manage", slug=slug, token=token))


@bp.route("/events/<slug>/registration/<token>/announcements", methods=["POST"])
def announcements(slug: str, token: str):
    """Stop the event's announcements and reminders, or receive them again (form field `receive`: yes or no)."""
    registration = _registration_or_404(slug, token)
    receive = request.form.get("receive") == "yes"
    unsubscribing.receive_announcements(registration, receive)
    db.session.commit()
    if receive:
        flash(_("You will receive announcements and reminders again."), "success")
    else:
        flash(_("Announcements and reminders are stopped."), "success")
    return redirect(url_for("registration.manage", slug=slug, token=token))


@bp.route("/events/<slug>/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(slug: str, token: str):
    """Stop the event's announcements and reminders from a mailed link: GET asks first, POST stops them.

    The POST carries no CSRF token: mail programs send it by themselves (one-click, RFC 8058), and the signed
    token in the address is what proves the right to it; it can do nothing but stop these messages.
    """
    registration = unsubscribing.registration_for_unsubscribe(services.event_for_link(slug), token)
    if registration is None:
        abort(404)
    if request.method == "POST":
        unsubscribing.receive_announcements(registration, False)
        db.session.commit()
    response = current_app.make_response(
        render_template(
            "registration/unsubscribe.html", registration=registration, event=registration.event, token=token
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/events/<slug>/registration/<token>/qr.svg")
def qr_code(slug: str, token: str):
    """The QR code the check-in desk scans: the same check-in code as on the badge and in the mail."""
    registration = _registration_or_404(slug, token)
    buffer = BytesIO()
    notifications.check_in_qr(registration).save(buffer, kind="svg", scale=6, border=2)
    response = current_app.response_class(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/events/<slug>/participants")
def participants(slug: str):
    """The participants who agreed to be listed, by delegation, when the organisers publish the list."""
    event, moved = visible_event_or_redirect(slug, "registration.resend_link")
    if moved:
        return moved
    if not event.publish_participant_list:
        abort(404)
    delegations, individuals = participants_service.listed_participants(event)
    return render_template(
        "registration/participants.html", event=event, delegations=delegations, participants=individuals
    )
