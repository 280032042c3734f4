"""Publish a document's working copy as a numbered version with its PDF, and keep and serve the versions' PDFs.

The worker makes each version's archival PDF (PDF/A) after publication; visitors' downloads never render one.
"""

import hashlib
import itertools
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import DOCUMENT_KINDS, Document, DocumentVersion
from eventmgr.documents.review import unresolved_count
from eventmgr.documents.structure import DocumentError, document_locale, other_language_versions
from eventmgr.extensions import db
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.languages import in_language

#: Seconds a publication may spend rendering its PDF before it is given up: inside gunicorn's 30 s worker timeout.
DEFAULT_RENDER_TIMEOUT = 25
#: The tagged, accessible variant every published PDF is; the archival one is made on request.
PDF_VARIANT = "pdf/ua-1"
ARCHIVE_VARIANT = "pdf/a-3a"
ARCHIVE_JOB = "document-archive"


class RenderFailed(DocumentError):
    """The PDF could not be rendered; nothing was published."""

    status_code = 503


# --- The content of a version -----------------------------------------------------------------------


def participation_annex(event, language: str = "en") -> dict:
    """Countries and organisations taking part, by name: once the event has ended and the desk recorded who came,
    of the delegates who attended; before that, of those registered (confirmed). Each delegate's own country and
    organisation counts, and so do those a delegation is sent by. When the event has registered delegations, also
    each delegation with its members ("delegations")."""
    from eventmgr.registration import participants
    from eventmgr.registration.models import Registration

    attended = Registration.checked_in_at.is_not(None)
    ended = event.end_at <= utcnow()
    if ended and _any(select(Registration.id).where(Registration.event_id == event.id, attended)):
        taking_part = attended
    else:
        taking_part = (Registration.status == "confirmed") | attended
    rows = (
        db.session.execute(select(Registration).where(Registration.event_id == event.id, taking_part)).scalars().all()
    )
    locale = document_locale(language)
    codes = {r.country for r in rows} | {r.delegation_group.country for r in rows if _sent_by_delegation(r)}
    countries = sorted({locales.country_name(code, locale) for code in codes if code}, key=str.casefold)
    organisations: dict[str, str] = {}
    for registration in rows:
        names = [registration.organisation_display]
        if _sent_by_delegation(registration) and registration.delegation_group.organisation is not None:
            names.append(registration.delegation_group.organisation.name)
        for name in (n.strip() for n in names):
            if name:
                organisations.setdefault(name.casefold(), name)
    annex = {"countries": countries, "organisations": sorted(organisations.values(), key=str.casefold)}
    if participants.has_delegations(event):
        annex["delegations"] = _delegations_annex(rows, locale)
    return annex


def _any(query) -> bool:
    return db.session.execute(query.limit(1)).first() is not None


def _sent_by_delegation(registration) -> bool:
    delegation = registration.delegation_group
    return delegation is not None and delegation.cancelled_at is None


def _delegations_annex(rows, locale) -> list[dict]:
    """Each delegation with its members: named when they agreed to be listed publicly (the annex is published),
    counted otherwise; the head named apart. A country's delegation is named in the document's language."""
    from eventmgr.registration import participants

    groups, _individuals = participants.by_delegation(rows)
    annex = [
        {
            "name": locales.country_name(group.delegation.country, locale) if group.delegation.country else group.name,
            "head": group.head.full_name if group.head and group.head.list_publicly else None,
            "members": [m.full_name for m in group.members if m.list_publicly and m is not group.head],
            "unlisted": sum(1 for m in group.members if not m.list_publicly),
        }
        for group in groups
    ]
    return sorted(annex, key=lambda delegation: delegation["name"].casefold())


def _organisation_names(event, role: str) -> list[str]:
    return [f"{o.name} ({o.acronym})" if o.acronym else o.name for o in event.organisations_with_role(role)]


def document_content(document: Document, number: int | None = None) -> dict:
    """Everything a version prints, numbered: the working copy as it is now, with the event's annex."""
    event = document.event
    with in_language(document.language):  # stored with the version, in the document's language
        kind_label = str(DOCUMENT_KINDS.get(document.kind, document.kind))
    return {
        "kind": document.kind,
        "kind_label": kind_label,
        "title": document.title,
        "reference": document.reference,
        "language": document.language,
        "place": document.place,
        "dates": document.dates,
        "version": number,
        "event": {"title": _event_title(document), "slug": event.slug},
        "hosts": _organisation_names(event, "host"),
        "co_organisers": _organisation_names(event, "co_organiser"),
        "author": _author(document),
        "annex": participation_annex(event, document.language),
        "sections": numbered_sections(document.sections),
        # The PDF links to them at their public address: a version published later is found there once it is.
        "language_versions": [
            {"language": other.language, "slug": other.slug} for other in other_language_versions(document)
        ],
    }


def _event_title(document: Document) -> str:
    """The event's title in the document's language, if the organiser gave it, else as written."""
    event = document.event
    return event.translation(document.language, "title") or event.title


def numbered_sections(sections) -> list[dict]:
    """Sections as printed and as the editor shows them: those with a heading numbered from 1 (a preamble takes no
    number), and in each the numbered paragraphs from 1."""
    headed = itertools.count(1)
    return [
        {
            "key": section.id,
            "number": next(headed) if section.heading else None,
            "heading": section.heading,
            "paragraphs": _numbered_paragraphs(section.paragraphs),
        }
        for section in sections
    ]


def _numbered_paragraphs(paragraphs) -> list[dict]:
    numbered = itertools.count(1)
    return [
        {
            "key": paragraph.id,
            "number": next(numbered) if paragraph.numbered else None,
            "lead": paragraph.lead,
            "body": paragraph.body,
            "items": list(paragraph.items or []),
        }
        for paragraph in paragraphs
    ]


def render_content_pdf(
    content: dict, variant: str = PDF_VARIANT, published_at=None, timeout: float | None = None
) -> bytes:
    """Typeset a document's content as an A4 PDF with the one renderer."""
    from eventmgr.pdf import RenderError, html_to_pdf, render_html

    # Labels, footer and metadata in the document's language (the default one if the interface lacks it).
    with in_language(content.get("language")):
        html_text = render_html("document.html", doc=content, published_at=published_at)
    if timeout is None:
        timeout = current_app.config.get("DOCUMENT_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT)
    try:
        return html_to_pdf(html_text, variant=variant, timeout=timeout)
    except RenderError as error:
        current_app.logger.warning("Document PDF failed: %s", error)
        raise RenderFailed(
            _(
                "The PDF could not be rendered, so nothing was published. Try again; if it fails "
                "again, shorten the document or tell the site's administrators."
            )
        ) from error


def _author(document: Document) -> str:
    """Who the PDF names as author: the hosts, else the event."""
    hosts = _organisation_names(document.event, "host")
    return "; ".join(hosts) if hosts else _event_title(document)


# --- Publishing ------------------------------------------------------------------------------------


def publish(document: Document, user, note: str = "", accept_unresolved: bool = False) -> DocumentVersion:
    """Freeze the working copy as the next version and render its PDF once; nothing changes if that fails.

    Review comments still open stop it, unless the publisher confirms (`accept_unresolved`) they know of them.
    """
    # Two secretariat members pressing Publish at once: the second waits here, then finds it published.
    db.session.refresh(document, with_for_update=True)
    if document.status == "published":
        raise DocumentError(_("This version is already published; change the text to publish a correction."))
    if not any(s.paragraphs for s in document.sections):
        raise DocumentError(_("Write at least one paragraph before publishing."))
    if document.versions and not note.strip():
        raise DocumentError(_("Say what this correction changes."), field="note")
    unresolved = unresolved_count(document)
    if unresolved and not accept_unresolved:
        raise DocumentError(
            ngettext(
                "%(num)d review comment is unresolved. Resolve it, or confirm that you publish with it unresolved.",
                "%(num)d review comments are unresolved. "
                "Resolve them, or confirm that you publish with them unresolved.",
                unresolved,
            ),
            field="accept_unresolved",
        )
    number = (
        db.session.execute(
            select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
        ).scalar()
        or 0
    ) + 1
    published_at = utcnow()
    content = document_content(document, number)
    content["published_at"] = published_at.isoformat()
    # Rendered before anything is written: a failure or a timeout leaves the document as it was.
    pdf = render_content_pdf(content, published_at=published_at)
    version = DocumentVersion(
        document=document,
        number=number,
        published_at=published_at,
        published_by_id=user.id if user else None,
        note=note.strip()[:500],
        content=content,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
    )
    db.session.add(version)
    document.status = "published"
    db.session.flush()
    queue_archive_pdf(version, user)
    record("document.publish", user, document.event, summary=f"{document.title} (version {number})")
    return version


def get_version(document: Document, number: int) -> DocumentVersion | None:
    return next((v for v in document.versions if v.number == number), None)


# --- The archival PDF ------------------------------------------------------------------------------


def queue_archive_pdf(version: DocumentVersion, user=None) -> Job:
    """Ask the worker for the version's archival PDF (PDF/A); visitors' downloads never render it."""
    return jobs.enqueue(ARCHIVE_JOB, version.document.event, user, version_id=version.id)


def make_archive_pdf(version: DocumentVersion, timeout: float | None = None) -> None:
    """Render the version's archival PDF from its frozen content and keep it, unless it has one already."""
    if version.archive_sha256 is None:
        pdf = render_content_pdf(
            version.content, variant=ARCHIVE_VARIANT, published_at=version.published_at, timeout=timeout
        )
        version.archive_pdf = pdf
        version.archive_sha256 = hashlib.sha256(pdf).hexdigest()
        db.session.flush()


@jobs.job_kind(ARCHIVE_JOB)
def _archive_job(job: Job) -> jobs.JobResult:
    version = db.session.get(DocumentVersion, job.params["version_id"])
    if version is None:
        raise jobs.JobFailed(_("The version no longer exists."))
    make_archive_pdf(version, timeout=jobs.time_limit())
    return jobs.JobResult(report={"version": version.number})


def queue_missing_archives() -> int:
    """Queue the archival PDF of every published version without one and without a job at work on it."""
    missing = (
        db.session.execute(
            select(DocumentVersion).where(DocumentVersion.archive_sha256.is_(None)).order_by(DocumentVersion.id)
        )
        .scalars()
        .all()
    )
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


# --- Serving the stored PDFs -------------------------------------------------------------------------


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
    return db.session.execute(select(DocumentVersion.archive_pdf).where(DocumentVersion.id == version_id)).scalar_one()


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
