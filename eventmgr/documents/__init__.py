"""Outcome documents (drafting, review, versions), letters, certificates and badges, printed by eventmgr/pdf.py."""


def __getattr__(name: str):
    """The blueprints (bp, manage_bp, delegate_bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.documents.views import bp

        return bp
    if name == "manage_bp":
        from eventmgr.documents.manage_views import bp

        return bp
    if name == "delegate_bp":
        from eventmgr.documents.views import delegate_bp

        return delegate_bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app) -> None:
    """Give the worker the documents' jobs: Word imports, archival PDFs, certificates and badges."""
    # Their @job_kind decorators register them as the modules are imported (explicit calls once the split of
    # documents/services.py has landed).
    from eventmgr.documents import letters, services  # noqa: F401
