"""The organisers' area: dashboard, event editing and its life cycle, roles, audit log, series."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from eventmgr.audit.services import event_log
from eventmgr.auth.permissions import can_create_events
from eventmgr.errors import ConflictError, EventMgrError
from eventmgr.events import services
from eventmgr.events.forms import (
    FORM_FIELD_OF,
    CancelForm,
    EventForm,
    EventOrganisationForm,
    GrantRoleForm,
    SeriesForm,
    add_language_fields,
)
from eventmgr.events.models import EventRole, EventRoleInvitation, Series, SeriesRequest
from eventmgr.events.permissions import (
    can_manage_event,
    can_manage_series,
    can_see_event_backoffice,
    get_event_or_404,
    series_findable,
)
from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.languages import translation_key
from eventmgr.ordering import STEPS, move
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.permissions import organisations_findable

bp = Blueprint("events_manage", __name__, url_prefix="/manage")

#: The form's names of the model attributes services report errors for (times are entered locally).
FORM_FIELDS = FORM_FIELD_OF


@bp.record_once
def _ask_in_every_language(state) -> None:
    """The event form takes the title and description in each of the app's languages."""
    add_language_fields(state.app.config["LANGUAGES"])


@bp.before_request
@login_required
def require_login():
    """Every page of the management area needs an account."""


def _series_choices(event=None):
    """The series an event may be put in: the user's own, and the one it is in."""
    query = select(Series).where(series_findable(current_user))
    if event is not None and event.series_id:
        query = select(Series).where(series_findable(current_user) | (Series.id == event.series_id))
    return db.session.execute(query.order_by(Series.title)).scalars().all()


def _ask_to_join_series(form, event) -> None:
    """Turn the form's "ask to join another organiser's series" into a request to the series' owner."""
    if not (form.join_series.data or "").strip():
        return
    series = services.series_by_address(form.join_series.data)
    if series is None:
        raise EventMgrError(_("No series has this address."), field="join_series")
    if can_manage_series(current_user, series):
        raise EventMgrError(_("This is one of your series: choose it in the list above."), field="join_series")
    services.request_series(event, series, form.join_edition.data, current_user)


@bp.route("/")
def dashboard():
    """List the events the user runs, with status and dates, and the roles offered to them."""
    events = services.dashboard_events(current_user)
    invitations = (
        db.session.execute(select(EventRoleInvitation).where(EventRoleInvitation.email == current_user.email.lower()))
        .scalars()
        .all()
    )
    return render_template(
        "events/manage/dashboard.html",
        events=events,
        can_create=can_create_events(current_user),
        invitations=invitations,
    )


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    """Create a draft event."""
    if not can_create_events(current_user):
        abort(403)
    form = EventForm(series_choices=_series_choices(), organisation_choices=_organisation_choices())
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "conference")
        form.format.data = request.args.get("format", "online" if form.kind.data == "webinar" else "in_person")
        form.timezone.data = services.last_timezone(current_user)
        if form.timezone.data is None:
            form.timezone.data = current_app.config["BABEL_DEFAULT_TIMEZONE"]
            form.browser_zone_fallback()
        form.currency.data = "EUR"
        form.visibility.data = "public"
        form.registration_policy.data = "open"
    if form.validate_on_submit():
        try:
            event = services.create_event(form.event_data(), current_user)
            _ask_to_join_series(form, event)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error, FORM_FIELDS)
        else:
            db.session.commit()
            flash(_("Draft created. Publish it when it is ready."), "success")
            return redirect(url_for("events_manage.event", event_id=event.id))
    return render_template("events/manage/event_form.html", form=form, event=None), 422 if form.errors else 200


def _organisation_choices(event=None) -> list[Organisation]:
    """The organisations an organiser may allow to send a delegation: those they can find, and those allowed."""
    allowed = event.delegation_organisation_ids if event is not None else []
    return (
        db.session.execute(
            select(Organisation)
            .where(organisations_findable(current_user) | Organisation.id.in_(allowed or [-1]))
            .order_by(Organisation.name)
        )
        .scalars()
        .all()
    )


@bp.route("/events/<int:event_id>")
def event(event_id: int):
    """The event's overview for its staff: status, actions, organisations, roles."""
    event = get_event_or_404(event_id, check=can_see_event_backoffice)
    return render_template(
        "events/manage/event.html",
        event=event,
        can_manage=can_manage_event(current_user, event),
        series_request=services.pending_series_request(event),
        confirm_form=ConfirmForm(),
        cancel_form=CancelForm(),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    """Change an event; a save from a form older than the last save is refused."""
    event = get_event_or_404(event_id)
    form = EventForm(
        series_choices=_series_choices(event), organisation_choices=_organisation_choices(event), event=event
    )
    if request.method == "GET":
        form.fill_from(event)
    conflict = None
    if form.validate_on_submit():
        try:
            expected = int(form.version.data) if form.version.data else None
            changes = services.update_event(event, form.event_data(), current_user, expected)
            _ask_to_join_series(form, event)
            changes = changes or bool(form.join_series.data)
            db.session.commit()
        except ConflictError as error:
            db.session.rollback()
            conflict = _conflict_details(event, form, error)
        except StaleDataError:
            # Both saves passed the version check at once; the database let only one through.
            db.session.rollback()
            event = get_event_or_404(event_id)
            conflict = _conflict_details(
                event,
                form,
                ConflictError(
                    _(
                        "Someone else saved this event at the same moment. Nothing of yours was saved: "
                        "review their changes below, then save again."
                    )
                ),
            )
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error, FORM_FIELDS)
        else:
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("events_manage.event", event_id=event.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template("events/manage/event_form.html", form=form, event=event, conflict=conflict), status


def _conflict_details(event, form, error: ConflictError) -> dict:
    """What the other save changed, to show beside the user's own unsaved values."""
    theirs = {key: getattr(event, key) for key in services.EDITABLE_FIELDS}
    mine = form.event_data()
    differing = [
        key
        for key in services.EDITABLE_FIELDS
        if key in mine and key != "join_url" and (mine[key] or None) != (theirs[key] or None)
    ]
    # The texts in other languages too, named as the log names them: "title (ru)"; their fields are "title_ru".
    fields = {key: FORM_FIELDS.get(key, key) for key in differing}
    for language, texts in mine["translations"].items():
        if language == (mine["original_language"] or event.original_language):
            continue
        for field, text in texts.items():
            key = translation_key(field, language)
            theirs[key] = event.translation(language, field) if language != event.original_language else ""
            if (text or "").strip() != theirs[key]:
                differing.append(key)
                fields[key] = f"{field}_{language}"
    # Keep what the user typed, and let the next save go through knowingly.
    form.version.data = event.version
    # Each field named as the form labels it, in the reader's language.
    labels = {key: form[fields[key]].label.text for key in differing}
    return {"message": error.message, "fields": differing, "labels": labels, "current": theirs}


@bp.route("/events/<int:event_id>/publish", methods=["POST"])
def publish_event(event_id: int):
    """Publish a draft."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _lifecycle(event, lambda: services.publish_event(event, current_user), _("Published."))


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
def cancel_event(event_id: int):
    """Cancel a published event."""
    event = get_event_or_404(event_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    return _lifecycle(
        event, lambda: services.cancel_event(event, current_user, form.reason.data or ""), _("The event is cancelled.")
    )


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
def delete_event(event_id: int):
    """Delete a draft."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(event, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("events_manage.event", event_id=event_id))
    db.session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("events_manage.dashboard"))


@bp.route("/events/<int:event_id>/copy", methods=["POST"])
def copy_event(event_id: int):
    """Start the next edition of the event's series as a draft."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        copy = services.copy_as_next_edition(event, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("events_manage.event", event_id=event_id))
    db.session.commit()
    flash(_("This is a draft of the next edition. Check the dates before publishing."), "success")
    if copy.series_id is None:
        flash(_("The series' owner has been asked to take it in as an edition."), "info")
    return redirect(url_for("events_manage.edit_event", event_id=copy.id))


def _lifecycle(event, action, message: str):
    try:
        action()
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("events_manage.event", event_id=event.id))


@bp.route("/events/<int:event_id>/organisations", methods=["GET", "POST"])
def event_organisations(event_id: int):
    """Name the event's hosts, co-organisers and partners."""
    event = get_event_or_404(event_id)
    linked = [link.organisation_id for link in event.organisation_links]
    organisations = (
        db.session.execute(
            select(Organisation)
            .where(organisations_findable(current_user) | Organisation.id.in_(linked))
            .order_by(Organisation.name)
        )
        .scalars()
        .all()
    )
    form = EventOrganisationForm(organisations=organisations)
    if form.validate_on_submit():
        links = [(link.organisation_id, link.role) for link in event.organisation_links]
        links.append((form.organisation_id.data, form.role.data))
        return _save_organisations(event, links, form)
    return render_template(
        "events/manage/event_organisations.html", event=event, form=form, confirm_form=ConfirmForm()
    ), 422 if form.errors else 200


@bp.route("/events/<int:event_id>/organisations/<int:position>/<action>", methods=["POST"])
def move_event_organisation(event_id: int, position: int, action: str):
    """Move an organisation up or down the list, or remove it."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit() or action not in (*STEPS, "remove"):
        abort(400)
    links = [(link.organisation_id, link.role) for link in event.organisation_links]
    if not 0 <= position < len(links):
        abort(404)
    if action == "remove":
        links.pop(position)
    else:
        move(links, position, STEPS[action])
    return _save_organisations(event, links, None)


def _save_organisations(event, links, form):
    try:
        services.set_organisations(event, links, current_user)
    except EventMgrError as error:
        db.session.rollback()
        if form is None:
            flash(error.message, "error")
            return redirect(url_for("events_manage.event_organisations", event_id=event.id))
        show_error(form, error, FORM_FIELDS)
        return render_template(
            "events/manage/event_organisations.html", event=event, form=form, confirm_form=ConfirmForm()
        ), 422
    db.session.commit()
    return redirect(url_for("events_manage.event_organisations", event_id=event.id))


@bp.route("/events/<int:event_id>/roles", methods=["GET", "POST"])
def event_roles(event_id: int):
    """Offer the organiser and secretariat roles by invitation; revoke roles."""
    event = get_event_or_404(event_id)
    form = GrantRoleForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite_to_role(event, form.email.data, form.role.data, current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error, FORM_FIELDS)
        else:
            db.session.commit()
            flash(
                _(
                    "An invitation is on its way to %(email)s; the role starts when its account accepts it.",
                    email=invitation.email,
                ),
                "success",
            )
            return redirect(url_for("events_manage.event_roles", event_id=event.id))
    return render_template(
        "events/manage/event_roles.html",
        event=event,
        form=form,
        invitations=services.role_invitations(event),
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200


@bp.route(
    "/events/<int:event_id>/roles/invitations/<int:invitation_id>/<any(resend, withdraw):action>", methods=["POST"]
)
def role_invitation_action(event_id: int, invitation_id: int, action: str):
    """Send an invitation again, or take it back."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    invitation = db.session.get(EventRoleInvitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    if action == "resend":
        services.resend_role_invitation(invitation, current_user)
        message = _("The invitation to %(email)s was sent again.", email=invitation.email)
    else:
        services.withdraw_role_invitation(invitation, current_user)
        message = _("The invitation to %(email)s is withdrawn.", email=invitation.email)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("events_manage.event_roles", event_id=event.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def role_invitation(token: str):
    """Accept a role on an event offered to the account's address."""
    invitation = services.role_invitation_by_token(token)
    if invitation is None:
        return render_template("events/manage/role_invitation_invalid.html"), 404
    mine = invitation.email == current_user.email.lower()
    if request.method == "POST" and mine and ConfirmForm().validate_on_submit():
        event = invitation.event
        services.accept_role_invitation(invitation, current_user)
        db.session.commit()
        flash(_("You can now work on %(title)s.", title=event.title), "success")
        return redirect(url_for("events_manage.event", event_id=event.id))
    return render_template(
        "events/manage/role_invitation.html", invitation=invitation, mine=mine, confirm_form=ConfirmForm()
    ), 200 if mine else 403


@bp.route("/events/<int:event_id>/roles/<int:role_id>/revoke", methods=["POST"])
def revoke_role(event_id: int, role_id: int):
    """Take a role away from a user."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    role = db.session.get(EventRole, role_id)
    if role is None or role.event_id != event.id:
        abort(404)
    try:
        services.revoke_role(event, role, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("events_manage.event_roles", event_id=event.id))


@bp.route("/events/<int:event_id>/log")
def event_audit_log(event_id: int):
    """Who changed what on the event, newest first."""
    event = get_event_or_404(event_id)
    return render_template("events/manage/event_log.html", event=event, entries=event_log(event))


@bp.route("/series/")
def series_list():
    """The user's series (every series, for admins), to pick one or start one."""
    all_series = (
        db.session.execute(select(Series).where(series_findable(current_user)).order_by(Series.title)).scalars().all()
    )
    return render_template(
        "events/manage/series_list.html",
        all_series=all_series,
        can_create=can_create_events(current_user),
        requests=db.session.execute(
            select(SeriesRequest).where(SeriesRequest.series_id.in_([s.id for s in all_series] or [-1]))
        )
        .scalars()
        .all(),
    )


def _series_or_403(series_id: int) -> Series:
    series = db.get_or_404(Series, series_id)
    if not can_manage_series(current_user, series):
        abort(403)
    return series


@bp.route("/series/new", methods=["GET", "POST"])
@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def series_form(series_id: int | None = None):
    """Create or edit a series; take in or decline the events other organisers ask to add to it."""
    series = _series_or_403(series_id) if series_id else None
    if series is None and not can_create_events(current_user):
        abort(403)
    form = SeriesForm(obj=series)
    if form.validate_on_submit():
        try:
            if series is None:
                series = services.create_series(
                    form.title.data, form.description.data, current_user, slug=form.slug.data or None
                )
            else:
                services.update_series(series, form.title.data, form.description.data, form.slug.data)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error, FORM_FIELDS)
        else:
            db.session.commit()
            flash(_("Series saved."), "success")
            return redirect(url_for("events_manage.series_list"))
    return render_template(
        "events/manage/series_form.html",
        form=form,
        series=series,
        confirm_form=ConfirmForm(),
        requests=services.series_requests(series) if series else [],
    ), 422 if form.errors else 200


@bp.route("/series/<int:series_id>/requests/<int:request_id>/<any(accept, decline):action>", methods=["POST"])
def series_request_action(series_id: int, request_id: int, action: str):
    """Take an event another organiser asked to add into the series, or decline it."""
    series = _series_or_403(series_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = db.session.get(SeriesRequest, request_id)
    if found is None or found.series_id != series.id:
        abort(404)
    title = found.event.title
    services.decide_series_request(found, action == "accept", current_user)
    db.session.commit()
    flash(
        _("%(title)s is now an edition of the series.", title=title)
        if action == "accept"
        else _("You declined %(title)s.", title=title),
        "success",
    )
    return redirect(url_for("events_manage.series_form", series_id=series.id))
