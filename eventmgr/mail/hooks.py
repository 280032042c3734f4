"""The outbox's blueprint: delivery right after each response."""

import logging

from flask import Blueprint, current_app, g

from eventmgr.mail.services import send_queued

bp = Blueprint("mail", __name__)


@bp.after_app_request
def send_after_response(response):
    """Deliver what this request queued once the response has gone out, so nobody waits on SMTP."""
    if g.pop("mail_queued", False) and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        app = current_app._get_current_object()

        def deliver():
            with app.app_context():
                send_queued()

        response.call_on_close(deliver)
    return response


@bp.record
def log_where_mail_goes(state):
    """Let the log say where each message went (a file, with no MAIL_SERVER): the outbox logs it at INFO, which
    Flask's own handler then shows, unless logging is configured otherwise."""
    state.app.logger  # noqa: B018 - made on first use, with the handler that writes to stderr
    outbox_log = logging.getLogger("eventmgr.mail")
    if outbox_log.level == logging.NOTSET:
        outbox_log.setLevel(logging.INFO)
