"""Outcome documents: the working copy (sections, numbered paragraphs, comments) and its frozen versions."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db

DOCUMENT_KINDS = {
    "recommendations": _l("Recommendations"),
    "final_conclusions": _l("Final conclusions"),
    "communique": _l("Communiqué"),
    "summary_report": _l("Summary report"),
    "other": _l("Other"),
}
#: "document status": Russian agrees the word with "документ".
DOCUMENT_STATUSES = {
    "draft": _lp("document status", "Draft"),
    "review": _lp("document status", "In review"),
    "published": _lp("document status", "Published"),
}


class Document(db.Model):
    """An outcome document of an event; its working copy is edited, its versions are frozen."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("event_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Used in /events/<event slug>/documents/<slug>; fixed once the document is first published.
    slug: Mapped[str] = mapped_column(String(80))
    #: One of DOCUMENT_KINDS.
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(500))
    #: The secretariat's reference code, e.g. "JEU/2012/REC/1"; printed in every page's footer.
    reference: Mapped[str] = mapped_column(String(80), default="")
    #: ISO 639-1 code of the document's language.
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: The document this one is a language version of (its original); versions of one text point at the same one.
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    #: Where it was adopted, e.g. "Dushanbe, Tajikistan"; filled from the event.
    place: Mapped[str] = mapped_column(String(200), default="")
    #: When, as printed, e.g. "28-29 February 2012"; filled from the event.
    dates: Mapped[str] = mapped_column(String(120), default="")
    #: One of DOCUMENT_STATUSES: the state of the working copy. "published" means it equals the latest version.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped["Event"] = relationship()  # noqa: F821
    # Updated after the rows are written: versions swapping which is the original would otherwise form a cycle.
    translation_of: Mapped["Document | None"] = relationship(remote_side="Document.id", post_update=True)
    sections: Mapped[list["DocumentSection"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentSection.position"
    )
    versions: Mapped[list["DocumentVersion"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentVersion.number"
    )
    comments: Mapped[list["DocumentComment"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentComment.created_at"
    )

    @property
    def kind_label(self) -> str:
        return str(DOCUMENT_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(DOCUMENT_STATUSES.get(self.status, self.status))

    @property
    def latest_version(self) -> "DocumentVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def is_public(self) -> bool:
        """Whether visitors can read it: once it has a published version."""
        return bool(self.versions)

    def __repr__(self) -> str:
        return f"<Document {self.slug}>"


class DocumentSection(db.Model):
    """A numbered section of the working copy, such as "2. Lessons learned"."""

    __tablename__ = "document_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    #: Order in the document; the section's number is its place among the sections.
    position: Mapped[int] = mapped_column(default=0)
    #: Without the number, which is added when shown; empty for a preamble without a heading.
    heading: Mapped[str] = mapped_column(String(300), default="")

    document: Mapped[Document] = relationship(back_populates="sections")
    paragraphs: Mapped[list["DocumentParagraph"]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="DocumentParagraph.position"
    )


class DocumentParagraph(db.Model):
    """A paragraph of a section: numbered (1), (2) ... within it, with an optional bold lead and lettered items."""

    __tablename__ = "document_paragraphs"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("document_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Unnumbered paragraphs (a closing sentence) take no number and do not advance the count.
    numbered: Mapped[bool] = mapped_column(default=True)
    #: Inline Markdown, printed in bold before the body.
    lead: Mapped[str] = mapped_column(Text, default="", info={"max_length": 2000})
    #: Markdown, sanitised when shown; blank lines separate paragraphs.
    body: Mapped[str] = mapped_column(Text, default="", info={"max_length": 20_000})
    #: Lettered items (a), (b) ... after the body, each inline Markdown.
    items: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    section: Mapped[DocumentSection] = relationship(back_populates="paragraphs")


class DocumentComment(db.Model):
    """A reviewer's remark on a paragraph (or on the document as a whole)."""

    __tablename__ = "document_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    #: None when about the whole document, or when its paragraph has since been deleted.
    paragraph_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_paragraphs.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Plain text, escaped when shown.
    body: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    document: Mapped[Document] = relationship(back_populates="comments")
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id], lazy="joined")  # noqa: F821


class DocumentVersion(db.Model):
    """A published version: its content frozen as JSON and its PDF rendered once, never changed afterwards."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    #: 1, 2, ... in order of publication.
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Why this version replaced the previous one ("Corrected paragraph 2.3").
    note: Mapped[str] = mapped_column(String(500), default="")
    #: Everything printed: metadata, sections and paragraphs (with their paragraph ids as keys), annex.
    content: Mapped[dict] = deferred(mapped_column(JSON, nullable=False))
    #: The tagged PDF (PDF/UA-1) as served; loaded only when asked for.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    #: Hex SHA-256 of `pdf`; the ETag it is served with.
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int]
    #: The archival rendering (PDF/A), made the first time someone asks for it.
    archive_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    archive_sha256: Mapped[str | None] = mapped_column(String(64))

    document: Mapped[Document] = relationship(back_populates="versions")
    published_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def title(self) -> str:
        return self.content.get("title", "")


class LetterSettings(db.Model):
    """Per event: the letterhead and the signatory of its visa support letters and certificates."""

    __tablename__ = "letter_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: The issuing body as printed at the top, e.g. "Border Management Programme in Central Asia".
    letterhead: Mapped[str] = mapped_column(String(300), default="")
    #: Postal address and contacts under the letterhead, one per line.
    letterhead_address: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(300), default="")


class VisaLetterApproval(db.Model):
    """An organiser's approval of one delegate's visa support letter."""

    __tablename__ = "visa_letter_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The letter's number, printed on it: "<event id>/<sequence>".
    reference: Mapped[str] = mapped_column(String(40))
