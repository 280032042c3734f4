"""The programme of an event: sessions, their people, featured presenters and personal agendas."""


def __getattr__(name: str):
    """The blueprints (bp, manage_bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.agenda.views import bp

        return bp
    if name == "manage_bp":
        from eventmgr.agenda.manage_views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app) -> None:
    """Raise programme versions on every flush that changes what a programme shows."""
    from eventmgr.agenda import changes

    changes.listen()
