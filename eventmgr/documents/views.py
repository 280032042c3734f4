"""Published outcome documents: the current version as a page and a PDF, older versions, what changed."""

import re

from babel.dates import format_date
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import ServiceUnavailable

from eventmgr.documents import services
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.events.permissions import can_edit_documents, can_view_event
from eventmgr.languages import in_language, interface_languages
from eventmgr.limits import page_number
from eventmgr.pagecache import cached_public_page
from eventmgr.registration.services import registration_for_link

bp = Blueprint("documents", __name__, url_prefix="/events/<slug>/documents")

#: A year: a version's PDF never changes, so browsers and proxies may keep it.
IMMUTABLE = 365 * 24 * 3600
#: Seconds a reader is asked to wait for an archival PDF the worker is making (a render takes about one).
ARCHIVE_RETRY_AFTER = 30


# --- Template helpers (registered in eventmgr.templating) --------------------------------------------


def css_string(text: str, length: int | None = None) -> Markup:
    """Quote text as a CSS string for a PDF's page margins, shortened to `length` characters with "…".

    Text joined in a template with `~` arrives as Markup, HTML-escaped ("Border &amp; Customs"): CSS does not
    read entities, so it is turned back into the text it stands for, and only then cut and escaped for CSS
    (JSON's \\u escapes mean nothing in CSS either).
    """
    plain = text.unescape() if isinstance(text, Markup) else str(text)
    if length is not None and len(plain) > length:
        plain = plain[: length - 1].rstrip() + "…"
    # CSS takes the one space after a hex escape as its end: each escape brings its own, and a space that
    # follows in the text stays.
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&' or ord(c) < 32 else c for c in plain)
    return Markup(f'"{escaped}"')  # noqa: S704 - every character that could end the string or the tag is escaped


def page_of_pages_css() -> Markup:
    """CSS `content` for a page margin's "Page 1 of 3", from one sentence of the catalogue (languages order its
    words their own way), with the page counters where its placeholders are."""
    page, pages = "\x01", "\x02"
    sentence = _("Page %(page)s of %(pages)s", page=page, pages=pages)
    counters = {page: Markup("counter(page)"), pages: Markup("counter(pages)")}
    parts = [counters.get(part) or css_string(part) for part in re.split(f"([{page}{pages}])", sentence) if part]
    return Markup(" ").join(parts)


def numbered_first(html: Markup, number_html: Markup) -> Markup:
    """Put a paragraph's number at the start of its first rendered <p>, so that the two never part."""
    if number_html and html.startswith("<p>"):
        return Markup("<p>{}{}").format(number_html, html[3:])
    return Markup("{}{}").format(number_html, html)


def document_date(moment, language: str = "en") -> str:
    """A date in a document's own language, e.g. '29 February 2012'."""
    return format_date(moment.date(), "long", locale=services.document_locale(language)) if moment else ""


def published_documents(event) -> list:
    """The event's published documents, for its public page."""
    return services.published_documents(event)


def published_documents_state(event) -> tuple:
    """What the event page's list of published documents shows: the key it is kept rendered under."""
    return services.published_state(event)


def _load(slug: str, doc: str, endpoint: str, **values):
    """The event and its published document, or a redirect from an old event slug; 404 if not visible."""
    event, moved = visible_event_or_redirect(slug, endpoint, doc=doc, **values)
    if moved:
        return None, None, moved
    document = services.public_document(event, doc)
    if document is None:
        abort(404)
    return event, document, None


def _version_or_404(document, number: int):
    version = services.get_version(document, number)
    if version is None:
        abort(404)
    return version


def _pdf_response(event, doc: str, stored, immutable: bool, suffix: str = "", load=services.load_pdf):
    """Serve a stored PDF with its SHA-256 as ETag; a reader who has it gets 304 without the bytes being read."""
    digest = stored.pdf_sha256
    if request.if_none_match and request.if_none_match.contains(digest):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(load(stored), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{event.slug}-{doc}-v{stored.number}{suffix}.pdf"'
    response.set_etag(digest)
    # Shared caches may keep what anyone may read; the rest only the reader's browser.
    scope = "public" if can_view_event(None, event) else "private"
    if immutable:
        response.headers["Cache-Control"] = f"{scope}, max-age={IMMUTABLE}, immutable"
    else:
        # The current version's URL shows the next version once there is one: revalidate, cheaply, by ETag.
        response.headers["Cache-Control"] = f"{scope}, max-age=300, must-revalidate"
    return response


@bp.route("/<doc>")
@cached_public_page
def show(slug: str, doc: str):
    """Show the current version of a published document, with its versions."""
    event, document, moved = _load(slug, doc, "documents.show")
    if moved:
        return moved
    return _render_version(event, document, document.latest_version)


@bp.route("/<doc>/v<int:number>")
@cached_public_page
def version(slug: str, doc: str, number: int):
    """Show an earlier (or the current) version."""
    event, document, moved = _load(slug, doc, "documents.version", number=number)
    if moved:
        return moved
    return _render_version(event, document, _version_or_404(document, number))


def _render_version(event, document, shown):
    language_versions = services.other_language_versions(document, published=True)
    # The page is in the document's language, as its PDF is: its labels, dates and <html lang>.
    with in_language(shown.content.get("language") or document.language) as language:
        return render_template(
            "documents/show.html",
            event=event,
            document=document,
            version=shown,
            doc=shown.content,
            latest=document.latest_version,
            language_versions=language_versions,
            can_edit=can_edit_documents(current_user, event),
            **_switcher_target(event, language, language_versions),
        )


def _switcher_target(event, language: str, language_versions) -> dict:
    """Where the header's language switcher leads from a document's page: a reader who switches to another
    interface language asks for the text in it, so to that language version, where there is one."""
    return {
        "language_pages": {
            version.language: url_for("documents.show", slug=event.slug, doc=version.slug)
            for version in language_versions
            if version.language in interface_languages() and version.language != language
        }
    }


@bp.route("/<doc>.pdf")
@cached_public_page
def pdf(slug: str, doc: str):
    """The current version's PDF, from storage."""
    event, moved = visible_event_or_redirect(slug, "documents.pdf", doc=doc)
    if moved:
        return moved
    stored = services.stored_pdf(event, doc)
    if stored is None:
        abort(404)
    return _pdf_response(event, doc, stored, immutable=False)


@bp.route("/<doc>/v<int:number>.pdf")
@cached_public_page
def version_pdf(slug: str, doc: str, number: int):
    """A version's PDF, from storage; it never changes."""
    event, moved = visible_event_or_redirect(slug, "documents.version_pdf", doc=doc, number=number)
    if moved:
        return moved
    stored = services.stored_pdf(event, doc, number)
    if stored is None:
        abort(404)
    return _pdf_response(event, doc, stored, immutable=True)


@bp.route("/<doc>/v<int:number>-archive.pdf")
@cached_public_page
def archive_pdf(slug: str, doc: str, number: int):
    """A version's archival PDF (PDF/A), from storage once the worker has made it; never rendered here."""
    event, moved = visible_event_or_redirect(slug, "documents.archive_pdf", doc=doc, number=number)
    if moved:
        return moved
    stored = services.stored_pdf(event, doc, number, archive=True)
    if stored is None:
        abort(404)
    if stored.pdf_sha256 is None:
        if services.archive_pending(event, stored.id):
            error = ServiceUnavailable(_("The archival PDF of this version is being made. Try again in a minute."))
            return (
                render_template("errors/generic.html", error=error),
                503,
                {"Retry-After": str(ARCHIVE_RETRY_AFTER), "Cache-Control": "no-store"},
            )
        abort(404, _("This version has no archival PDF."))
    return _pdf_response(event, doc, stored, immutable=True, suffix="-archive", load=services.load_archive)


@bp.route("/<doc>/changes")
@cached_public_page
def changes(slug: str, doc: str):
    """What changed between two versions (?from=1&to=2; by default the last two), paragraph by paragraph."""
    event, document, moved = _load(slug, doc, "documents.changes")
    if moved:
        return moved
    latest = document.latest_version.number
    new_number = request.args.get("to", latest, type=page_number)
    old_number = request.args.get("from", max(new_number - 1, 1), type=page_number)
    new, old = _version_or_404(document, new_number), _version_or_404(document, old_number)
    entries = services.compare(old.content, new.content)
    return render_template(
        "documents/changes.html",
        event=event,
        document=document,
        old=old,
        new=new,
        entries=entries,
        changed=services.change_count(entries),
    )


# --- A delegate's own letters, through their private link ----------------------------------------------

delegate_bp = Blueprint("documents_delegate", __name__, url_prefix="/events/<slug>/registration/<token>")


def delegate_documents(registration) -> list:
    """(label, URL) of the letters a delegate may download now, for their registration page."""
    from eventmgr.documents.letters import delegate_documents as available

    return [
        (
            label,
            url_for(
                f"documents_delegate.{kind.replace('-', '_')}",
                slug=registration.event.slug,
                token=registration.access_token,
            ),
        )
        for label, kind in available(registration)
    ]


def _delegate_registration(slug: str, token: str):
    registration = registration_for_link(slug, token)
    if registration is None:
        abort(404)
    return registration


def _letter(registration, render, filename: str):
    try:
        body = render(registration)
    except services.RenderFailed as error:
        abort(503, error.message)
    except services.DocumentError:
        abort(404)
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@delegate_bp.route("/certificate.pdf")
def certificate(slug: str, token: str):
    """The delegate's certificate of attendance, once they were checked in."""
    from eventmgr.documents.letters import certificate_pdf

    registration = _delegate_registration(slug, token)
    return _letter(registration, certificate_pdf, "certificate-of-attendance.pdf")


@delegate_bp.route("/visa-letter.pdf")
def visa_letter(slug: str, token: str):
    """The delegate's visa support letter, once an organiser approved it."""
    from eventmgr.documents.letters import visa_letter_pdf

    registration = _delegate_registration(slug, token)
    return _letter(registration, visa_letter_pdf, "visa-support-letter.pdf")
