"""Site administration: accounts and site-wide roles."""


def __getattr__(name: str):
    """The blueprint (bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.admin.views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
