"""Jobs: work too long for a request (badges for every delegate), done by `flask worker`, each job once."""

import re
import sys
import threading
from datetime import timedelta

import pytest
from helpers import IN_PERSON, pdf_info, pdf_words
from sqlalchemy import select

from eventmgr.database import utcnow
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.registration import services as registration_services

#: What the test kinds below did, as (job id, thread name).
done_by: list[tuple[int, str]] = []
#: When a test sets it, each worker thread's first test-slow job waits here until every worker holds a job.
all_at_work: threading.Barrier | None = None


@jobs.job_kind("test-slow")
def _slow(job):
    name = threading.current_thread().name
    first_of_this_worker = all(thread != name for _job_id, thread in done_by)
    done_by.append((job.id, name))
    if all_at_work is not None and first_of_this_worker:
        all_at_work.wait(timeout=10)
    return b"made", "text/plain", f"job-{job.id}.txt"


@jobs.job_kind("test-failing")
def _failing(job):
    raise RuntimeError("the renderer ran out of time")


@jobs.job_kind("test-count")
def _count(job):
    """Read the job's payload and report on it, as an import does."""
    words = job.payload.decode().split()
    if not words:
        raise jobs.JobFailed("There is nothing to count.")
    return jobs.JobResult(report={"words": len(words)})


@pytest.fixture(autouse=True)
def _forget_what_was_done():
    done_by.clear()


@pytest.fixture
def conference(make_user, make_event, make_registration):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, title="Regional Conference on Border Security", capacity=100, **IN_PERSON)
    for n in range(9):
        make_registration(event, f"d{n}@example.kz", family_name=f"Nurlanova{n}", organisation_name="Border Service")
    return event, organiser


def test_the_worker_renders_the_badges_an_organiser_asked_for(conference, client, login, post, runner, tmp_path):
    event, organiser = conference
    slug, organiser_id = event.slug, organiser.id  # the worker's round ends its session: read them now
    login(organiser)
    letters = f"/manage/events/{event.id}/documents/letters"
    assert post(f"{letters}/badges", token_from=letters).status_code == 302
    waiting = client.get(letters).text
    assert "Being prepared" in waiting and "data-pending" in waiting  # the list looks again by itself

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "jobs done: 1." in result.output

    ready = client.get(letters).text
    assert "Being prepared" not in ready and "data-pending" not in ready
    link = re.search(r'href="([^"]+/letters/jobs/(\d+)\.pdf)"', ready)
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert f'filename="{slug}-badges.pdf"' in pdf.headers["Content-Disposition"]
    assert int(pdf_info(pdf.data, tmp_path)["Pages"]) == 2  # nine delegates, eight to a page
    job = db_job(int(link.group(2)))
    assert (job.state, job.attempts, job.requested_by_id, job.result_size) == ("done", 1, organiser_id, len(pdf.data))


def test_every_certificate_in_one_pdf(conference, client, login, post, db, tmp_path):
    from eventmgr.registration.models import Registration

    event, organiser = conference
    delegates = db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()
    # Attendance is certified once the event has ended: the conference took place last month.
    event.start_at, event.end_at = event.start_at - timedelta(days=60), event.end_at - timedelta(days=60)
    for registration in delegates[:3]:
        registration_services.check_in(registration, organiser, now=event.start_at + timedelta(minutes=20))
    db.session.commit()
    login(organiser)
    letters = f"/manage/events/{event.id}/documents/letters"
    assert "Prepare all 3 certificates in one PDF" in client.get(letters).text
    assert post(f"{letters}/certificates", token_from=letters).status_code == 302
    assert jobs.run_due_jobs() == 1
    link = re.search(r'href="([^"]+/letters/jobs/\d+\.pdf)">[^<]*-certificates\.pdf', client.get(letters).text)
    pdf = client.get(link.group(1)).data
    assert int(pdf_info(pdf, tmp_path)["Pages"]) == 3  # one to a page
    text = pdf_words(pdf, tmp_path)
    assert text.count("Certificate of attendance") == 3
    assert all(r.family_name in text for r in delegates[:3]) and delegates[3].family_name not in text


def db_job(job_id: int) -> Job:
    from eventmgr.extensions import db

    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_asking_again_while_one_waits_makes_no_second_job(conference, db):
    event, organiser = conference
    first = jobs.enqueue("badges", event, organiser)
    db.session.commit()
    assert jobs.enqueue("badges", event, organiser).id == first.id
    jobs.run_due_jobs()
    assert jobs.enqueue("badges", event, organiser).id != first.id  # once done, a new one is a new request


def test_the_last_five_files_of_a_kind_are_kept(conference, db):
    event, organiser = conference
    made = []
    for n in range(jobs.KEEP + 2):
        made.append(jobs.enqueue("test-slow", event, organiser, n=n).id)
        db.session.commit()
        jobs.run_due_jobs()
    other = jobs.enqueue("badges", event, organiser).id  # another kind keeps its own
    db.session.commit()
    kept = db.session.execute(select(Job.id).where(Job.event_id == event.id).order_by(Job.id)).scalars().all()
    assert kept == made[-jobs.KEEP :] + [other]


def test_only_the_events_organisers_get_its_files(conference, client, login, make_user, make_event, db):
    event, organiser = conference
    job = jobs.enqueue("badges", event, organiser)
    db.session.commit()
    url = f"/manage/events/{event.id}/documents/letters/jobs/{job.id}.pdf"
    login(organiser)
    assert client.get(url).status_code == 404  # not made yet
    jobs.run_due_jobs()
    assert client.get(url).status_code == 200
    other = make_event(organiser=organiser)
    assert client.get(f"/manage/events/{other.id}/documents/letters/jobs/{job.id}.pdf").status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    login(make_user(name="Oscar Outsider"))
    assert client.get(url).status_code == 403


def _token(client):
    from conftest import csrf_token

    return csrf_token(client, "/manage/")


def test_a_failing_job_is_tried_again_then_reported(conference, app, client, login, db, monkeypatch):
    event, organiser = conference
    job = jobs.enqueue("test-failing", event, organiser)
    db.session.commit()
    assert jobs.run_due_jobs() == app.config["JOB_MAX_ATTEMPTS"]
    job = db_job(job.id)
    assert (job.state, job.attempts, job.error) == ("failed", 3, "the renderer ran out of time")
    assert job.result is None and job.finished_at is not None

    from eventmgr.documents import letters
    from eventmgr.documents.services import RenderFailed

    def too_slow(*args, **kwargs):
        raise RenderFailed("The PDF could not be rendered in time; try again in a moment.")

    monkeypatch.setattr(letters, "badges_pdf", too_slow)
    jobs.enqueue("badges", event, organiser)
    db.session.commit()
    jobs.run_due_jobs()
    login(organiser)
    page = client.get(f"/manage/events/{event.id}/documents/letters").text
    assert "Could not be prepared: The PDF could not be rendered in time" in page


def test_a_job_whose_worker_died_is_taken_up_again(conference, app, db):
    event, organiser = conference
    abandoned = jobs.enqueue("test-slow", event, organiser)
    hopeless = jobs.enqueue("test-failing", event, organiser)
    long_ago = utcnow() - timedelta(seconds=app.config["JOB_TIMEOUT"] + 1)
    abandoned.state, abandoned.started_at, abandoned.attempts = "running", long_ago, 1
    hopeless.state, hopeless.started_at, hopeless.attempts = "running", long_ago, app.config["JOB_MAX_ATTEMPTS"]
    recent = jobs.enqueue("test-slow", None, organiser)
    recent.state, recent.started_at = "running", utcnow()  # still at work somewhere: left alone
    recent.next_attempt_at = utcnow() + timedelta(seconds=app.config["JOB_TIMEOUT"])  # its worker's lease
    db.session.commit()
    assert jobs.run_due_jobs() == 1
    assert [job_id for job_id, _thread in done_by] == [abandoned.id]
    assert (db_job(abandoned.id).state, db_job(abandoned.id).attempts) == ("done", 2)
    assert db_job(hopeless.id).state == "failed" and "stopped" in db_job(hopeless.id).error
    assert db_job(recent.id).state == "running"


def test_two_workers_do_each_job_once(app, db, make_user, monkeypatch):
    """Two workers on one queue (on PostgreSQL they skip each other's locked rows; on SQLite the
    conditional claim decides): every job is done, each by one worker, in one attempt."""
    user = make_user()
    ids = [jobs.enqueue("test-slow", None, user, n=n).id for n in range(12)]
    db.session.commit()
    # Each worker's first job waits for the other to hold one: both claim while the other is at work.
    monkeypatch.setattr(sys.modules[__name__], "all_at_work", threading.Barrier(2))
    ran = {}

    def worker(name):
        with app.app_context():
            ran[name] = jobs.run_due_jobs(limit=100)

    threads = [threading.Thread(target=worker, args=(name,), name=name) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(job_id for job_id, _thread in done_by) == ids  # each once
    assert ran["A"] + ran["B"] == len(ids) and ran["A"] and ran["B"]  # and both took a share
    db.session.expire_all()
    states = db.session.execute(select(Job.state, Job.attempts).where(Job.id.in_(ids))).all()
    assert set(states) == {("done", 1)}


def test_a_job_carries_its_input_and_reports_what_it_did(conference, db):
    event, organiser = conference
    job = jobs.enqueue("test-count", event, organiser, payload=b"three small words", name="words.txt")
    db.session.commit()
    assert jobs.pending_job(event, "test-count", name="words.txt").id == job.id
    assert jobs.pending_job(event, "test-count", name="other.txt") is None
    assert jobs.run_due_jobs() == 1
    job = db_job(job.id)
    assert (job.state, job.report, job.error, job.result, job.result_size) == ("done", {"words": 3}, None, None, None)
    assert job.payload is None  # the input goes once the work is done
    assert jobs.pending_job(event, "test-count", name="words.txt") is None
    assert [j.id for j in jobs.recent_jobs(event, "test-count", name="words.txt")] == [job.id]
    assert jobs.recent_jobs(event, "test-count", name="other.txt") == []


def test_a_job_that_cannot_succeed_fails_at_once_and_drops_its_input(conference, db):
    event, organiser = conference
    job = jobs.enqueue("test-count", event, organiser, payload=b"   ")
    db.session.commit()
    assert jobs.run_due_jobs() == 1  # not tried again: the same input would fail the same way
    job = db_job(job.id)
    assert (job.state, job.attempts, job.error, job.payload) == ("failed", 1, "There is nothing to count.", None)


def test_asking_again_with_other_input_while_one_waits_is_another_job(conference, db):
    event, organiser = conference
    first = jobs.enqueue("test-count", event, organiser, payload=b"one", digest="1")
    second = jobs.enqueue("test-count", event, organiser, payload=b"one two", digest="2")
    assert jobs.enqueue("test-count", event, organiser, payload=b"one", digest="1").id == first.id != second.id
    db.session.commit()
    assert jobs.run_due_jobs() == 2
    assert [db_job(j.id).report for j in (first, second)] == [{"words": 1}, {"words": 2}]
