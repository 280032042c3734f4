"""Domain errors raised by services, and the HTML error pages."""

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions


class EventMgrError(Exception):
    """A rule of the domain was broken; the message is fit to show the user."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def raise_first(errors: dict[str, str]) -> None:
    """Raise the first of the broken rules ({field: message}, as the *_rule_errors checks return them), if any."""
    if errors:
        field, message = next(iter(errors.items()))
        raise EventMgrError(message, field=field)


class PermissionDenied(EventMgrError):
    status_code = 403


class ConflictError(EventMgrError):
    """Someone else changed the object since the user loaded it."""

    status_code = 409


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors in the site's layout; roll back the session on a crash."""

    def render_error(error: HTTPException):
        if request.accept_mimetypes.best == "application/json":
            return {"error": error.name, "description": error.description}, error.code
        template = f"errors/{error.code}.html" if error.code in (403, 404, 429, 500) else "errors/generic.html"
        return render_template(template, error=error), error.code

    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(EventMgrError)
    def domain_error(error: EventMgrError):
        """A rule broken where no view was ready for it (a view shows it at its field when it is)."""
        current_app.extensions["sqlalchemy"].session.rollback()
        page = default_exceptions[error.status_code](error.message)
        return render_template("errors/generic.html", error=page), error.status_code

    @app.errorhandler(500)
    def internal_error(error):
        # Not `from eventmgr.extensions import db`: the models' base imports this module.
        current_app.extensions["sqlalchemy"].session.rollback()
        return render_template("errors/500.html", error=error), 500
