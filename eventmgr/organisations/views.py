"""The shared directory of organisations: each entry changed only by its owners and the site's administrators."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from eventmgr.auth.models import User
from eventmgr.auth.permissions import can_create_events, is_admin
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.limits import page_number
from eventmgr.organisations import services
from eventmgr.organisations.forms import OrganisationForm, OwnerForm
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.permissions import can_edit_organisation, can_find_organisation

bp = Blueprint("organisations", __name__, url_prefix="/manage/organisations")


@bp.before_request
@login_required
def require_login():
    """Only staff accounts use the directory here."""


@bp.route("/")
def index():
    """List the organisations the user may find, with search."""
    text = request.args.get("q", "").strip()[:200]
    page = services.search(text, current_user, request.args.get("page", 1, type=page_number))
    return render_template(
        "organisations/index.html",
        page=page,
        q=text,
        can_create=can_create_events(current_user),
        editable={o.id for o in page.items if can_edit_organisation(current_user, o)},
    )


def _owner_form(organisation) -> OwnerForm | None:
    """Administrators give an entry owners: accounts that may create events."""
    if organisation is None or not is_admin(current_user):
        return None
    candidates = (
        db.session.execute(
            select(User).where(User.is_active_account.is_(True), User.can_organise | User.is_admin).order_by(User.name)
        )
        .scalars()
        .all()
    )
    return OwnerForm(candidates=[user for user in candidates if user not in organisation.owners], prefix="owner")


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def form(organisation_id: int | None = None):
    """Add an organisation, or change one the user owns."""
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    if organisation is None and not can_create_events(current_user):
        abort(403)
    if organisation is not None and not can_edit_organisation(current_user, organisation):
        abort(403 if can_find_organisation(current_user, organisation) else 404)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            if organisation is None:
                organisation = services.create_organisation(data, current_user)
            else:
                services.update_organisation(organisation, data, current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved %(name)s.", name=organisation.name), "success")
            back = request.args.get("next", "")
            return redirect(back if back.startswith("/manage/") else url_for("organisations.index"))
    return render_template(
        "organisations/form.html",
        form=form,
        organisation=organisation,
        owner_form=_owner_form(organisation),
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200


@bp.route("/<int:organisation_id>/owners", methods=["POST"])
@bp.route("/<int:organisation_id>/owners/<int:user_id>/remove", methods=["POST"])
def owners(organisation_id: int, user_id: int | None = None):
    """Add an owner to an entry, or remove one (administrators only)."""
    organisation = db.get_or_404(Organisation, organisation_id)
    if not is_admin(current_user):
        abort(403)
    if user_id is not None:
        if not ConfirmForm().validate_on_submit():
            abort(400)
        services.remove_owner(organisation, db.get_or_404(User, user_id), current_user)
    else:
        owner_form = _owner_form(organisation)
        if not owner_form.validate_on_submit():
            flash(_("Choose an account from the list."), "error")
            return redirect(url_for("organisations.form", organisation_id=organisation.id))
        services.add_owner(organisation, db.session.get(User, owner_form.user_id.data), current_user)
    db.session.commit()
    flash(_("Owners saved."), "success")
    return redirect(url_for("organisations.form", organisation_id=organisation.id))
