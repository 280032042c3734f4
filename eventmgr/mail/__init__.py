"""The mail outbox: messages are stored first, then delivered over SMTP."""

from eventmgr.mail.hooks import bp

__all__ = ["bp"]
