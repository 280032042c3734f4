"""Accounts: log in and out, password reset, invitations, and permissions."""


def init_app(app) -> None:
    """Let the outbox make the account mails (password reset, failed logins) when it sends them."""
    # Their @message_maker decorators register them as the module is imported.
    from eventmgr.auth import services  # noqa: F401
