"""Queue work for the worker; claim it there one job at a time (eventmgr.queue), so that any number of workers
on any number of hosts share one queue and each job is done once.

A claim sets the job running and leases it for JOB_TIMEOUT: a worker that dies mid-job leaves it running, and
once the lease has run out it is taken up again. A job that fails is queued again at once, and reported failed
once JOB_MAX_ATTEMPTS are spent (at once, if it raised JobFailed).

A job carries its input (params, and a payload such as an uploaded file) and leaves a file to download, a
report of what it did for the page that asked (JobResult), or its error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from eventmgr import queue
from eventmgr.database import utcnow
from eventmgr.extensions import db
from eventmgr.jobs.models import Job

#: Finished jobs (and their files) kept per event and kind; older ones go when a new one is asked for.
KEEP = 5


@dataclass
class JobResult:
    """What a job made: a file to download (content, its type and name), a report to show, or both."""

    content: bytes | None = None
    content_type: str | None = None
    filename: str | None = None
    report: dict | None = None


class JobFailed(Exception):
    """The job cannot succeed (its input is wrong, not the moment): it fails now with this message, untried again."""


#: kind -> function(job) returning a JobResult, or (content, content type, file name)
_kinds: dict[str, Callable[[Job], JobResult | tuple[bytes, str, str]]] = {}


def job_kind(name: str):
    """Register the function that does jobs of this kind."""

    def register(function):
        _kinds[name] = function
        return function

    return register


def time_limit() -> int:
    """Seconds a job's own work may take: well inside JOB_TIMEOUT, after which a job counts as abandoned."""
    return current_app.config["JOB_TIMEOUT"] * 2 // 3


def enqueue(kind: str, event, user, payload: bytes | None = None, **params) -> Job:
    """Queue a job, or return the same one still waiting: asking twice does the work once.

    `payload` is input too large for params (an uploaded file); put what tells one payload from another (its
    digest) in params too, since only params decide whether a waiting job is the same.
    """
    if kind not in _kinds:
        raise ValueError(f"no job kind {kind!r}")
    pending = (
        db.session.execute(
            select(Job)
            .where(
                Job.kind == kind, Job.event_id == (event.id if event else None), Job.state.in_(("queued", "running"))
            )
            .order_by(Job.id.desc())
        )
        .scalars()
        .all()
    )
    for job in pending:
        if job.params == params:
            return job
    job = Job(
        kind=kind,
        event_id=event.id if event else None,
        params=params,
        payload=payload,
        requested_by_id=user.id if user else None,
    )
    db.session.add(job)
    db.session.flush()
    same = (Job.kind == kind) & (Job.event_id == job.event_id)
    latest = select(Job.id).where(same).order_by(Job.id.desc()).limit(KEEP).scalar_subquery()
    db.session.execute(delete(Job).where(same, Job.state.in_(("done", "failed")), Job.id.not_in(latest)))
    return job


def recent_jobs(event, kind: str, limit: int = 5, **params) -> list[Job]:
    """The event's latest jobs of a kind, newest first; with params, only those about that (document_id=7)."""
    found = (
        db.session.execute(
            select(Job)
            .where(Job.event_id == event.id, Job.kind == kind)
            .order_by(Job.id.desc())
            .limit(KEEP * 4 if params else limit)
        )
        .scalars()
        .all()
    )
    # Compared here rather than in SQL: JSON is queried differently by every database, and the rows are few.
    return [job for job in found if params.items() <= job.params.items()][:limit]


def pending_job(event, kind: str, **params) -> Job | None:
    """The job of this kind about that (version_id=3) still waiting or running, if any."""
    found = (
        db.session.execute(
            select(Job)
            .where(
                Job.event_id == (event.id if event else None), Job.kind == kind, Job.state.in_(("queued", "running"))
            )
            .order_by(Job.id.desc())
        )
        .scalars()
        .all()
    )
    return next((job for job in found if params.items() <= job.params.items()), None)


#: Queued jobs: claimed one at a time, tried again at once after a failure until JOB_MAX_ATTEMPTS.
JOBS = queue.Queue(
    "job",
    Job,
    waiting=Job.state.in_(("queued", "running")),
    due="next_attempt_at",
    lease=lambda: timedelta(seconds=current_app.config["JOB_TIMEOUT"]),
    max_attempts=lambda: current_app.config["JOB_MAX_ATTEMPTS"],
    backoff=lambda attempts: timedelta(0),
    claimed={"state": "running", "started_at": queue.NOW},
    retried={"state": "queued"},
    given_up={"state": "failed", "finished_at": queue.NOW, "payload": None},
    error="error",
    error_length=2000,
    final_errors=(JobFailed,),
    abandoned=_l("The worker stopped before the job was done."),
)


def run_due_jobs(limit: int = 10, now: datetime | None = None) -> int:
    """Do queued jobs, one claim at a time, until none is left or `limit` are done; return how many ran."""
    return len(queue.work(JOBS, _run, limit=limit, now=now))


def _run(job: Job) -> None:
    """Do a claimed job and keep what it made; its input goes."""
    result = _kinds[job.kind](job)
    if isinstance(result, tuple):
        result = JobResult(*result)
    job.result, job.content_type, job.filename = result.content, result.content_type, result.filename
    job.result_size = len(result.content) if result.content is not None else None
    job.report, job.payload = result.report, None
    job.state, job.finished_at, job.error = "done", utcnow(), None
