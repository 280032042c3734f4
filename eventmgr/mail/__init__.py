"""The mail outbox: messages are stored first, then delivered over SMTP."""
