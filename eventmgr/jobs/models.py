"""A queued piece of work with what it needs (its parameters and, for an upload, the file) and, once done, the
file it made or the report of what it did."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db

#: queued → running → done, or back to queued after a failure until the attempts run out, then failed.
JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_id", "state", "id"),
        Index("ix_jobs_event_id_kind_created_at", "event_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to do: a name registered with eventmgr.jobs.services.job_kind.
    kind: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: What the work is about, e.g. {"document_id": 7}; asking again with the same ones while waiting is one job.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The job's input too large for params (an uploaded Word file); loaded only by the worker, dropped once
    #: the job is done or has failed for good.
    payload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a queued job may be claimed; while it runs, when its worker's lease ends (it is then taken for dead).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last failure, for the organiser and the log.
    error: Mapped[str | None] = mapped_column(Text)
    #: The file made (loaded only when downloaded), its type and the name it is saved under.
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    result_size: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(200))
    #: What the job did, for the page that asked for it, e.g. {"sections": 3, "paragraphs": 12}.
    report: Mapped[dict | None] = mapped_column(JSON)

    requested_by = relationship("User", lazy="joined")

    @property
    def is_pending(self) -> bool:
        return self.state in ("queued", "running")
