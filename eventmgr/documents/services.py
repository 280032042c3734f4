"""Outcome documents' services in one place, for views, commands and the API: each lives in a module of its concern.

structure (the document, its sections and paragraphs), imports (pasted text and Word files), publishing (versions,
their PDFs and the archival ones), review (comments), changes (comparing versions). Importing this module imports
them all, which registers the import and archive jobs with the worker.
"""

from eventmgr.documents.changes import change_count, compare
from eventmgr.documents.imports import (
    IMPORT_JOB,
    FileTooLarge,
    UnreadableFile,
    check_word_file,
    import_docx,
    import_jobs,
    import_text,
    import_word_file,
)
from eventmgr.documents.publishing import (
    PDF_VARIANT,
    RenderFailed,
    archive_job,
    archive_pending,
    document_content,
    get_version,
    load_archive,
    load_pdf,
    publish,
    queue_missing_archives,
    render_content_pdf,
    stored_pdf,
)
from eventmgr.documents.review import (
    add_comment,
    comments_by_paragraph,
    resolve_comment,
    return_to_draft,
    submit_for_review,
)
from eventmgr.documents.structure import (
    MAX_PARAGRAPHS,
    DocumentError,
    add_paragraph,
    add_section,
    create_document,
    delete_document,
    delete_paragraph,
    delete_section,
    document_locale,
    event_dates_text,
    event_documents,
    event_place,
    get_document,
    move_paragraph,
    move_section,
    public_document,
    published_documents,
    update_document,
    update_paragraph,
    update_section,
)

__all__ = [
    "IMPORT_JOB", "MAX_PARAGRAPHS", "PDF_VARIANT", "DocumentError", "FileTooLarge", "RenderFailed", "UnreadableFile",
    "add_comment", "add_paragraph", "add_section", "archive_job", "archive_pending", "change_count",
    "check_word_file", "comments_by_paragraph", "compare", "create_document", "delete_document", "delete_paragraph",
    "delete_section", "document_content", "document_locale", "event_dates_text", "event_documents", "event_place",
    "get_document", "get_version", "import_docx", "import_jobs", "import_text", "import_word_file", "load_archive",
    "load_pdf", "move_paragraph", "move_section", "public_document", "publish",
    "published_documents", "queue_missing_archives", "render_content_pdf", "resolve_comment", "return_to_draft",
    "stored_pdf", "submit_for_review", "update_document", "update_paragraph", "update_section",
]
