"""The delegate's side: register, get the private link again, manage the registration through it."""

from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.extensions import db, limiter
from eventmgr.forms import show_error
from eventmgr.registration import notifications, services
from eventmgr.registration import participants as participants_service
from eventmgr.registration.forms import DelegateForm, RegistrationForm, ResendLinkForm, with_questions
from eventmgr.registration.models import Registration

bp = Blueprint("registration", __name__)


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _form(form_class, event, **kwargs):
    return with_questions(form_class, services.event_questions(event.id))(event=event, **kwargs)


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    """Show the registration form; register the delegate (on an invitation-only event, through the invitation)."""
    # Not eager: registering needs none of the event's hosts and roles (a page that shows them loads them).
    event, moved = visible_event_or_redirect(slug, "registration.register", eager=False)
    if moved:
        return moved
    now = utcnow()
    if not event.registration_is_open(now):
        return render_template("registration/closed.html", event=event), 200
    form = _form(RegistrationForm, event)
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
    quote = None
    status = 200
    if form.validate_on_submit():
        if form.website.data:
            # Only bots fill the hidden field: answer as if all went well, register nobody.
            return redirect(url_for("registration.done", slug=event.slug))
        try:
            if request.form.get("action") == "quote":
                quote = services.quote(event, form.offer_code.data, form.email.data, now)[0]
            else:
                services.register(
                    event,
                    form.delegate_data() | {"email": form.email.data, "offer_code": form.offer_code.data},
                    now,
                    questions=form.questions,
                    invitation=invitation,
                )
                db.session.commit()
                return redirect(url_for("registration.done", slug=slug))
        except services.AlreadyRegistered:
            # The address's link was queued; answer exactly as for a new registration.
            db.session.commit()
            return redirect(url_for("registration.done", slug=slug))
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
    elif form.errors:
        status = 422
    if quote is None and not event.is_free:
        quote = event.fee
    return render_template(
        "registration/register.html",
        event=event,
        form=form,
        quote=quote,
        invitation=invitation,
        has_questions=bool(form.questions),
    ), status


@bp.route("/events/<slug>/register/done")
def done(slug: str):
    """Tell the delegate to look for the e-mail, without saying what it holds."""
    event, moved = visible_event_or_redirect(slug, "registration.done", eager=False)
    if moved:
        return moved
    return render_template("registration/done.html", event=event)


@bp.route("/events/<slug>/register/link", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def resend_link(slug: str):
    """Send the private link again to an address registered for the event."""
    event, moved = visible_event_or_redirect(slug, "registration.resend_link", eager=False)
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
                **context,
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _register_again_url(registration: Registration) -> str | None:
    """The registration form with the delegate's address filled in, for a cancelled or declined delegate.

    On an invitation-only event it is the invitation's own link: whoever holds the private link of a
    registration holds the address's mail, where the invitation went.
    """
    if registration.is_active:
        return None
    event = registration.event
    invitation = services.invitation_for(event, registration.email)
    if invitation is not None:
        return url_for("registration.register", slug=event.slug, invitation=invitation.token)
    return url_for("registration.register", slug=event.slug, email=registration.email)


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
    event, moved = visible_event_or_redirect(slug, "registration.resend_link", eager=False)
    if moved:
        return moved
    if not event.publish_participant_list:
        abort(404)
    delegations, individuals = participants_service.listed_participants(event)
    return render_template(
        "registration/participants.html", event=event, delegations=delegations, participants=individuals
    )
