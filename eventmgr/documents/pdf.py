"""The one PDF renderer: a Jinja template from templates/pdf/ through WeasyPrint, fetching only what the app serves.

Templates link to resources as pages do (url_for('static', ...), photo_url(person)); those URLs resolve
against BASE_URL, a host that exists only here. The fetcher answers for that host alone, from the static
folder and the stored photos, and refuses every other URL: file:, data:, and http(s) to anywhere else.
WeasyPrint therefore never reads the file system or the network on a template's (or a user's) say.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, request
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

#: A reserved name (RFC 2606): nothing outside this module answers for it.
INTERNAL_HOST = "eventmgr.invalid"
INTERNAL_ORIGIN = f"https://{INTERNAL_HOST}"


class RefusedURL(ValueError):
    """The PDF asked for something other than the app's own static files or stored photos."""


class AppURLFetcher(URLFetcher):
    """Serve the app's static files and stored photos to WeasyPrint; refuse everything else."""

    def __init__(self, app=None):
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.app = app or current_app._get_current_object()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.hostname != INTERNAL_HOST or parts.port or parts.username:
            raise RefusedURL(f"refused to fetch {url[:200]}")
        adapter = self.app.url_map.bind(INTERNAL_HOST, script_name=_script_root() or None, url_scheme="https")
        try:
            endpoint, values = adapter.match(unquote(parts.path), method="GET")
        except HTTPException as error:
            raise RefusedURL(f"refused to fetch {url[:200]}") from error
        if endpoint == "static":
            body, mime_type = self._static_file(values["filename"])
        elif endpoint == "people.photo":
            body, mime_type = self._photo(**values)
        else:
            raise RefusedURL(f"refused to fetch {url[:200]}")
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    def _static_file(self, filename: str) -> tuple[bytes, str]:
        path = safe_join(self.app.static_folder, filename)  # None for ../ and absolute paths
        if path is None or not Path(path).is_file():
            raise RefusedURL(f"no static file {filename!r}")
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Path(path).read_bytes(), mime_type

    def _photo(self, person_id: int, size: str, digest: str) -> tuple[bytes, str]:
        from eventmgr.people.services import photo_image

        found = photo_image(person_id, digest, size)
        if found is None:
            raise RefusedURL(f"no photo {person_id}/{size}/{digest}")
        stored, image = found
        return image, stored.media_type


def _script_root() -> str:
    """The path the app is mounted under ('' at the root), which url_for puts in front of every URL."""
    return request.script_root if has_request_context() else ""


def base_url(app=None) -> str:
    """Where relative URLs in a PDF template point: the app's static files."""
    app = app or current_app
    return f"{INTERNAL_ORIGIN}{_script_root()}{app.static_url_path}/"


def render_pdf(template_name: str, **context) -> bytes:
    """Render templates/pdf/<template_name> with `context` to PDF bytes."""
    name = template_name if template_name.startswith("pdf/") else f"pdf/{template_name}"
    html = render_template(name, **context)
    document = HTML(string=html, base_url=base_url(), url_fetcher=AppURLFetcher(), media_type="print")
    return document.write_pdf()
