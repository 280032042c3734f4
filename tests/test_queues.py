"""The work queues (outbox, jobs, calendar updates) share one claim/lease/retry helper, eventmgr.queue: two workers
released together by a barrier never do the same item twice, and a failing or interrupted item holds up nobody.

Each worker is a thread with its own app context, so its own session and connection. On PostgreSQL the workers
skip each other's locked candidates and the conditional UPDATE decides between them; SQLite serialises them
with its write lock, and the same tests run there too.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventmgr import queue
from eventmgr.agenda import services as agenda
from eventmgr.agenda.models import EventSession
from eventmgr.calendar import services as calendar
from eventmgr.events.models import Event
from eventmgr.events.services import update_event
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.mail import services as mail
from eventmgr.mail.models import MailMessage
from eventmgr.people.services import create_person
from eventmgr.registration import services as registration

#: (item, worker) for each item a test's handlers did.
done: list[tuple[object, str]] = []
#: Holds each worker at its first item until the other has one too: both are at work at once, on two items.
both_at_work = threading.Barrier(2, timeout=10)


def at_work(item) -> None:
    """Note that this worker does the item; at its first, wait until the other worker is at one too."""
    worker = threading.current_thread().name
    first = all(other != worker for _item, other in done)
    done.append((item, worker))
    if first:
        both_at_work.wait()


@jobs.job_kind("test-queues-raced")
def _raced_job(job):
    at_work(job.id)
    return b"made", "text/plain", f"job-{job.id}.txt"


@jobs.job_kind("test-queues-interrupted")
def _interrupted_job(job):
    raise KeyboardInterrupt


@pytest.fixture(autouse=True)
def _forget_what_was_done():
    done.clear()
    both_at_work.reset()


def race(app, work, workers=2) -> dict[str, object]:
    """Run work() in `workers` threads named A, B ..., each in its own app context, released together by a
    barrier; return what each returned, by name. An exception in a worker fails the test."""
    from eventmgr.extensions import db

    barrier = threading.Barrier(workers, timeout=30)
    results, crashes = {}, []

    def worker():
        name = threading.current_thread().name
        with app.app_context():
            try:
                barrier.wait()
                results[name] = work()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
                crashes.append((name, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, name=chr(ord("A") + n)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not crashes, crashes
    return results


def owing_events(db, make_event, count: int) -> list[Event]:
    """Published events, each with a confirmed delegate, whose time changed: each owes its delegate an update."""
    events = []
    for n in range(count):
        event = make_event(title=f"Border Security Webinar {n}")
        registration.register(
            event,
            {"given_name": "Delegate", "family_name": f"Sultanova{n}", "email": f"d{n}@example.kz", "country": "KZ"},
        )
        update_event(
            event,
            {"start_at": event.start_at + timedelta(hours=1), "end_at": event.end_at + timedelta(hours=1)},
            None,
            None,
        )
        events.append(event)
    db.session.commit()
    return events


def owing_sessions(db, event: Event, count: int) -> list[EventSession]:
    """Sessions of the event, each with a presenter, whose title changed: each owes its presenter an update."""
    sessions = []
    for n in range(count):
        event_session = agenda.create_session(
            event,
            {
                "kind": "panel",
                "title": f"Panel {n}",
                "start_at": event.start_at,
                "end_at": event.start_at + timedelta(hours=1),
            },
            None,
        )
        agenda.add_participant(
            event_session,
            create_person({"full_name": f"Presenter {n}", "email": f"p{n}@example.org"}),
            "speaker",
            user=None,
        )
        agenda.update_session(event_session, {"title": f"Panel {n}, renamed"}, None)
        sessions.append(event_session)
    db.session.commit()
    return sessions


def later(app) -> datetime:
    """A moment at which the updates owed now are due."""
    return datetime.now(UTC) + timedelta(seconds=app.config["CALENDAR_UPDATE_DELAY"] + 1)


@pytest.fixture
def one_due_row_of_each_queue(app, db, make_event, make_user):
    """(queue, id of a row due now) for the outbox, jobs, and events' and sessions' calendar updates."""
    event = owing_events(db, make_event, 1)[0]
    (event_session,) = owing_sessions(db, event, 1)
    db.session.execute(MailMessage.__table__.delete())
    message = mail.queue_mail(to="aida@example.kz", subject="Your registration", body="You are registered.")
    job = jobs.enqueue("test-queues-raced", None, make_user())
    db.session.commit()
    return [
        (mail.OUTBOX, message.id),
        (jobs.JOBS, job.id),
        (calendar.EVENT_UPDATES, event.id),
        (calendar.SESSION_UPDATES, event_session.id),
    ]


def test_of_two_workers_claiming_the_same_row_at_once_one_wins(app, db, one_due_row_of_each_queue):
    """The conditional UPDATE alone decides, SKIP LOCKED aside: both try the same row at the same moment."""
    now = later(app)
    for work_queue, row_id in one_due_row_of_each_queue:
        won = race(app, lambda q=work_queue, r=row_id: queue.claim(q, r, now))
        assert sorted(won.values()) == [False, True], work_queue.name
        db.session.expire_all()
        row = db.session.get(work_queue.model, row_id)
        assert getattr(row, work_queue.due) > now  # leased
        if work_queue.attempts:
            assert getattr(row, work_queue.attempts) == 1  # counted once


def test_two_workers_send_each_message_once(app, db, mailbox, monkeypatch):
    for n in range(16):
        mail.queue_mail(to=f"d{n}@example.org", subject=f"Message {n}", body="Hello.")
    db.session.commit()
    real_send = mail._Postman.send

    def send(postman, email):
        at_work(int(email["Subject"].split()[-1]))
        real_send(postman, email)

    monkeypatch.setattr(mail._Postman, "send", send)
    sent = race(app, lambda: mail.send_queued(limit=100))
    assert sent["A"] + sent["B"] == 16 and sent["A"] and sent["B"]  # both took a share
    assert sorted(n for n, _worker in done) == list(range(16))  # each once
    assert sorted(m["Subject"] for m in mailbox.messages) == sorted(f"Message {n}" for n in range(16))
    db.session.expire_all()
    assert set(db.session.execute(select(MailMessage.state, MailMessage.attempts))) == {("sent", 1)}


def test_two_workers_run_each_job_once(app, db, make_user):
    user = make_user()
    ids = [jobs.enqueue("test-queues-raced", None, user, n=n).id for n in range(12)]
    db.session.commit()
    ran = race(app, lambda: jobs.run_due_jobs(limit=100))
    assert ran["A"] + ran["B"] == 12 and ran["A"] and ran["B"]
    assert sorted(job_id for job_id, _worker in done) == ids
    db.session.expire_all()
    assert set(db.session.execute(select(Job.state, Job.attempts).where(Job.id.in_(ids)))) == {("done", 1)}


def test_two_workers_queue_each_calendar_update_once(app, db, make_event, monkeypatch):
    events = owing_events(db, make_event, 6)
    sessions = owing_sessions(db, events[0], 6)
    db.session.execute(MailMessage.__table__.delete())
    db.session.commit()
    for name in ("_queue_event_update", "_queue_session_update"):
        real = getattr(calendar, name)

        def meanwhile(owed, real=real):
            at_work((owed.__tablename__, owed.id))
            return real(owed)

        monkeypatch.setattr(calendar, name, meanwhile)
    now = later(app)
    queued = race(app, lambda: calendar.queue_calendar_updates(now))
    assert queued["A"] + queued["B"] == 12 and queued["A"] and queued["B"]
    items = [item for item, _worker in done]
    assert len(items) == len(set(items)) == 12  # each once
    recipients = db.session.execute(select(MailMessage.recipient, func.count()).group_by(MailMessage.recipient))
    assert dict(recipients.all()) == {
        **{f"d{n}@example.kz": 1 for n in range(6)},
        **{f"p{n}@example.org": 1 for n in range(6)},
    }
    db.session.expire_all()
    for owed in [*events, *sessions]:
        assert (owed.calendar_sent_sequence, owed.calendar_update_due_at) == (owed.calendar_sequence, None)


def test_an_update_that_cannot_be_queued_holds_up_nobody_and_is_tried_after_its_lease(app, db, make_event, monkeypatch):
    broken, fine = owing_events(db, make_event, 2)
    real = calendar._queue_event_update

    def fails_for_the_first(event):
        if event.id == broken.id:
            raise RuntimeError("the template is broken")
        return real(event)

    monkeypatch.setattr(calendar, "_queue_event_update", fails_for_the_first)
    now = later(app)
    assert calendar.queue_calendar_updates(now) == 1
    db.session.expire_all()
    assert fine.calendar_sent_sequence == fine.calendar_sequence
    assert broken.calendar_sent_sequence < broken.calendar_sequence  # still owed...
    assert broken.calendar_update_due_at == now + calendar.UPDATE_LEASE  # ...once the lease has run out
    monkeypatch.undo()
    assert calendar.queue_calendar_updates(now) == 0
    assert calendar.queue_calendar_updates(now + calendar.UPDATE_LEASE) == 1


def test_a_worker_stopped_mid_job_gives_the_job_back(app, db, make_user):
    job = jobs.enqueue("test-queues-interrupted", None, make_user())
    db.session.commit()
    with pytest.raises(KeyboardInterrupt):
        jobs.run_due_jobs()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.state, job.attempts) == ("queued", 0)  # not a failure: the next worker starts afresh
    assert job.next_attempt_at <= datetime.now(UTC)


def test_a_message_whose_sender_died_on_its_last_attempt_is_marked_failed(app, db, mailbox):
    message = mail.queue_mail(to="aida@example.kz", subject="Your registration", body="You are registered.")
    message.attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
    db.session.commit()
    assert queue.claim(mail.OUTBOX, message.id, datetime.now(UTC))  # ...and its sender is killed here
    db.session.commit()
    assert mail.send_queued() == 0
    lease_over = datetime.now(UTC) + mail.SENDING_TIMEOUT + timedelta(seconds=1)
    assert queue.work(mail.OUTBOX, pytest.fail, now=lease_over) == []  # given up, not tried again
    db.session.expire_all()
    message = db.session.get(MailMessage, message.id)
    assert (message.state, message.attempts) == ("failed", app.config["MAIL_MAX_ATTEMPTS"])
    assert message.last_error == "The sender stopped before the message was sent."
    assert mailbox.messages == []


def test_flask_mail_send_queues_what_is_due_then_delivers_it(app, db, make_event, mailbox, runner):
    (event,) = owing_events(db, make_event, 1)
    mail.send_queued()  # the confirmation
    event.calendar_update_due_at = datetime.now(UTC)  # the organiser stopped editing a while ago
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.output == "Reminders queued: 0; calendar updates queued: 1; messages delivered: 1.\n"
    assert [m["Subject"] for m in mailbox.messages] == [
        "Registration confirmed: Border Security Webinar 0",
        "Updated: Border Security Webinar 0",
    ]
