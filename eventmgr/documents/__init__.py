"""Outcome documents (drafting, review, versions), letters, certificates and badges, printed by eventmgr/pdf.py."""


def init_app(app) -> None:
    """Give the worker the documents' jobs: Word imports, archival PDFs, certificates and badges."""
    # Their @job_kind decorators register them as the modules are imported (explicit calls once the split of
    # documents/services.py has landed).
    from eventmgr.documents import letters, services  # noqa: F401
