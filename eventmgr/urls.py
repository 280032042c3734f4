"""Absolute links for e-mails and calendar files, inside a request or not (CLI, worker)."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL: the request's own host in a request, else PUBLIC_URL (or SERVER_NAME)."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)
