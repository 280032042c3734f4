"""Outcome documents and their structure: the document, its sections and numbered paragraphs, and finding them."""

import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval
from flask_babel import gettext as _
from flask_babel import ngettext
from slugify import slugify
from sqlalchemy import select

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import DOCUMENT_KINDS, Document, DocumentParagraph, DocumentSection
from eventmgr.errors import ConflictError, EventMgrError
from eventmgr.extensions import db
from eventmgr.languages import in_language
from eventmgr.ordering import move, renumber

MAX_SECTIONS = 50
MAX_PARAGRAPHS = 400
MAX_ITEMS = 26


class DocumentError(EventMgrError):
    """A rule about outcome documents was broken."""


# --- What a document says of its event ---------------------------------------------------------------


def document_locale(language: str) -> Locale:
    """The locale that dates in a document follow; English ones are written the international (British) way."""
    try:
        return Locale.parse("en_GB" if language in ("en", "", None) else language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def event_place(event, language: str = "en") -> str:
    """Where the event was, as printed on its documents: "Dushanbe, Tajikistan" or "Online"."""
    if event.has_venue and event.venue_city:
        country = locales.country_name(event.venue_country, document_locale(language)) if event.venue_country else ""
        return ", ".join(part for part in (event.venue_city, country) if part)
    if event.is_online:
        with in_language(language):
            return _("Online")
    return ""


def event_dates_text(event, language: str = "en") -> str:
    """The event's days in its own zone, in the document's language: "28–29 February 2012"."""
    start, end = event.local_start.date(), event.local_end.date()
    locale = document_locale(language)
    last = format_date(end, "long", locale=locale)
    if start == end:
        return last
    if (start.year, start.month) == (end.year, end.month):
        # Babel's intervals abbreviate the month; official documents write it in full.
        return re.sub(rf"\b{end.day}\b", f"{start.day}–{end.day}", last, count=1)
    return format_interval(start, end, "yMMMMd", locale=locale)


# --- Creating and editing --------------------------------------------------------------------------


def _unique_slug(event, wanted: str, document: Document | None = None) -> str:
    base = slugify(wanted, max_length=60) or "document"
    taken = set(
        db.session.execute(
            select(Document.slug).where(
                Document.event_id == event.id, Document.id != (document.id if document and document.id else -1)
            )
        ).scalars()
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_metadata(data: dict) -> dict:
    clean = {key: (data.get(key) or "").strip() for key in ("title", "reference", "place", "dates")}
    clean["kind"] = data.get("kind") or "recommendations"
    clean["language"] = (data.get("language") or "en").strip()
    if clean["kind"] not in DOCUMENT_KINDS:
        raise DocumentError(_("Choose a kind of document from the list."), field="kind")
    if not clean["title"]:
        raise DocumentError(_("Give the document a title."), field="title")
    if clean["language"] not in locales.language_codes():
        raise DocumentError(_("Choose a language from the list."), field="language")
    return clean


def create_document(event, data: dict, user) -> Document:
    """Start a draft outcome document, with place and dates taken from the event unless given."""
    clean = _clean_metadata(data)
    clean["place"] = clean["place"] or event_place(event, clean["language"])
    clean["dates"] = clean["dates"] or event_dates_text(event, clean["language"])
    document = Document(event=event, created_by_id=user.id if user else None, status="draft", **clean)
    document.slug = _unique_slug(event, data.get("slug") or clean["kind"])  # the code reads as the English kind
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
        record_edit(document, user, "document.update", changes=changes)
    return document


def delete_document(document: Document, user) -> None:
    """Delete a document that was never published."""
    if document.versions:
        raise DocumentError(_("A published document cannot be deleted; publish a correction instead."))
    record("document.delete", user, document.event, summary=document.title)
    db.session.delete(document)
    db.session.flush()


def record_edit(document: Document, user, action: str, changes: dict | None = None) -> None:
    """Note a change of the working copy: a published document becomes a draft of its next version."""
    if document.status == "published":
        document.status = "draft"
    document.updated_at = utcnow()
    db.session.flush()
    record(action, user, document.event, summary=document.title, changes=changes)


def add_section(document: Document, heading: str, user, position: int | None = None) -> DocumentSection:
    """Insert a section (at the end unless a position is given)."""
    if len(document.sections) >= MAX_SECTIONS:
        raise DocumentError(
            ngettext(
                "A document may have at most %(num)d section.",
                "A document may have at most %(num)d sections.",
                MAX_SECTIONS,
            )
        )
    section = DocumentSection(heading=(heading or "").strip()[:300])
    sections = list(document.sections)
    sections.insert(len(sections) if position is None else max(0, min(position, len(sections))), section)
    document.sections = sections
    renumber(document.sections)
    record_edit(document, user, "document.section.add")
    return section


def update_section(section: DocumentSection, heading: str, user) -> None:
    """Rename a section."""
    section.heading = (heading or "").strip()[:300]
    record_edit(section.document, user, "document.section.update")


def move_section(section: DocumentSection, offset: int, user) -> None:
    """Move a section up (-1) or down (+1)."""
    document = section.document
    sections = list(document.sections)
    if move(sections, sections.index(section), offset):
        document.sections = sections
        renumber(sections)
        record_edit(document, user, "document.section.move")


def delete_section(section: DocumentSection, user) -> None:
    """Remove a section and its paragraphs."""
    document = section.document
    document.sections.remove(section)
    renumber(document.sections)
    record_edit(document, user, "document.section.delete")


def _clean_paragraph(data: dict) -> dict:
    items = data.get("items") or []
    if isinstance(items, str):
        items = items.splitlines()
    items = [re.sub(r"^\([a-z]\)\s*", "", item.strip()) for item in items if item.strip()]
    if len(items) > MAX_ITEMS:
        raise DocumentError(
            ngettext(
                "A paragraph may have at most %(num)d lettered item.",
                "A paragraph may have at most %(num)d lettered items.",
                MAX_ITEMS,
            ),
            field="items",
        )
    clean = {
        "numbered": bool(data.get("numbered", True)),
        "lead": " ".join((data.get("lead") or "").split()),
        "body": (data.get("body") or "").strip().replace("\r\n", "\n"),
        "items": items,
    }
    if not (clean["lead"] or clean["body"] or clean["items"]):
        raise DocumentError(_("Write the paragraph's text."), field="body")
    return clean


def add_paragraph(section: DocumentSection, data: dict, user, position: int | None = None) -> DocumentParagraph:
    """Insert a paragraph into a section (at the end unless a position is given)."""
    document = section.document
    if sum(len(s.paragraphs) for s in document.sections) >= MAX_PARAGRAPHS:
        raise DocumentError(
            ngettext(
                "A document may have at most %(num)d paragraph.",
                "A document may have at most %(num)d paragraphs.",
                MAX_PARAGRAPHS,
            )
        )
    paragraph = DocumentParagraph(**_clean_paragraph(data))
    paragraphs = list(section.paragraphs)
    paragraphs.insert(len(paragraphs) if position is None else max(0, min(position, len(paragraphs))), paragraph)
    section.paragraphs = paragraphs
    renumber(paragraphs)
    record_edit(document, user, "document.paragraph.add")
    return paragraph


def update_paragraph(paragraph: DocumentParagraph, data: dict, user, seen_at=None) -> None:
    """Change a paragraph; refused if someone else saved it after the editor loaded it (`seen_at`)."""
    if seen_at is not None and paragraph.updated_at and paragraph.updated_at > seen_at:
        raise ConflictError(_("Someone else changed this paragraph after you opened it; reload to see their text."))
    clean = _clean_paragraph(data)
    changes = {k: (getattr(paragraph, k), v) for k, v in clean.items() if getattr(paragraph, k) != v}
    for key, value in clean.items():
        setattr(paragraph, key, value)
    paragraph.updated_at = utcnow()
    if changes:
        record_edit(paragraph.section.document, user, "document.paragraph.update", changes=changes)


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
    record_edit(document, user, "document.paragraph.move")


def delete_paragraph(paragraph: DocumentParagraph, user) -> None:
    """Remove a paragraph; its comments stay, about the document as a whole."""
    section = paragraph.section
    section.paragraphs.remove(paragraph)
    renumber(section.paragraphs)
    record_edit(section.document, user, "document.paragraph.delete")


# --- Reading -------------------------------------------------------------------------------------


def event_documents(event) -> list[Document]:
    """All the event's documents, for its staff."""
    return (
        db.session.execute(
            select(Document).where(Document.event_id == event.id).order_by(Document.created_at, Document.id)
        )
        .scalars()
        .all()
    )


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
