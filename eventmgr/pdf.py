"""The one PDF renderer: a Jinja template from templates/pdf/ through WeasyPrint, fetching only what the app serves.

Templates link to resources as pages do (url_for('static', ...), photo_url(person)); those URLs resolve
against BASE_URL, a host that exists only here. The fetcher answers for that host alone, from the static
folder and from what the app lets it serve (stored photos, see `serve_resource`), and refuses every other
URL: file:, data:, and http(s) to anywhere else. WeasyPrint therefore never reads the file system or the
network on a template's (or a user's) say.

Every PDF is tagged for screen readers (PDF/UA-1, WeasyPrint's "pdf/ua-1" variant) unless asked for another variant
(the archival "pdf/a-3a", tagged too); eventmgr.pdf_tagging adds and mends what WeasyPrint's tags lack.

Rendering can also be given a time limit: WeasyPrint then lays the pages out in a child process (started
from a clean fork server, never from the threaded app) that is killed when the time is up. The child asks
the parent for every resource, so the same fetcher, in the parent, still decides what may be read.
"""

import mimetypes
import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, request
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from eventmgr import pdf_tagging

#: A reserved name (RFC 2606): nothing outside this module answers for it.
INTERNAL_HOST = "eventmgr.invalid"
INTERNAL_ORIGIN = f"https://{INTERNAL_HOST}"
#: What every PDF is unless told otherwise: tagged, with the title shown and the language given (ISO 14289-1).
TAGGED = "pdf/ua-1"


class RefusedURL(ValueError):
    """The PDF asked for something other than the app's own static files or stored photos."""


class RenderError(RuntimeError):
    """WeasyPrint failed, or did not finish within the time allowed."""


def serve_resource(app, endpoint: str, load: Callable[..., tuple[bytes, str] | None]) -> None:
    """Let PDFs embed what `endpoint` serves: `load(**view arguments)` returns (content, media type), or None
    when there is no such thing. The feature that serves it says so, and this module imports no feature."""
    app.extensions.setdefault("pdf_resources", {})[endpoint] = load


class AppURLFetcher(URLFetcher):
    """Serve the app's static files and the resources features let PDFs embed to WeasyPrint; refuse the rest."""

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
        else:
            body, mime_type = self._resource(endpoint, values, url)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    def _static_file(self, filename: str) -> tuple[bytes, str]:
        path = safe_join(self.app.static_folder, filename)  # None for ../ and absolute paths
        if path is None or not Path(path).is_file():
            raise RefusedURL(f"no static file {filename!r}")
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Path(path).read_bytes(), mime_type

    def _resource(self, endpoint: str, values: dict, url: str) -> tuple[bytes, str]:
        load = self.app.extensions.get("pdf_resources", {}).get(endpoint)
        if load is None:
            raise RefusedURL(f"refused to fetch {url[:200]}")
        found = load(**values)
        if found is None:
            raise RefusedURL(f"no {endpoint} at {url[:200]}")
        return found


def _script_root() -> str:
    """The path the app is mounted under ('' at the root), which url_for puts in front of every URL."""
    return request.script_root if has_request_context() else ""


def base_url(app=None) -> str:
    """Where relative URLs in a PDF template point: the app's static files."""
    app = app or current_app
    return f"{INTERNAL_ORIGIN}{_script_root()}{app.static_url_path}/"


def render_html(template_name: str, **context) -> str:
    """Render templates/pdf/<template_name> with `context` to the HTML that WeasyPrint will lay out."""
    name = template_name if template_name.startswith("pdf/") else f"pdf/{template_name}"
    return render_template(name, **context)


def render_pdf(template_name: str, **context) -> bytes:
    """Render templates/pdf/<template_name> with `context` to tagged PDF bytes."""
    return html_to_pdf(render_html(template_name, **context))


def html_to_pdf(html: str, variant: str = TAGGED, timeout: float | None = None) -> bytes:
    """Lay `html` out as PDF: tagged ("pdf/ua-1") or archival ("pdf/a-3a") by `variant`, within `timeout` s.

    Raises RenderError when WeasyPrint fails or runs out of time.
    """
    options = {"pdf_variant": variant}
    if timeout is None:
        return _write_pdf(html, base_url(), AppURLFetcher(), options)
    return _render_in_child(html, base_url(), options, timeout)


def _write_pdf(html: str, base: str, fetcher: URLFetcher, options: dict) -> bytes:
    """WeasyPrint's PDF of `html`, its tags completed (eventmgr.pdf_tagging)."""
    pdf_tagging.mark_languages()
    document = HTML(string=html, base_url=base, url_fetcher=fetcher, media_type="print")
    return pdf_tagging.mend(document.write_pdf(**options))


def _render_in_child(html: str, base: str, options: dict, timeout: float) -> bytes:
    """Run WeasyPrint in a child process, answer its fetches here, and kill it when the time is up."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["eventmgr.pdf"])
    parent_end, child_end = context.Pipe()
    process = context.Process(target=_child_render, args=(child_end, html, base, options), daemon=True)
    fetcher = AppURLFetcher()
    deadline = time.monotonic() + timeout
    process.start()
    child_end.close()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not parent_end.poll(remaining):
                raise RenderError(f"the PDF took longer than {timeout:g} s to render")
            try:
                kind, payload = parent_end.recv()
            except EOFError as error:
                raise RenderError("the PDF renderer stopped unexpectedly") from error
            if kind == "fetch":
                parent_end.send(_answer_fetch(fetcher, payload))
            elif kind == "done":
                return payload
            else:
                raise RenderError(f"the PDF could not be rendered: {payload}")
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent_end.close()


def _answer_fetch(fetcher: AppURLFetcher, url: str) -> tuple:
    try:
        response = fetcher.fetch(url)
    except Exception as error:  # noqa: BLE001 - anything refused or missing is simply not fetched
        return "refused", str(error)[:300]
    return "ok", (response.read(), response.headers.get_content_type())


class _ProxyFetcher(URLFetcher):
    """In the child: ask the parent for every URL, since only the parent may decide what is fetched."""

    def __init__(self, connection):
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.connection = connection

    def fetch(self, url, headers=None):
        self.connection.send(("fetch", url))
        status, payload = self.connection.recv()
        if status != "ok":
            raise RefusedURL(payload)
        body, mime_type = payload
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})


def _child_render(connection, html: str, base: str, options: dict) -> None:
    try:
        pdf = _write_pdf(html, base, _ProxyFetcher(connection), options)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises RenderError
        connection.send(("error", f"{type(error).__name__}: {error}"[:500]))
    else:
        connection.send(("done", pdf))
    finally:
        connection.close()
