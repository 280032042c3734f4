"""Events and series: public pages and the organisers' management area."""


def __getattr__(name: str):
    """The blueprints (bp, manage_bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.events.views import bp

        return bp
    if name == "manage_bp":
        from eventmgr.events.manage_views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
