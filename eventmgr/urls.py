"""Absolute links for e-mails, calendars and PDFs: always at the site's configured public address."""

from urllib.parse import quote, urlsplit

from flask import current_app


def external_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """An absolute URL at PUBLIC_URL, inside a request or not (CLI, worker).

    Never the request's own host: a link mailed in answer to a request whose Host header someone forged
    (a password reset, a registration's private link) would carry its token to that host.
    """
    app = current_app
    public = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    if _anchor is not None:
        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url
