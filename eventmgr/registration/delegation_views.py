"""Delegations: the public form, the manager's private page, and the organisers' desk of delegations."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.events.permissions import get_event_or_404
from eventmgr.extensions import db, limiter
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.registration import delegations, desk
from eventmgr.registration.forms import (
    DecisionForm,
    DelegationForm,
    InviteForm,
    MemberForm,
    ReplaceMemberForm,
    mode_choices,
)
from eventmgr.registration.models import Delegation, Registration

bp = Blueprint("registration_delegations", __name__)
desk_bp = Blueprint("registration_delegation_desk", __name__, url_prefix="/manage/events/<int:event_id>/delegations")

#: A member's status as their delegation's manager and the desk read it.
MEMBER_STATUSES = {
    "pending": _l("Pending approval"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waiting list"),
    "declined": _l("Declined"),
    "cancelled": _l("Cancelled"),
}
MODES = {"in_person": _l("In person"), "online": _l("Online")}


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def show_member_error(form, error: EventMgrError, rows: list[int]) -> None:
    """Put a service error at its field. The service numbers only the members it was given ("members-2-email":
    the third), and empty rows are not given: that member is the form's row rows[2]."""
    parts = (error.field or "").split("-", 2)
    if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
        field = form.members[rows[int(parts[1])]].form[parts[2]]
        field.errors = list(field.errors) + [error.message]
    elif error.field == "members":
        flash(error.message, "error")  # about the members as a whole: at the top of the page
    else:
        show_error(form, error)


# --- Registering a delegation -------------------------------------------------------------------------------


@bp.route("/events/<slug>/delegations/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    """Show the delegation's form (one more member row per "add another member"); register the delegation."""
    event, moved = visible_event_or_redirect(slug, "registration_delegations.register")
    if moved:
        return moved
    if not delegations.may_register(event, utcnow()):
        return render_template("registration/delegations/closed.html", event=event), 200
    token = request.form.get("invitation") if request.method == "POST" else request.args.get("invitation")
    invitation = delegations.focal_point_invitation(event, token)
    if event.registration_policy == "invitation" and invitation is None:
        return render_template(
            "registration/invitation_only.html", event=event
        ), 403 if request.method == "POST" else 200
    form = DelegationForm(event=event, invited=invitation is not None)
    if invitation is not None:
        form.invitation.data = invitation.token
        if request.method == "GET":
            form.contact_email.data = invitation.email
            form.contact_name.data = invitation.name
    status = 200
    if request.method == "POST" and request.form.get("action") == "add_row":
        form.add_row()  # without JavaScript: the same form again, one empty row more, nothing checked yet
    elif form.validate_on_submit():
        rows = form.member_rows()
        try:
            delegations.register_delegation(
                event,
                {
                    "contact_name": form.contact_name.data,
                    "contact_email": form.contact_email.data,
                    "country": form.country.data,
                    "organisation_id": form.organisation_id.data,
                },
                [member for _n, member in rows],
                utcnow(),
                invitation=invitation,
            )
        except EventMgrError as error:
            db.session.rollback()
            show_member_error(form, error, [n for n, _member in rows])
            status = 422
        else:
            db.session.commit()
            return redirect(url_for("registration_delegations.done", slug=event.slug))
    elif form.errors:
        status = 422
    return render_template(
        "registration/delegations/register.html", event=event, form=form, hybrid=len(event.modes) > 1
    ), status


@bp.route("/events/<slug>/delegations/register/done")
def done(slug: str):
    """Tell the manager and the members to look for their e-mails."""
    event, moved = visible_event_or_redirect(slug, "registration_delegations.done")
    if moved:
        return moved
    return render_template("registration/delegations/done.html", event=event)


# --- The manager's private page ---------------------------------------------------------------------------------


def _delegation_or_404(slug: str, token: str) -> Delegation:
    delegation = delegations.delegation_for_link(slug, token)
    if delegation is None:
        abort(404)
    return delegation


def _member_or_404(delegation: Delegation, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.delegation_id != delegation.id:
        abort(404)
    return registration


def _private_page(delegation: Delegation, token: str, status: int = 200, **forms):
    """The manager's page: never cached, never sent on as a referrer."""
    event = delegation.event
    add_form = forms.get("add_form") or MemberForm(prefix="add")
    replace_form = forms.get("replace_form") or ReplaceMemberForm(prefix="replace")
    for form in (add_form, replace_form):
        form.attendance_mode.choices = mode_choices(event)
    replace_form.replaces.choices = [(m.id, m.full_name) for m in delegation.active_members]
    response = current_app.make_response(
        (
            render_template(
                "registration/delegations/manage.html",
                delegation=delegation,
                event=event,
                token=token,
                add_form=add_form,
                replace_form=replace_form,
                confirm_form=ConfirmForm(),
                may_change=delegations.may_change(event, delegation, utcnow()),
                hybrid=len(event.modes) > 1,
                member_statuses=MEMBER_STATUSES,
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/events/<slug>/delegations/<token>")
def manage(slug: str, token: str):
    """The delegation's own page: its members and their status; add, replace, remove, name the head, withdraw."""
    return _private_page(_delegation_or_404(slug, token), token)


@bp.route("/events/<slug>/delegations/<token>/members", methods=["POST"])
def add_member(slug: str, token: str):
    """Add a member to the delegation."""
    delegation = _delegation_or_404(slug, token)
    form = MemberForm(prefix="add")
    form.attendance_mode.choices = mode_choices(delegation.event)
    if form.validate_on_submit():
        try:
            delegations.add_member(delegation, form.member_data())
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The member is added; they receive their own e-mail."), "success")
            return redirect(url_for("registration_delegations.manage", slug=slug, token=token))
    return _private_page(delegation, token, status=422, add_form=form)


@bp.route("/events/<slug>/delegations/<token>/replace", methods=["POST"])
def replace_member(slug: str, token: str):
    """Replace a member by a substitute, who takes their seat."""
    delegation = _delegation_or_404(slug, token)
    form = ReplaceMemberForm(prefix="replace")
    form.attendance_mode.choices = mode_choices(delegation.event)
    if form.validate_on_submit():
        member = _member_or_404(delegation, form.replaces.data or 0)
        try:
            delegations.replace_member(delegation, member, form.member_data())
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The member is replaced; both receive an e-mail."), "success")
            return redirect(url_for("registration_delegations.manage", slug=slug, token=token))
    return _private_page(delegation, token, status=422, replace_form=form)


@bp.route("/events/<slug>/delegations/<token>/members/<int:registration_id>/<action>", methods=["POST"])
def member_action(slug: str, token: str, registration_id: int, action: str):
    """Remove a member, or make them the head of the delegation."""
    delegation = _delegation_or_404(slug, token)
    member = _member_or_404(delegation, registration_id)
    changes = {
        "remove": (delegations.remove_member, _("The member's registration is cancelled.")),
        "head": (delegations.set_head, _("The head of the delegation is changed.")),
    }
    if action not in changes or not ConfirmForm().validate_on_submit():
        abort(400)
    change, done_message = changes[action]
    _apply(lambda: change(delegation, member), done_message)
    return redirect(url_for("registration_delegations.manage", slug=slug, token=token))


@bp.route("/events/<slug>/delegations/<token>/withdraw", methods=["POST"])
def withdraw(slug: str, token: str):
    """Withdraw the delegation: every member's registration is cancelled."""
    delegation = _delegation_or_404(slug, token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _apply(lambda: delegations.withdraw_delegation(delegation), _("The delegation is withdrawn."))
    return redirect(url_for("registration_delegations.manage", slug=slug, token=token))


def _apply(change, done_message: str) -> bool:
    """Run a change and commit it, or roll it back and flash why it was refused."""
    try:
        change()
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(done_message, "success")
    return True


# --- The organisers' desk ------------------------------------------------------------------------------------


@desk_bp.before_request
@login_required
def require_login():
    """The desk is for the event's organisers."""


def _desk_delegation_or_404(event, delegation_id: int) -> Delegation:
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.event_id != event.id:
        abort(404)
    return delegation


@desk_bp.route("", methods=["GET", "POST"])
def delegations_list(event_id: int):
    """The event's delegations with their members by mode and status; invite focal points."""
    event = get_event_or_404(event_id)
    invite_form = InviteForm()
    status = 200
    if invite_form.validate_on_submit():
        try:
            entries = desk.invitation_entries(invite_form.emails.data or "")
            added = delegations.invite_focal_points(event, entries, current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(invite_form, error)
            status = 422
        else:
            db.session.commit()
            flash(ngettext("%(num)d focal point invited.", "%(num)d focal points invited.", added), "success")
            return redirect(url_for("registration_delegation_desk.delegations_list", event_id=event.id))
    elif invite_form.errors:
        status = 422
    return render_template(
        "registration/delegation_desk/delegations_list.html",
        event=event,
        delegations=delegations.delegations_of(event),
        invite_form=invite_form,
        decision_form=DecisionForm(),
        member_statuses=MEMBER_STATUSES,
        modes=MODES,
    ), status


@desk_bp.route("/<int:delegation_id>/<action>", methods=["POST"])
def decide(event_id: int, delegation_id: int, action: str):
    """Approve or decline a delegation as a whole: each of its undecided members."""
    event = get_event_or_404(event_id)
    delegation = _desk_delegation_or_404(event, delegation_id)
    form = DecisionForm()
    if action not in ("approve", "decline") or not form.validate_on_submit():
        abort(400)
    decide_all = delegations.approve_delegation if action == "approve" else delegations.decline_delegation
    try:
        count = decide_all(delegation, current_user, form.message.data or "")
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if action == "approve":
            flash(
                ngettext(
                    "%(num)d member of %(name)s approved.",
                    "%(num)d members of %(name)s approved.",
                    count,
                    name=delegation.name,
                ),
                "success",
            )
        else:
            flash(
                ngettext(
                    "%(num)d member of %(name)s declined.",
                    "%(num)d members of %(name)s declined.",
                    count,
                    name=delegation.name,
                ),
                "success",
            )
    return redirect(url_for("registration_delegation_desk.delegations_list", event_id=event.id))
