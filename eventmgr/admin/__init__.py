"""Site administration: accounts and site-wide roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from eventmgr.admin import views  # noqa: E402,F401
