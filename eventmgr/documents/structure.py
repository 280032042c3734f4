"""Outcome documents and their structure: the document, its sections and numbered paragraphs, and finding them."""

import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval
from flask_babel import gettext as _
from flask_babel import ngettext
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import DOCUMENT_KINDS, Document, DocumentParagraph, DocumentSection, DocumentVersion
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
    """Start a draft outcome document, with place and dates taken from the event unless given; with
    `translation_of_id`, as a language version of another of the event's documents."""
    clean = _clean_metadata(data)
    clean["place"] = clean["place"] or event_place(event, clean["language"])
    clean["dates"] = clean["dates"] or event_dates_text(event, clean["language"])
    document = Document(event=event, created_by_id=user.id if user else None, status="draft", **clean)
    document.slug = _unique_slug(event, data.get("slug") or clean["kind"])  # the code reads as the English kind
    db.session.add(document)
    db.session.flush()
    record("document.create", user, event, summary=document.title)
    if data.get("translation_of_id"):
        set_translation_of(document, _event_document(event, data["translation_of_id"]), user)
    return document


def update_document(document: Document, data: dict, user) -> Document:
    """Change the document's kind, title, reference, language, place or dates, and (with `translation_of_id`
    in `data`) which document it is a language version of."""
    clean = _clean_metadata(data)
    old_language = document.language
    if clean["language"] != old_language:
        # Place and dates the event filled in are written again in the new language; typed ones are kept.
        event = document.event
        if clean["place"] in ("", event_place(event, old_language)):
            clean["place"] = event_place(event, clean["language"])
        if clean["dates"] in ("", event_dates_text(event, old_language)):
            clean["dates"] = event_dates_text(event, clean["language"])
    changes = {k: (getattr(document, k), v) for k, v in clean.items() if getattr(document, k) != v}
    for key, value in clean.items():
        setattr(document, key, value)
    relinked = False
    if "translation_of_id" in data:
        original = _event_document(document.event, data["translation_of_id"]) if data["translation_of_id"] else None
        if (original.id if original else None) != document.translation_of_id:
            set_translation_of(document, original, user)
            relinked = True
    if not relinked and clean["language"] != old_language:
        _check_one_per_language(document, field="language")
    if changes:
        record_edit(document, user, "document.update", changes=changes)
    return document


def delete_document(document: Document, user) -> None:
    """Delete a document that was never published; its language versions stay linked to each other."""
    if document.versions:
        raise DocumentError(_("A published document cannot be deleted; publish a correction instead."))
    set_translation_of(document, None, user)
    record("document.delete", user, document.event, summary=document.title)
    db.session.delete(document)
    db.session.flush()


# --- Language versions ---------------------------------------------------------------------------
# A text in several languages is one document per language: the original, and every other version pointing at it
# (translation_of). Versions never point at a version, so the set is one query away from any of them.


def language_versions(document: Document) -> list[Document]:
    """The document's versions in every language, itself included: its original first, then the others by language."""
    original = document.translation_of or document
    if original.id is None:
        return [document]
    others = (
        db.session.execute(
            select(Document).where(Document.translation_of_id == original.id).order_by(Document.language, Document.id)
        )
        .scalars()
        .all()
    )
    return [original, *others]


def other_language_versions(document: Document, published: bool = False) -> list[Document]:
    """The document's versions in the other languages (with `published`, only those visitors can read)."""
    return [d for d in language_versions(document) if d is not document and (d.versions or not published)]


def set_translation_of(document: Document, original: Document | None, user=None) -> None:
    """Make the document a language version of `original`, one of its event's other documents; None: of no other.

    The document brings its own language versions along when it is an original. Made a version of one of its own
    versions, that one becomes their original. Taken out of its versions, those keep linked to each other.
    """
    if original is None:
        versions = language_versions(document)
        if document.translation_of_id is not None:
            document.translation_of = None
        elif len(versions) > 1:
            new_original, *rest = versions[1:]
            new_original.translation_of = None
            for other in rest:
                other.translation_of = new_original
        db.session.flush()
        return
    if original.event_id != document.event_id:
        raise DocumentError(_("Choose one of this event's documents."), field="translation_of_id")
    if original is document:
        raise DocumentError(_("A document cannot be a language version of itself."), field="translation_of_id")
    root = original.translation_of or original
    moving = [document]
    if document.translation_of_id is None:
        moving += language_versions(document)[1:]
    if root is document:
        root = original
    joined = {id(d): d for d in [*language_versions(original), *moving]}
    for member in joined.values():
        member.translation_of = None if member is root else root
    db.session.flush()
    _check_one_per_language(document)
    record(
        "document.language_version",
        user,
        document.event,
        summary=f"{document.title} ({document.language}) ↔ {root.title} ({root.language})",
    )


def _check_one_per_language(document: Document, field: str = "translation_of_id") -> None:
    """Refuse two versions of one text in the same language."""
    by_language: dict[str, list[Document]] = {}
    for version in language_versions(document):
        by_language.setdefault(version.language, []).append(version)
    for language, same in by_language.items():
        if len(same) > 1:
            twin = next(version for version in same if version is not document)
            raise DocumentError(
                _(
                    "%(title)s is this text's version in %(language)s already; a text has one version per language.",
                    title=twin.title,
                    language=locales.language_name(language),
                ),
                field=field,
            )


def _event_document(event, document_id) -> Document:
    try:
        document = get_document(event, int(document_id))
    except (TypeError, ValueError):
        document = None
    if document is None:
        raise DocumentError(_("Choose one of this event's documents."), field="translation_of_id")
    return document


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


def published_state(event) -> tuple:
    """What the event page's list of published documents shows, in one small query: each document's id, slug,
    kind and language, with its latest version (versions never change once published). The list is kept rendered
    under it (eventmgr.fragments), so that a page view does not load the versions' content."""
    if not event.id:
        return ()
    return tuple(
        tuple(row)
        for row in db.session.execute(
            select(Document.id, Document.slug, Document.kind, Document.language, func.max(DocumentVersion.id))
            .join(DocumentVersion, DocumentVersion.document_id == Document.id)
            .where(Document.event_id == event.id)
            .group_by(Document.id, Document.slug, Document.kind, Document.language)
            .order_by(Document.id)
        )
    )


def document_text(document: Document) -> list[DocumentSection]:
    """The document's sections in order, each with its paragraphs: two queries, however many sections it has."""
    return (
        db.session.execute(
            select(DocumentSection)
            .where(DocumentSection.document_id == document.id)
            .order_by(DocumentSection.position)
            .options(selectinload(DocumentSection.paragraphs))
        )
        .scalars()
        .all()
    )


def get_document(event, document_id: int) -> Document | None:
    document = db.session.get(Document, document_id)
    return document if document is not None and document.event_id == event.id else None


def public_document(event, slug: str) -> Document | None:
    """The document at /events/<event>/documents/<slug>, if it has been published."""
    document = db.session.execute(
        select(Document).where(Document.event_id == event.id, Document.slug == slug)
    ).scalar_one_or_none()
    return document if document is not None and document.versions else None
