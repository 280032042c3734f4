"""Accounts: log in and out, password reset, invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from eventmgr.auth import views  # noqa: E402,F401
