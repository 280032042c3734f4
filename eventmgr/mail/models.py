"""Queued and sent e-mail."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db


class MailMessage(db.Model):
    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One address per message, so that one bad address holds up nobody else.
    recipient: Mapped[str] = mapped_column(String(254))
    #: None until a message made when sent is made.
    subject: Mapped[str | None] = mapped_column(String(300))
    #: None until a message made when sent is made.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Attachments as a list of {filename, content_type, content (text) or content_base64}, or of
    #: {made_by, params}: made when the message is sent (mail.services.made_when_sent).
    attachments: Mapped[list | None] = mapped_column(JSON)
    #: Headers beyond the usual ones (mail.services.mail_headers): {from_name, reply_to, auto_submitted,
    #: list_unsubscribe}, any of them; None: none.
    headers: Mapped[dict | None] = mapped_column(JSON)
    #: {made_by, params} of a message whose recipient, subject and bodies are made when it is sent
    #: (mail.services.queue_made_when_sent); kept after it is made, to tell what made it.
    made: Mapped[dict | None] = mapped_column(JSON)
    #: Set when queued and kept on every attempt, so receivers can tell a resend.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: queued, sending, sent, logged (no SMTP server configured: written to a file in MAIL_DIRECTORY), failed, or
    #: dropped (made when sent, its maker found nobody to send it to).
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The event the message is about, for organisers' views of what went out.
    event_id: Mapped[int | None] = mapped_column(db.ForeignKey("events.id", ondelete="SET NULL"), index=True)
    #: The organiser's announcement this message is part of, to show its progress.
    announcement_id: Mapped[int | None] = mapped_column(
        db.ForeignKey("announcements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
