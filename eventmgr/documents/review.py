"""Review: a draft sent for comment, comments on its paragraphs or on the whole, and the return to drafting."""

from flask_babel import gettext as _

from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import Document, DocumentComment, DocumentParagraph
from eventmgr.documents.structure import DocumentError
from eventmgr.extensions import db


def submit_for_review(document: Document, user) -> None:
    """Ask the organisers and the secretariat to comment before publication."""
    if document.status != "draft":
        raise DocumentError(_("Only a draft can be sent for review."))
    if not any(s.paragraphs for s in document.sections):
        raise DocumentError(_("Write at least one paragraph before asking for review."))
    document.status = "review"
    db.session.flush()
    record("document.review", user, document.event, summary=document.title)


def return_to_draft(document: Document, user) -> None:
    """End the review and go on drafting."""
    if document.status != "review":
        raise DocumentError(_("The document is not in review."))
    document.status = "draft"
    db.session.flush()
    record("document.draft", user, document.event, summary=document.title)


def add_comment(document: Document, user, body: str, paragraph: DocumentParagraph | None = None) -> DocumentComment:
    """Comment on a paragraph, or on the document as a whole."""
    body = (body or "").strip()
    if not body:
        raise DocumentError(_("Write a comment."), field="body")
    if len(body) > 5000:
        raise DocumentError(_("Keep comments under 5,000 characters."), field="body")
    if document.status == "published":
        raise DocumentError(_("Comments are taken on drafts and documents in review."), field="body")
    comment = DocumentComment(
        document=document, author_id=user.id, body=body, paragraph_id=paragraph.id if paragraph is not None else None
    )
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


def unresolved_count(document: Document) -> int:
    """How many review comments on the document nobody has marked as dealt with."""
    return sum(1 for comment in document.comments if comment.resolved_at is None)


def comments_by_paragraph(document: Document) -> dict[int | None, list[DocumentComment]]:
    """Open and resolved comments, grouped by paragraph id (None: about the whole document)."""
    grouped: dict[int | None, list[DocumentComment]] = {}
    for comment in document.comments:
        grouped.setdefault(comment.paragraph_id, []).append(comment)
    return grouped
