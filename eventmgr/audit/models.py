"""The audit log."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_event_id_created_at", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who acted; None for the system (CLI, demo data).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The event concerned; kept as None when the event (a draft) is deleted.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: What happened: event.create, event.update, event.publish, role.grant ...
    action: Mapped[str] = mapped_column(String(40))
    #: A line a person can read, e.g. the event's title at the time.
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Changed fields as {field: [before, after]}.
    changes: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
