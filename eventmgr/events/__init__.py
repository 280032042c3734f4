"""Events and series: public pages and the organisers' management area."""

from flask import Blueprint

bp = Blueprint("events", __name__)
manage_bp = Blueprint("manage", __name__, url_prefix="/manage")

from eventmgr.events import manage_views, views  # noqa: E402,F401
