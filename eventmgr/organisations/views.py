"""The shared directory of organisations."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.organisations import services
from eventmgr.organisations.forms import OrganisationForm
from eventmgr.organisations.models import Organisation

bp = Blueprint("organisations", __name__, url_prefix="/manage/organisations")


@bp.before_request
@login_required
def require_login():
    """Only staff accounts maintain the directory."""


@bp.route("/")
def index():
    """List organisations, with search."""
    text = request.args.get("q", "").strip()[:200]
    page = services.search(text, request.args.get("page", 1, type=int))
    return render_template("organisations/index.html", page=page, q=text)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def form(organisation_id: int | None = None):
    """Add or change an organisation."""
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            if organisation is None:
                organisation = services.create_organisation(data)
            else:
                services.update_organisation(organisation, data)
        except EventMgrError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Saved %(name)s.", name=organisation.name), "success")
            back = request.args.get("next", "")
            return redirect(back if back.startswith("/manage/") else url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=organisation), \
        422 if form.errors else 200
