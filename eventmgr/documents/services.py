"""Outcome documents: drafting, review, publication of frozen versions with their PDFs, and comparison."""

import difflib
import hashlib
import html
import re
import time
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval
from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup
from slugify import slugify
from sqlalchemy import func, select

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents import importing
from eventmgr.documents.models import (
    DOCUMENT_KINDS,
    Document,
    DocumentComment,
    DocumentParagraph,
    DocumentSection,
    DocumentVersion,
)
from eventmgr.errors import ConflictError, EventMgrError
from eventmgr.extensions import db
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.ordering import move, renumber

#: Seconds a publication may spend rendering its PDF before it is given up: inside gunicorn's 30 s worker timeout.
DEFAULT_RENDER_TIMEOUT = 25
#: The tagged, accessible variant every published PDF is; the archival one is made on request.
PDF_VARIANT = "pdf/ua-1"
ARCHIVE_VARIANT = "pdf/a-3a"
MAX_SECTIONS = 50
MAX_PARAGRAPHS = 400
MAX_ITEMS = 26
#: Word files whose text has more XML elements than this are imported by the worker, not in the request.
#: Measured through import_docx on the 2-core development machine (SQLite; PostgreSQL within 10 %): a
#: 400-paragraph document with lettered items (660 Word paragraphs, 4,400 elements) 0.1 s; 1,000 Word
#: paragraphs of 12 bold runs each (49,000 elements) 0.38 s; 147,000 such elements 1.1 s. Above this the
#: request would pass half a second; the largest file inspect_docx lets through takes the worker some 5 s.
INLINE_IMPORT_ELEMENTS = 50_000
#: Seconds an import in the request may take (gunicorn stops a worker at 30); the worker allows time_limit().
INLINE_IMPORT_SECONDS = 10
ARCHIVE_JOB = "document-archive"
IMPORT_JOB = "document-import"


class DocumentError(EventMgrError):
    """A rule about outcome documents was broken."""


class RenderFailed(DocumentError):
    """The PDF could not be rendered; nothing was published."""

    status_code = 503


class FileTooLarge(DocumentError):
    """The uploaded file is, or unpacks to, more than a document may be."""

    status_code = 413


class UnreadableFile(DocumentError):
    """The uploaded file is not a Word file that can be read, or holds more than a document may."""

    status_code = 422


# --- Creating and editing --------------------------------------------------------------------------

def _locale(language: str) -> Locale:
    """The locale that dates in a document follow; English ones are written the international (British) way."""
    try:
        return Locale.parse("en_GB" if language in ("en", "", None) else language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def event_place(event, language: str = "en") -> str:
    """Where the event was, as printed on its documents: "Dushanbe, Tajikistan" or "Online"."""
    if event.has_venue and event.venue_city:
        country = locales.country_name(event.venue_country, _locale(language)) if event.venue_country else ""
        return ", ".join(part for part in (event.venue_city, country) if part)
    return "Online" if event.is_online else ""


def event_dates_text(event, language: str = "en") -> str:
    """The event's days in its own zone, in the document's language: "28–29 February 2012"."""
    start, end = event.local_start.date(), event.local_end.date()
    locale = _locale(language)
    last = format_date(end, "long", locale=locale)
    if start == end:
        return last
    if (start.year, start.month) == (end.year, end.month):
        # Babel's intervals abbreviate the month; official documents write it in full.
        return re.sub(rf"\b{end.day}\b", f"{start.day}–{end.day}", last, count=1)
    return format_interval(start, end, "yMMMMd", locale=locale)


def _unique_slug(event, wanted: str, document: Document | None = None) -> str:
    base = slugify(wanted, max_length=60) or "document"
    taken = set(db.session.execute(
        select(Document.slug).where(Document.event_id == event.id,
                                    Document.id != (document.id if document and document.id else -1))
    ).scalars())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_metadata(data: dict) -> dict:
    clean = {key: (data.get(key) or "").strip() for key in ("title", "reference", "place", "dates")}
    clean["kind"] = data.get("kind") or "recommendations"
    clean["language"] = (data.get("language") or "en").strip()
    if clean["kind"] not in DOCUMENT_KINDS:
        raise DocumentError("Choose a kind of document from the list.", field="kind")
    if not clean["title"]:
        raise DocumentError("Give the document a title.", field="title")
    if clean["language"] not in locales.language_codes():
        raise DocumentError("Choose a language from the list.", field="language")
    return clean


def create_document(event, data: dict, user) -> Document:
    """Start a draft outcome document, with place and dates taken from the event unless given."""
    clean = _clean_metadata(data)
    clean["place"] = clean["place"] or event_place(event, clean["language"])
    clean["dates"] = clean["dates"] or event_dates_text(event, clean["language"])
    document = Document(event=event, created_by_id=user.id if user else None, status="draft", **clean)
    document.slug = _unique_slug(event, data.get("slug") or DOCUMENT_KINDS[clean["kind"]])
    db.session.add(document)
    db.session.flush()
    record("document.create", user, event, summary=document.title)
    return document


def update_document(document: Document, data: dict, user) -> Document:
    """Change the document's kind, title, reference, language, place or dates."""
    clean = _clean_metadata(data)
    changes = {k: (getattr(document, k), v) for k, v in clean.items() if getattr(document, k) != v}
    for key, value in clean.items():
        setattr(document, key, value)
    if changes:
        _edited(document, user, "document.update", changes=changes)
    return document


def _edited(document: Document, user, action: str, changes: dict | None = None) -> None:
    """Note a change of the working copy: a published document becomes a draft of its next version."""
    if document.status == "published":
        document.status = "draft"
    document.updated_at = utcnow()
    db.session.flush()
    record(action, user, document.event, summary=document.title, changes=changes)


def add_section(document: Document, heading: str, user, position: int | None = None) -> DocumentSection:
    """Insert a section (at the end unless a position is given)."""
    if len(document.sections) >= MAX_SECTIONS:
        raise DocumentError(f"A document may have at most {MAX_SECTIONS} sections.")
    section = DocumentSection(heading=(heading or "").strip()[:300])
    sections = list(document.sections)
    sections.insert(len(sections) if position is None else max(0, min(position, len(sections))), section)
    document.sections = sections
    renumber(document.sections)
    _edited(document, user, "document.section.add")
    return section


def update_section(section: DocumentSection, heading: str, user) -> None:
    """Rename a section."""
    section.heading = (heading or "").strip()[:300]
    _edited(section.document, user, "document.section.update")


def move_section(section: DocumentSection, offset: int, user) -> None:
    """Move a section up (-1) or down (+1)."""
    document = section.document
    sections = list(document.sections)
    if move(sections, sections.index(section), offset):
        document.sections = sections
        renumber(sections)
        _edited(document, user, "document.section.move")


def delete_section(section: DocumentSection, user) -> None:
    """Remove a section and its paragraphs."""
    document = section.document
    document.sections.remove(section)
    renumber(document.sections)
    _edited(document, user, "document.section.delete")


def _clean_paragraph(data: dict) -> dict:
    items = data.get("items") or []
    if isinstance(items, str):
        items = items.splitlines()
    items = [re.sub(r"^\([a-z]\)\s*", "", item.strip()) for item in items if item.strip()]
    if len(items) > MAX_ITEMS:
        raise DocumentError(f"A paragraph may have at most {MAX_ITEMS} lettered items.", field="items")
    clean = {
        "numbered": bool(data.get("numbered", True)),
        "lead": " ".join((data.get("lead") or "").split()),
        "body": (data.get("body") or "").strip().replace("\r\n", "\n"),
        "items": items,
    }
    if not (clean["lead"] or clean["body"] or clean["items"]):
        raise DocumentError("Write the paragraph's text.", field="body")
    return clean


def add_paragraph(section: DocumentSection, data: dict, user, position: int | None = None) -> DocumentParagraph:
    """Insert a paragraph into a section (at the end unless a position is given)."""
    document = section.document
    if sum(len(s.paragraphs) for s in document.sections) >= MAX_PARAGRAPHS:
        raise DocumentError(f"A document may have at most {MAX_PARAGRAPHS} paragraphs.")
    paragraph = DocumentParagraph(**_clean_paragraph(data))
    paragraphs = list(section.paragraphs)
    paragraphs.insert(len(paragraphs) if position is None else max(0, min(position, len(paragraphs))), paragraph)
    section.paragraphs = paragraphs
    renumber(paragraphs)
    _edited(document, user, "document.paragraph.add")
    return paragraph


def update_paragraph(paragraph: DocumentParagraph, data: dict, user, seen_at=None) -> None:
    """Change a paragraph; refused if someone else saved it after the editor loaded it (`seen_at`)."""
    if seen_at is not None and paragraph.updated_at and paragraph.updated_at > seen_at:
        raise ConflictError("Someone else changed this paragraph after you opened it; reload to see their text.")
    clean = _clean_paragraph(data)
    changes = {k: (getattr(paragraph, k), v) for k, v in clean.items() if getattr(paragraph, k) != v}
    for key, value in clean.items():
        setattr(paragraph, key, value)
    paragraph.updated_at = utcnow()
    if changes:
        _edited(paragraph.section.document, user, "document.paragraph.update", changes=changes)


def move_paragraph(paragraph: DocumentParagraph, offset: int, user) -> None:
    """Move a paragraph up or down; past the first or last, into the section before or after."""
    section = paragraph.section
    document = section.document
    paragraphs = list(section.paragraphs)
    if move(paragraphs, paragraphs.index(paragraph), offset):
        section.paragraphs = paragraphs
        renumber(paragraphs)
    else:
        sections = list(document.sections)
        neighbour_index = sections.index(section) + (1 if offset > 0 else -1)
        if not 0 <= neighbour_index < len(sections):
            return
        neighbour = sections[neighbour_index]
        # Without autoflush: between leaving one section and joining the other, the paragraph is an orphan,
        # and a flush then would delete it.
        with db.session.no_autoflush:
            moved = list(neighbour.paragraphs)
            section.paragraphs.remove(paragraph)
            renumber(section.paragraphs)
            moved.insert(0 if offset > 0 else len(moved), paragraph)
            neighbour.paragraphs = moved
            renumber(moved)
    _edited(document, user, "document.paragraph.move")


def delete_paragraph(paragraph: DocumentParagraph, user) -> None:
    """Remove a paragraph; its comments stay, about the document as a whole."""
    section = paragraph.section
    section.paragraphs.remove(paragraph)
    renumber(section.paragraphs)
    _edited(section.document, user, "document.paragraph.delete")


def import_text(document: Document, text: str, user, replace: bool = True) -> importing.ParsedDocument:
    """Read sections and paragraphs from pasted text or Markdown into the working copy."""
    try:
        parsed = importing.parse_text(text or "")
    except importing.ImportProblem as error:
        raise DocumentError(str(error), field="text") from error
    return _apply_import(document, parsed, user, replace)


def _file_error(problem: importing.ImportProblem) -> DocumentError:
    error_class = FileTooLarge if isinstance(problem, importing.ImportTooLarge) else UnreadableFile
    return error_class(str(problem), field="file")


def check_word_file(data: bytes) -> importing.WordFileShape:
    """What a Word file holds, or FileTooLarge / UnreadableFile before anything parses it."""
    try:
        return importing.inspect_docx(data, time.monotonic() + INLINE_IMPORT_SECONDS)
    except importing.ImportProblem as error:
        raise _file_error(error) from error


def import_docx(document: Document, data: bytes, user, replace: bool = True,
                time_limit: float = INLINE_IMPORT_SECONDS) -> importing.ParsedDocument:
    """Read sections and paragraphs from a Word file into the working copy, within `time_limit` seconds."""
    try:
        parsed = importing.parse_text(importing.docx_to_text(data, time.monotonic() + time_limit))
    except importing.ImportProblem as error:
        raise _file_error(error) from error
    return _apply_import(document, parsed, user, replace, field="file")


def import_word_file(document: Document, data: bytes, filename: str, user,
                     replace: bool = True) -> importing.ParsedDocument | Job:
    """Import a Word file now if it is short, else queue it for the worker and return the job; a file too large
    or unreadable is refused at once either way."""
    shape = check_word_file(data)
    if shape.elements <= INLINE_IMPORT_ELEMENTS:
        return import_docx(document, data, user, replace)
    return jobs.enqueue(IMPORT_JOB, document.event, user, payload=data, document_id=document.id,
                        replace=bool(replace), filename=(filename or "document.docx")[-200:],
                        sha256=hashlib.sha256(data).hexdigest())


@jobs.job_kind(IMPORT_JOB)
def _import_job(job: Job) -> jobs.JobResult:
    document = db.session.get(Document, job.params["document_id"])
    if document is None:
        raise jobs.JobFailed("The document was deleted before the file was imported.")
    # As in publish(): a publication at the same moment waits, rather than freezing half an import.
    db.session.refresh(document, with_for_update=True)
    try:
        parsed = import_docx(document, job.payload, job.requested_by, replace=job.params.get("replace", True),
                             time_limit=jobs.time_limit())
    except DocumentError as error:
        raise jobs.JobFailed(error.message) from error
    return jobs.JobResult(report={"sections": len(parsed.sections), "paragraphs": parsed.paragraph_count})


def import_jobs(document: Document, limit: int = 1) -> list[Job]:
    """The document's latest Word imports done by the worker, newest first."""
    return jobs.recent_jobs(document.event, IMPORT_JOB, limit=limit, document_id=document.id)


def _apply_import(document: Document, parsed: importing.ParsedDocument, user, replace: bool, field: str = "text"):
    if not parsed.paragraph_count:
        raise DocumentError("No paragraphs were found in what you imported.", field=field)
    kept = [] if replace else list(document.sections)
    if len(kept) + len(parsed.sections) > MAX_SECTIONS or parsed.paragraph_count > MAX_PARAGRAPHS:
        raise DocumentError(f"That is more than a document may hold ({MAX_SECTIONS} sections, {MAX_PARAGRAPHS} "
                            "paragraphs).", field=field)
    new_sections = [
        DocumentSection(heading=section.heading[:300], paragraphs=[
            DocumentParagraph(position=i, numbered=p.numbered, lead=p.lead, body=p.body, items=p.items[:MAX_ITEMS])
            for i, p in enumerate(section.paragraphs)
        ])
        for section in parsed.sections
    ]
    document.sections = kept + new_sections
    renumber(document.sections)
    if parsed.title and (replace or not document.title):
        document.title = parsed.title[:500]
    _edited(document, user, "document.import")
    return parsed


def delete_document(document: Document, user) -> None:
    """Delete a document that was never published."""
    if document.versions:
        raise DocumentError("A published document cannot be deleted; publish a correction instead.")
    record("document.delete", user, document.event, summary=document.title)
    db.session.delete(document)
    db.session.flush()


# --- Review ---------------------------------------------------------------------------------------

def submit_for_review(document: Document, user) -> None:
    """Ask the organisers and the secretariat to comment before publication."""
    if document.status != "draft":
        raise DocumentError("Only a draft can be sent for review.")
    if not any(s.paragraphs for s in document.sections):
        raise DocumentError("Write at least one paragraph before asking for review.")
    document.status = "review"
    db.session.flush()
    record("document.review", user, document.event, summary=document.title)


def return_to_draft(document: Document, user) -> None:
    """End the review and go on drafting."""
    if document.status != "review":
        raise DocumentError("The document is not in review.")
    document.status = "draft"
    db.session.flush()
    record("document.draft", user, document.event, summary=document.title)


def add_comment(document: Document, user, body: str, paragraph: DocumentParagraph | None = None) -> DocumentComment:
    """Comment on a paragraph, or on the document as a whole."""
    body = (body or "").strip()
    if not body:
        raise DocumentError("Write a comment.", field="body")
    if len(body) > 5000:
        raise DocumentError("Keep comments under 5,000 characters.", field="body")
    if document.status == "published":
        raise DocumentError("Comments are taken on drafts and documents in review.", field="body")
    comment = DocumentComment(document=document, author_id=user.id, body=body,
                              paragraph_id=paragraph.id if paragraph is not None else None)
    db.session.add(comment)
    db.session.flush()
    record("document.comment", user, document.event, summary=body[:200])
    return comment


def resolve_comment(comment: DocumentComment, user) -> None:
    """Mark a comment as dealt with."""
    if comment.resolved_at is None:
        comment.resolved_at = utcnow()
        comment.resolved_by_id = user.id
        db.session.flush()


def comments_by_paragraph(document: Document) -> dict[int | None, list[DocumentComment]]:
    """Open and resolved comments, grouped by paragraph id (None: about the whole document)."""
    grouped: dict[int | None, list[DocumentComment]] = {}
    for comment in document.comments:
        grouped.setdefault(comment.paragraph_id, []).append(comment)
    return grouped


# --- The content of a version -----------------------------------------------------------------------

def participation_annex(event, language: str = "en") -> dict:
    """Countries and organisations of the delegates who were confirmed or attended, by name."""
    from eventmgr.registration.models import Registration

    rows = db.session.execute(
        select(Registration).where(Registration.event_id == event.id,
                                   (Registration.status == "confirmed") | Registration.checked_in_at.is_not(None))
    ).scalars().all()
    locale = _locale(language)
    countries = sorted({locales.country_name(r.country, locale) for r in rows if r.country}, key=str.casefold)
    organisations: dict[str, str] = {}
    for registration in rows:
        name = registration.organisation_display.strip()
        if name:
            organisations.setdefault(name.casefold(), name)
    return {"countries": countries, "organisations": sorted(organisations.values(), key=str.casefold)}


def _organisation_names(event, role: str) -> list[str]:
    return [f"{o.name} ({o.acronym})" if o.acronym else o.name for o in event.organisations_with_role(role)]


def document_content(document: Document, number: int | None = None) -> dict:
    """Everything a version prints, numbered: the working copy as it is now, with the event's annex."""
    event = document.event
    sections = []
    section_number = 0
    for section in document.sections:
        # Sections without a heading (a preamble) take no number.
        section_number += 1 if section.heading else 0
        count = 0
        paragraphs = []
        for paragraph in section.paragraphs:
            if paragraph.numbered:
                count += 1
            paragraphs.append({
                "key": paragraph.id, "number": count if paragraph.numbered else None, "lead": paragraph.lead,
                "body": paragraph.body, "items": list(paragraph.items or []),
            })
        sections.append({"key": section.id, "number": section_number if section.heading else None,
                         "heading": section.heading, "paragraphs": paragraphs})
    return {
        "kind": document.kind, "kind_label": DOCUMENT_KINDS.get(document.kind, document.kind),
        "title": document.title, "reference": document.reference, "language": document.language,
        "place": document.place, "dates": document.dates, "version": number,
        "event": {"title": event.title, "slug": event.slug},
        "hosts": _organisation_names(event, "host"), "co_organisers": _organisation_names(event, "co_organiser"),
        "author": _author(document),
        "annex": participation_annex(event, document.language),
        "sections": sections,
    }


def render_content_pdf(content: dict, variant: str = PDF_VARIANT, published_at=None,
                       timeout: float | None = None) -> bytes:
    """Typeset a document's content as an A4 PDF with the one renderer."""
    from eventmgr.pdf import RenderError, html_to_pdf, render_html

    with force_locale(content.get("language") or "en"):
        html_text = render_html("document.html", doc=content, published_at=published_at)
    if timeout is None:
        timeout = current_app.config.get("DOCUMENT_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT)
    try:
        return html_to_pdf(html_text, variant=variant, timeout=timeout)
    except RenderError as error:
        current_app.logger.warning("Document PDF failed: %s", error)
        raise RenderFailed("The PDF could not be rendered, so nothing was published. Try again; if it fails "
                           "again, shorten the document or tell the site's administrators.") from error


def _author(document: Document) -> str:
    """Who the PDF names as author: the hosts, else the event."""
    hosts = _organisation_names(document.event, "host")
    return "; ".join(hosts) if hosts else document.event.title


def publish(document: Document, user, note: str = "") -> DocumentVersion:
    """Freeze the working copy as the next version and render its PDF once; nothing changes if that fails."""
    # Two secretariat members pressing Publish at once: the second waits here, then finds it published.
    db.session.refresh(document, with_for_update=True)
    if document.status == "published":
        raise DocumentError("This version is already published; change the text to publish a correction.")
    if not any(s.paragraphs for s in document.sections):
        raise DocumentError("Write at least one paragraph before publishing.")
    if document.versions and not note.strip():
        raise DocumentError("Say what this correction changes.", field="note")
    number = (db.session.execute(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    ).scalar() or 0) + 1
    published_at = utcnow()
    content = document_content(document, number)
    content["published_at"] = published_at.isoformat()
    # Rendered before anything is written: a failure or a timeout leaves the document as it was.
    pdf = render_content_pdf(content, published_at=published_at)
    version = DocumentVersion(
        document=document, number=number, published_at=published_at, published_by_id=user.id if user else None,
        note=note.strip()[:500], content=content, pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
    )
    db.session.add(version)
    document.status = "published"
    db.session.flush()
    queue_archive_pdf(version, user)
    record("document.publish", user, document.event, summary=f"{document.title} (version {number})")
    return version


def queue_archive_pdf(version: DocumentVersion, user=None) -> Job:
    """Ask the worker for the version's archival PDF (PDF/A); visitors' downloads never render it."""
    return jobs.enqueue(ARCHIVE_JOB, version.document.event, user, version_id=version.id)


def make_archive_pdf(version: DocumentVersion, timeout: float | None = None) -> None:
    """Render the version's archival PDF from its frozen content and keep it, unless it has one already."""
    if version.archive_sha256 is None:
        pdf = render_content_pdf(version.content, variant=ARCHIVE_VARIANT, published_at=version.published_at,
                                 timeout=timeout)
        version.archive_pdf = pdf
        version.archive_sha256 = hashlib.sha256(pdf).hexdigest()
        db.session.flush()


@jobs.job_kind(ARCHIVE_JOB)
def _archive_job(job: Job) -> jobs.JobResult:
    version = db.session.get(DocumentVersion, job.params["version_id"])
    if version is None:
        raise jobs.JobFailed("The version no longer exists.")
    make_archive_pdf(version, timeout=jobs.time_limit())
    return jobs.JobResult(report={"version": version.number})


def queue_missing_archives() -> int:
    """Queue the archival PDF of every published version without one and without a job at work on it."""
    missing = db.session.execute(
        select(DocumentVersion).where(DocumentVersion.archive_sha256.is_(None)).order_by(DocumentVersion.id)
    ).scalars().all()
    waiting = [version for version in missing if not archive_pending(version.document.event, version.id)]
    for version in waiting:
        queue_archive_pdf(version)
    return len(waiting)


def archive_job(version: DocumentVersion) -> Job | None:
    """The latest job that made (or is making, or failed to make) the version's archival PDF."""
    found = jobs.recent_jobs(version.document.event, ARCHIVE_JOB, limit=1, version_id=version.id)
    return found[0] if found else None


def archive_pending(event, version_id: int) -> bool:
    """Whether the worker has yet to make this version's archival PDF."""
    return jobs.pending_job(event, ARCHIVE_JOB, version_id=version_id) is not None


# --- Reading -------------------------------------------------------------------------------------

def event_documents(event) -> list[Document]:
    """All the event's documents, for its staff."""
    return db.session.execute(
        select(Document).where(Document.event_id == event.id).order_by(Document.created_at, Document.id)
    ).scalars().all()


def published_documents(event) -> list[Document]:
    """The event's documents that have a published version, for its public page."""
    return [d for d in event_documents(event) if d.versions] if event.id else []


def get_document(event, document_id: int) -> Document | None:
    document = db.session.get(Document, document_id)
    return document if document is not None and document.event_id == event.id else None


def public_document(event, slug: str) -> Document | None:
    """The document at /events/<event>/documents/<slug>, if it has been published."""
    document = db.session.execute(
        select(Document).where(Document.event_id == event.id, Document.slug == slug)
    ).scalar_one_or_none()
    return document if document is not None and document.versions else None


def get_version(document: Document, number: int) -> DocumentVersion | None:
    return next((v for v in document.versions if v.number == number), None)


def load_pdf(version) -> bytes:
    """The stored PDF bytes of a version (a DocumentVersion or a stored_pdf row)."""
    return _pdf_bytes(version.id, version.pdf_sha256)


@lru_cache(maxsize=16)
def _pdf_bytes(version_id: int, sha256: str) -> bytes:
    # A version's PDF never changes, so each worker may keep the few most asked for; the digest in the key
    # makes a reused id (a database emptied and filled again) miss instead of serving another file.
    return db.session.execute(select(DocumentVersion.pdf).where(DocumentVersion.id == version_id)).scalar_one()


def load_archive(version) -> bytes:
    """The stored archival PDF of a version (a row of stored_pdf(..., archive=True))."""
    return _archive_bytes(version.id, version.pdf_sha256)


@lru_cache(maxsize=4)
def _archive_bytes(version_id: int, sha256: str) -> bytes:
    return db.session.execute(
        select(DocumentVersion.archive_pdf).where(DocumentVersion.id == version_id)).scalar_one()


def stored_pdf(event, slug: str, number: int | None = None, archive: bool = False):
    """What serving a version's PDF needs, in one query and without the bytes: (id, number, pdf_sha256, pdf_size).

    The latest version when `number` is None; None when there is no such published version. With `archive`,
    pdf_sha256 is the archival PDF's, None while the worker has not made it.
    """
    digest = DocumentVersion.archive_sha256 if archive else DocumentVersion.pdf_sha256
    query = (
        select(DocumentVersion.id, DocumentVersion.number, digest.label("pdf_sha256"), DocumentVersion.pdf_size)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.event_id == event.id, Document.slug == slug)
    )
    if number is None:
        query = query.order_by(DocumentVersion.number.desc()).limit(1)
    else:
        query = query.where(DocumentVersion.number == number)
    return db.session.execute(query).first()


# --- Comparing versions ---------------------------------------------------------------------------

def _paragraph_text(paragraph: dict) -> str:
    parts = [paragraph.get("lead", ""), paragraph.get("body", "")]
    parts += [f"({chr(ord('a') + i)}) {item}" for i, item in enumerate(paragraph.get("items", []))]
    return "\n".join(p for p in parts if p)


def _word_diff(old: str, new: str) -> Markup:
    """The new text with words removed in <del> and added in <ins>; everything escaped."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(new_words[b0:b1])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(''.join(old_words[a0:a1]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(''.join(new_words[b0:b1]))}</ins>")
    return Markup("".join(out).replace("\n", "<br>"))  # noqa: S704 - every piece is escaped above


def _label(section: dict, paragraph: dict) -> str:
    number = f"({paragraph['number']})" if paragraph.get("number") else "¶"
    return f"{section['number']}.{number}" if section.get("number") else number


def compare(old: dict, new: dict) -> list[dict]:
    """What changed from one version's content to another's, paragraph by paragraph, in the new order.

    Each entry: state (unchanged, changed, added, removed), label (e.g. "2.(3)", with the old label when it
    moved), and the text with insertions and deletions marked.
    """
    old_paragraphs = {}
    for section in old["sections"]:
        for paragraph in section["paragraphs"]:
            old_paragraphs[paragraph["key"]] = (section, paragraph)
    seen = set()
    entries = []
    for section in new["sections"]:
        heading = section["heading"]
        entries.append({"state": "section", "label": f"{section['number']}." if section["number"] else "",
                        "text": Markup.escape(heading)})
        for paragraph in section["paragraphs"]:
            label = _label(section, paragraph)
            text = _paragraph_text(paragraph)
            if paragraph["key"] in old_paragraphs:
                seen.add(paragraph["key"])
                old_section, old_paragraph = old_paragraphs[paragraph["key"]]
                old_text = _paragraph_text(old_paragraph)
                old_label = _label(old_section, old_paragraph)
                state = "unchanged" if old_text == text else "changed"
                entries.append({"state": state, "label": label, "old_label": old_label if old_label != label else "",
                                "text": _word_diff(old_text, text) if state == "changed" else
                                Markup.escape(text).replace("\n", Markup("<br>"))})
            else:
                entries.append({"state": "added", "label": label, "old_label": "",
                                "text": Markup("<ins>%s</ins>") % text})
    for key, (section, paragraph) in old_paragraphs.items():
        if key not in seen:
            entries.append({"state": "removed", "label": "", "old_label": _label(section, paragraph),
                            "text": Markup("<del>%s</del>") % _paragraph_text(paragraph)})
    return entries


def change_count(entries: list[dict]) -> int:
    return sum(1 for e in entries if e["state"] in ("changed", "added", "removed"))
