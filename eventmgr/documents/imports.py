"""Import pasted text or a Word file into a document's working copy, in the request or by the worker.

importing.py reads the text; this module keeps what it read within a document's limits and stores it.
"""

import hashlib
import time

from flask_babel import gettext as _
from flask_babel import ngettext

from eventmgr.documents import importing
from eventmgr.documents.models import Document, DocumentParagraph, DocumentSection
from eventmgr.documents.structure import MAX_ITEMS, MAX_PARAGRAPHS, MAX_SECTIONS, DocumentError, record_edit
from eventmgr.extensions import db
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.languages import in_language
from eventmgr.ordering import renumber

#: Word files whose text has more XML elements than this are imported by the worker, not in the request.
#: Measured through import_docx on the 2-core development machine (SQLite; PostgreSQL within 10 %): a
#: 400-paragraph document with lettered items (660 Word paragraphs, 4,400 elements) 0.1 s; 1,000 Word
#: paragraphs of 12 bold runs each (49,000 elements) 0.38 s; 147,000 such elements 1.1 s. Above this the
#: request would pass half a second; the largest file inspect_docx lets through takes the worker some 5 s.
INLINE_IMPORT_ELEMENTS = 50_000
#: Seconds an import in the request may take (gunicorn stops a worker at 30); the worker allows time_limit().
INLINE_IMPORT_SECONDS = 10
IMPORT_JOB = "document-import"


class FileTooLarge(DocumentError):
    """The uploaded file is, or unpacks to, more than a document may be."""

    status_code = 413


class UnreadableFile(DocumentError):
    """The uploaded file is not a Word file that can be read, or holds more than a document may."""

    status_code = 422


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


def import_docx(
    document: Document, data: bytes, user, replace: bool = True, time_limit: float = INLINE_IMPORT_SECONDS
) -> importing.ParsedDocument:
    """Read sections and paragraphs from a Word file into the working copy, within `time_limit` seconds."""
    try:
        parsed = importing.parse_docx(data, time.monotonic() + time_limit)
    except importing.ImportProblem as error:
        raise _file_error(error) from error
    return _apply_import(document, parsed, user, replace, field="file")


def import_word_file(
    document: Document, data: bytes, filename: str, user, replace: bool = True
) -> importing.ParsedDocument | Job:
    """Import a Word file now if it is short, else queue it for the worker and return the job; a file too large
    or unreadable is refused at once either way."""
    shape = check_word_file(data)
    if shape.elements <= INLINE_IMPORT_ELEMENTS:
        return import_docx(document, data, user, replace)
    return jobs.enqueue(
        IMPORT_JOB,
        document.event,
        user,
        payload=data,
        document_id=document.id,
        replace=bool(replace),
        filename=(filename or "document.docx")[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
    )


@jobs.job_kind(IMPORT_JOB)
def _import_job(job: Job) -> jobs.JobResult:
    document = db.session.get(Document, job.params["document_id"])
    if document is None:
        raise jobs.JobFailed(_("The document was deleted before the file was imported."))
    # As in publish(): a publication at the same moment waits, rather than freezing half an import.
    db.session.refresh(document, with_for_update=True)
    # Why it failed is kept as text for whoever asked: written in their account's language, not the worker's.
    requester = job.requested_by
    with in_language(requester.language if requester is not None else None):
        try:
            parsed = import_docx(
                document,
                job.payload,
                requester,
                replace=job.params.get("replace", True),
                time_limit=jobs.time_limit(),
            )
        except DocumentError as error:
            raise jobs.JobFailed(error.message) from error
    return jobs.JobResult(report={"sections": len(parsed.sections), "paragraphs": parsed.paragraph_count})


def import_jobs(document: Document, limit: int = 1) -> list[Job]:
    """The document's latest Word imports done by the worker, newest first."""
    return jobs.recent_jobs(document.event, IMPORT_JOB, limit=limit, document_id=document.id)


def _apply_import(document: Document, parsed: importing.ParsedDocument, user, replace: bool, field: str = "text"):
    if not parsed.paragraph_count:
        raise DocumentError(_("No paragraphs were found in what you imported."), field=field)
    kept = [] if replace else list(document.sections)
    if len(kept) + len(parsed.sections) > MAX_SECTIONS or parsed.paragraph_count > MAX_PARAGRAPHS:
        raise DocumentError(
            _(
                "That is more than a document may hold (%(sections)s, %(paragraphs)s).",
                sections=ngettext("%(num)d section", "%(num)d sections", MAX_SECTIONS),
                paragraphs=ngettext("%(num)d paragraph", "%(num)d paragraphs", MAX_PARAGRAPHS),
            ),
            field=field,
        )
    new_sections = [
        DocumentSection(
            heading=section.heading[:300],
            paragraphs=[
                DocumentParagraph(position=i, numbered=p.numbered, lead=p.lead, body=p.body, items=p.items[:MAX_ITEMS])
                for i, p in enumerate(section.paragraphs)
            ],
        )
        for section in parsed.sections
    ]
    document.sections = kept + new_sections
    renumber(document.sections)
    if parsed.title and (replace or not document.title):
        document.title = parsed.title[:500]
    record_edit(document, user, "document.import")
    return parsed
