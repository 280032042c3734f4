"""Delegate registration: the form, policies, seats and waiting list, offer codes, the organiser's desk."""

from flask import Blueprint

bp = Blueprint("registration", __name__)
desk_bp = Blueprint("desk", __name__, url_prefix="/manage/events/<int:event_id>")

from eventmgr.registration import desk_views, views  # noqa: E402,F401
