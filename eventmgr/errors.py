"""Domain errors raised by services, and the HTML error pages."""

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
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


#: Werkzeug's names and explanations of the HTTP errors are English: ours, for the errors the site answers with.
HTTP_ERRORS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Log in first"), _l("This page needs you to log in.")),
    403: (_l("You may not do this"), _l("Your account does not have the role this page needs.")),
    404: (_l("Page not found"), _l("There is no page at this address, or it is not public.")),
    405: (_l("Not allowed here"), _l("This address does not take this kind of request.")),
    409: (_l("Conflict"), _l("This cannot be done in the state the page is in now. Reload it and try again.")),
    410: (_l("Gone"), _l("What was at this address is no longer here.")),
    413: (_l("Too large"), _l("What you sent is larger than the site accepts.")),
    415: (_l("Unsupported file"), _l("The site cannot read this kind of file.")),
    422: (_l("Cannot be used"), _l("What you sent cannot be used as it is.")),
    429: (_l("Too many requests"), _l("Please wait a minute before trying again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again in a moment.")),
    503: (_l("Not available now"), _l("The site cannot do this right now. Try again in a moment.")),
}


def error_texts(error: HTTPException) -> tuple[str, str]:
    """The error's name and explanation in the reader's language: the explanation given when it was raised (ours,
    translated), else the usual one for its code."""
    name, usual = HTTP_ERRORS.get(error.code, (None, None))
    # Flask-Limiter describes a 429 by its limit ("5 per 1 minute"): that one is not for the reader.
    given = error.description if error.description != type(error).description and error.code != 429 else None
    return str(name or error.name), str(given or usual or error.description)


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors in the site's layout; roll back the session on a crash."""

    def render_error(error: HTTPException):
        if request.accept_mimetypes.best == "application/json":
            # "error" is for programs and stays as HTTP names it; "description" is for people, in their language.
            return {"error": error.name, "description": error_texts(error)[1]}, error.code
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
