"""Organisations: border agencies, ministries, international organisations, programmes."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/manage/organisations")

from eventmgr.organisations import views  # noqa: E402,F401
