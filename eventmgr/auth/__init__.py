"""Accounts: log in and out, password reset, invitations, and permissions."""


def __getattr__(name: str):
    """The blueprint (bp), imported from the views on first use."""
    # Not at the top: the package is imported for its models everywhere, and importing views with
    # them would make import cycles between features.
    if name == "bp":
        from eventmgr.auth.views import bp

        return bp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def init_app(app) -> None:
    """Let the outbox make the account mails (password reset, failed logins) when it sends them."""
    # Their @message_maker decorators register them as the module is imported.
    from eventmgr.auth import services  # noqa: F401
