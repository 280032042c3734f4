"""The mail outbox: messages are stored first, then delivered over SMTP."""

from flask import Blueprint, current_app, g

bp = Blueprint("mail", __name__, cli_group="mail")


@bp.after_app_request
def send_after_response(response):
    """Deliver what this request queued once the response has gone out, so nobody waits on SMTP."""
    if g.pop("mail_queued", False) and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        app = current_app._get_current_object()

        def deliver():
            from eventmgr.mail.services import send_queued

            with app.app_context():
                send_queued()

        response.call_on_close(deliver)
    return response


from eventmgr.mail import cli  # noqa: E402,F401
