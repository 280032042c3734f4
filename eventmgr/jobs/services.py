"""Queue work for the worker; claim it there one job at a time, so that any number of workers on any number
of hosts share one queue and each job is done once.

A job is claimed by a conditional UPDATE (queued → running) that only one worker can win; on PostgreSQL the
candidate is first read with FOR UPDATE SKIP LOCKED, so that workers do not queue behind each other's rows.
A worker that dies mid-job leaves it running: after JOB_TIMEOUT it is queued again, until MAX_ATTEMPTS.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from eventmgr.database import utcnow
from eventmgr.extensions import db
from eventmgr.jobs.models import Job

log = logging.getLogger(__name__)

#: Finished jobs (and their files) kept per event and kind; older ones go when a new one is asked for.
KEEP = 5
#: kind -> function(job) returning (content, content type, file name)
_kinds: dict[str, Callable[[Job], tuple[bytes, str, str]]] = {}


def job_kind(name: str):
    """Register the function that does jobs of this kind."""

    def register(function):
        _kinds[name] = function
        return function

    return register


def time_limit() -> int:
    """Seconds a job's own work may take: well inside JOB_TIMEOUT, after which a job counts as abandoned."""
    return current_app.config["JOB_TIMEOUT"] * 2 // 3


def enqueue(kind: str, event, user, **params) -> Job:
    """Queue a job, or return the same one still waiting: asking twice does the work once."""
    if kind not in _kinds:
        raise ValueError(f"no job kind {kind!r}")
    pending = db.session.execute(
        select(Job).where(Job.kind == kind, Job.event_id == (event.id if event else None),
                          Job.state.in_(("queued", "running"))).order_by(Job.id.desc())
    ).scalars().first()
    if pending is not None and pending.params == params:
        return pending
    job = Job(kind=kind, event_id=event.id if event else None, params=params,
              requested_by_id=user.id if user else None)
    db.session.add(job)
    db.session.flush()
    same = (Job.kind == kind) & (Job.event_id == job.event_id)
    latest = select(Job.id).where(same).order_by(Job.id.desc()).limit(KEEP).scalar_subquery()
    db.session.execute(delete(Job).where(same, Job.state.in_(("done", "failed")), Job.id.not_in(latest)))
    return job


def recent_jobs(event, kind: str, limit: int = 5) -> list[Job]:
    return db.session.execute(
        select(Job).where(Job.event_id == event.id, Job.kind == kind).order_by(Job.id.desc()).limit(limit)
    ).scalars().all()


def run_due_jobs(limit: int = 10, now: datetime | None = None) -> int:
    """Do queued jobs, one claim at a time, until none is left or `limit` are done; return how many ran."""
    _requeue_abandoned(now or utcnow())
    ran = 0
    while ran < limit and (job := _claim_next(now or utcnow())) is not None:
        _run(job)
        ran += 1
    return ran


def _requeue_abandoned(now: datetime) -> None:
    """Jobs whose worker died: queued again while attempts remain, else failed."""
    config = current_app.config
    stale = now - timedelta(seconds=config["JOB_TIMEOUT"])
    running = (Job.state == "running") & (Job.started_at < stale)
    db.session.execute(update(Job).where(running, Job.attempts < config["JOB_MAX_ATTEMPTS"])
                       .values(state="queued"))
    db.session.execute(update(Job).where(running).values(
        state="failed", finished_at=now, error="The worker stopped before the job was done."))
    db.session.commit()


def _claim_next(now: datetime) -> Job | None:
    after = 0
    while True:
        query = select(Job.id).where(Job.state == "queued", Job.id > after).order_by(Job.id).limit(1)
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = db.session.execute(query).scalar_one_or_none()
        if job_id is None:
            db.session.commit()
            return None
        won = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                                 .values(state="running", started_at=now, attempts=Job.attempts + 1)).rowcount
        db.session.commit()
        if won == 1:
            return db.session.get(Job, job_id, populate_existing=True)
        after = job_id  # another worker (SQLite has no SKIP LOCKED) took it between the two statements


def _run(job: Job) -> None:
    try:
        content, content_type, filename = _kinds[job.kind](job)
    except Exception as error:  # noqa: BLE001 - whatever a job raises is recorded on it, not lost
        db.session.rollback()
        log.exception("Job %s (%s) failed", job.id, job.kind)
        job = db.session.get(Job, job.id)
        job.error = str(error)[:2000] or type(error).__name__
        job.state = "failed" if job.attempts >= current_app.config["JOB_MAX_ATTEMPTS"] else "queued"
        job.finished_at = utcnow() if job.state == "failed" else None
    else:
        job.result, job.result_size, job.content_type, job.filename = content, len(content), content_type, filename
        job.state, job.finished_at, job.error = "done", utcnow(), None
    db.session.commit()
