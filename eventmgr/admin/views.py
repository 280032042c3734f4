"""Account administration pages."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventmgr.admin import services
from eventmgr.audit.services import site_log
from eventmgr.auth.forms import InviteUserForm
from eventmgr.auth.models import User
from eventmgr.auth.permissions import admin_required
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    """List accounts and invite a new user."""
    form = InviteUserForm()
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                form.email.data, form.name.data, form.is_admin.data, current_user, can_organise=form.can_organise.data
            )
        except EventMgrError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    accounts = db.session.execute(select(User).order_by(User.name)).scalars().all()
    return render_template(
        "admin/users.html", form=form, accounts=accounts, confirm_form=ConfirmForm()
    ), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/<action>", methods=["POST"])
@admin_required
def user_action(user_id: int, action: str):
    """Resend an invitation, grant or revoke admin, deactivate or reactivate."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    actions = {
        "resend": lambda: services.resend_invitation(user, current_user),
        "make-admin": lambda: services.set_admin(user, True, current_user),
        "make-organiser": lambda: services.set_organiser(user, True, current_user),
        "revoke-organiser": lambda: services.set_organiser(user, False, current_user),
        "revoke-admin": lambda: services.set_admin(user, False, current_user),
        "deactivate": lambda: services.set_active(user, False, current_user),
        "activate": lambda: services.set_active(user, True, current_user),
    }
    if action not in actions:
        abort(404)
    try:
        actions[action]()
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Done."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/log")
@admin_required
def audit_log():
    """What changed outside any one event: accounts, capabilities, organisations, shared profiles; newest first."""
    return render_template("admin/log.html", entries=site_log())
