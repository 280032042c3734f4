"""The mail outbox: messages are stored with their transaction, then delivered over SMTP exactly once."""

import socket
from datetime import timedelta

import pytest
from conftest import csrf_token
from sqlalchemy import select

from eventmgr.database import utcnow
from eventmgr.mail.models import MailMessage
from eventmgr.mail.services import queue_mail, send_queued


def queued(db, **fields) -> MailMessage:
    """Queue one message and commit it."""
    message = queue_mail(
        **({"to": "aida@example.kz", "subject": "Your registration", "body": "You are registered."} | fields)
    )
    db.session.commit()
    return message


def reload(db, message: MailMessage) -> MailMessage:
    db.session.expire_all()
    return db.session.get(MailMessage, message.id)


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_queue_mail_stores_the_message_without_sending_it(db, mailbox):
    message = queued(db, html="<p>You are registered.</p>")
    stored = reload(db, message)
    assert (stored.recipient, stored.subject, stored.body_text, stored.body_html) == (
        "aida@example.kz",
        "Your registration",
        "You are registered.",
        "<p>You are registered.</p>",
    )
    assert (stored.state, stored.attempts, stored.sent_at, stored.last_error) == ("queued", 0, None, None)
    assert stored.message_id.startswith("<") and stored.message_id.endswith("@eventmgr.test>")
    assert stored.next_attempt_at <= utcnow()
    assert mailbox.messages == []


def test_a_rolled_back_message_is_never_sent(db, mailbox):
    queue_mail(to="aida@example.kz", subject="Never", body="This transaction fails.")
    db.session.rollback()
    assert send_queued() == 0
    assert db.session.execute(select(MailMessage)).first() is None
    assert mailbox.messages == []


def test_send_queued_delivers_each_message_exactly_once(db, mailbox):
    first = queued(db, html="<p>You are <b>registered</b>.</p>")
    second = queued(db, to="bakyt@example.kg", subject="Another")
    assert send_queued() == 2
    assert send_queued() == 0  # a second run finds nothing left to send

    messages = mailbox.messages
    assert [m["To"] for m in messages] == ["aida@example.kz", "bakyt@example.kg"]
    email = messages[0]
    assert email["Subject"] == "Your registration"
    assert email["From"] == "Events <events@eventmgr.test>"
    assert email["Message-ID"] == first.message_id
    assert email.get_body(("plain",)).get_content().strip() == "You are registered."
    assert "<b>registered</b>" in email.get_body(("html",)).get_content()
    for message in (first, second):
        stored = reload(db, message)
        assert (stored.state, stored.attempts, stored.last_error) == ("sent", 1, None)
        assert stored.sent_at is not None


def test_a_message_another_sender_claimed_is_not_sent_again(db, mailbox):
    from eventmgr.mail.services import OUTBOX
    from eventmgr.queue import claim

    message = queued(db)
    assert claim(OUTBOX, message.id, utcnow()) is True
    assert claim(OUTBOX, message.id, utcnow()) is False  # the second of two workers gets nothing
    assert send_queued() == 0
    assert mailbox.messages == []
    assert reload(db, message).attempts == 1


def test_a_message_whose_sender_died_is_sent_later(db, mailbox, monkeypatch):
    from eventmgr import queue
    from eventmgr.mail import services

    message = queued(db)
    assert queue.claim(services.OUTBOX, message.id, utcnow()) is True  # ...and the worker that claimed it is killed
    db.session.commit()
    assert send_queued() == 0  # a sender may still be at work on it
    later = utcnow() + services.SENDING_TIMEOUT + timedelta(seconds=1)
    monkeypatch.setattr(queue, "utcnow", lambda: later)
    assert send_queued() == 1
    assert [m["To"] for m in mailbox.messages] == ["aida@example.kz"]
    assert (reload(db, message).state, reload(db, message).attempts) == ("sent", 2)


def test_a_message_that_cannot_be_built_waits_and_the_others_go(db, mailbox):
    from eventmgr.mail.services import attachment_maker, made_when_sent

    @attachment_maker("test.broken")
    def broken(**params):
        raise RuntimeError("the calendar could not be made")

    bad = queued(db, to="broken@example.org", attachments=[made_when_sent("test.broken")])
    fine = queued(db, to="fine@example.org")
    assert send_queued() == 1
    assert [m["To"] for m in mailbox.messages] == ["fine@example.org"]
    bad = reload(db, bad)
    assert (bad.state, bad.last_error) == ("queued", "the calendar could not be made")
    assert bad.next_attempt_at > utcnow()  # tried again later, with the usual backoff
    assert reload(db, fine).state == "sent"


def test_a_message_made_when_sent_is_made_then_or_dropped(db, mailbox, monkeypatch):
    from eventmgr.mail import services

    made = []

    @services.message_maker("test.greeting")
    def greeting(name: str):
        made.append(name)
        if name == "nobody":
            return None
        return {
            "to": f"{name}@example.org",
            "subject": f"Hello {name}",
            "body": f"Dear {name}, welcome.",
            "attachments": [{"filename": "note.txt", "content_type": "text/plain", "content": "a note"}],
        }

    # Queueing makes nothing: whoever queues does the same work whatever the maker will find.
    known = services.queue_made_when_sent("aida@example.org", services.made_when_sent("test.greeting", name="aida"))
    unknown = services.queue_made_when_sent(
        "nobody@example.org", services.made_when_sent("test.greeting", name="nobody")
    )
    db.session.commit()
    assert made == []
    assert (reload(db, known).subject, reload(db, known).body_text, reload(db, known).state) == (None, None, "queued")

    assert send_queued() == 1
    assert made == ["aida", "nobody"]
    (email,) = mailbox.messages
    assert (email["To"], email["Subject"]) == ("aida@example.org", "Hello aida")
    assert email.get_body(("plain",)).get_content().strip() == "Dear aida, welcome."
    assert [part.get_filename() for part in email.iter_attachments()] == ["note.txt"]
    known, unknown = reload(db, known), reload(db, unknown)
    assert (known.state, known.subject, known.body_text) == ("sent", "Hello aida", "Dear aida, welcome.")
    assert known.made == {"made_by": "test.greeting", "params": {"name": "aida"}}
    assert (unknown.state, unknown.sent_at, unknown.body_text) == ("dropped", None, None)
    assert send_queued() == 0 and made == ["aida", "nobody"]  # neither is made again

    # A message made but not delivered (the server refused it) is sent again as it was made.
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    again = services.queue_made_when_sent("bakyt@example.org", services.made_when_sent("test.greeting", name="bakyt"))
    db.session.commit()
    monkeypatch.setattr(services, "_connect", refuse)
    assert send_queued() == 0
    assert (reload(db, again).state, reload(db, again).subject) == ("queued", "Hello bakyt")
    monkeypatch.undo()
    reload(db, again).next_attempt_at = utcnow()
    db.session.commit()
    assert send_queued() == 1
    assert made == ["aida", "nobody", "bakyt"]
    assert [m["To"] for m in mailbox.messages] == ["aida@example.org", "bakyt@example.org"]


def test_a_message_whose_maker_fails_is_tried_again_later(db, mailbox):
    from eventmgr.mail import services

    @services.message_maker("test.failing")
    def failing():
        raise RuntimeError("the database went away")

    message = services.queue_made_when_sent("aida@example.org", services.made_when_sent("test.failing"))
    db.session.commit()
    assert send_queued() == 0
    stored = reload(db, message)
    assert (stored.state, stored.attempts, stored.last_error, stored.body_text) == (
        "queued",
        1,
        "the database went away",
        None,
    )
    assert stored.next_attempt_at > utcnow()


def test_nothing_made_when_sent_is_queued_while_mail_is_withheld(db):
    from eventmgr.mail.services import made_when_sent, queue_made_when_sent, withheld

    with withheld():
        assert queue_made_when_sent("aida@example.org", made_when_sent("test.greeting", name="aida")) is None
    assert db.session.execute(select(MailMessage)).first() is None


def test_messages_not_yet_due_wait(db, mailbox):
    message = queued(db)
    reload(db, message).next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert send_queued() == 0
    assert mailbox.messages == []


def test_attachments_travel_with_the_message(db, mailbox):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    queued(
        db, attachments=[{"filename": "invite.ics", "content_type": "text/calendar; method=REQUEST", "content": ics}]
    )
    send_queued()
    (email,) = mailbox.messages
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert "BEGIN:VCALENDAR" in attachment.get_content()


def test_an_unreachable_server_leaves_the_message_queued_for_a_later_attempt(
    app, db, mailbox, monkeypatch, closed_port
):
    message = queued(db)
    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    before = utcnow()
    assert send_queued() == 0
    stored = reload(db, message)
    assert (stored.state, stored.attempts, stored.sent_at) == ("queued", 1, None)
    assert stored.last_error
    assert stored.next_attempt_at >= before + timedelta(seconds=50)

    # Not due yet: a run right away does not try again.
    assert send_queued() == 0
    assert reload(db, message).attempts == 1

    # Later, a second failure waits longer.
    reload(db, message).next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = utcnow()
    assert send_queued() == 0
    stored = reload(db, message)
    assert (stored.state, stored.attempts) == ("queued", 2)
    assert stored.next_attempt_at >= before + timedelta(seconds=110)

    # The server is back and the time has come: delivered once.
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_queued() == 1
    stored = reload(db, message)
    assert (stored.state, stored.attempts, stored.last_error) == ("sent", 3, None)
    assert [m["To"] for m in mailbox.messages] == ["aida@example.kz"]
    assert send_queued() == 0
    assert len(mailbox.messages) == 1


def test_after_the_last_attempt_a_message_is_marked_failed(app, db, mailbox, monkeypatch, closed_port):
    message = queued(db)
    reload(db, message).attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    assert send_queued() == 0
    stored = reload(db, message)
    assert (stored.state, stored.attempts) == ("failed", app.config["MAIL_MAX_ATTEMPTS"])
    assert stored.last_error
    monkeypatch.undo()
    assert send_queued() == 0  # failed messages are left for a person to look at
    assert mailbox.messages == []


def test_one_failure_does_not_hold_up_the_others(app, db, mailbox, monkeypatch):
    import smtplib

    from eventmgr.mail import services

    real_send = smtplib.SMTP.send_message

    def refuse_one(smtp, email, *args, **kwargs):
        if email["To"] == "broken@example.org":
            raise smtplib.SMTPRecipientsRefused({"broken@example.org": (550, b"No such user")})
        return real_send(smtp, email, *args, **kwargs)

    monkeypatch.setattr(services.smtplib.SMTP, "send_message", refuse_one)
    broken = queued(db, to="broken@example.org")
    fine = queued(db, to="fine@example.org")
    assert send_queued() == 1
    assert [m["To"] for m in mailbox.messages] == ["fine@example.org"]
    assert reload(db, broken).state == "queued" and reload(db, broken).last_error
    assert reload(db, fine).state == "sent"


def test_mail_queued_by_a_request_goes_out_after_the_response(app, client, make_user, mailbox, db, monkeypatch):
    make_user(email="ada@example.org")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "ada@example.org", "csrf_token": token})
    assert [m["To"] for m in mailbox.messages] == ["ada@example.org"]
    assert db.session.execute(select(MailMessage.state)).scalars().all() == ["sent"]

    # With delivery after requests turned off, the message waits for `flask mail send`.
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)
    client.post("/password/forgot", data={"email": "ada@example.org", "csrf_token": token})
    assert len(mailbox.messages) == 1
    db.session.expire_all()
    assert sorted(db.session.execute(select(MailMessage.state)).scalars().all()) == ["queued", "sent"]


def test_flask_mail_send(runner, db, mailbox):
    queued(db)
    queued(db, to="bakyt@example.kg")
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "messages delivered: 2." in result.output
    assert sorted(m["To"] for m in mailbox.messages) == ["aida@example.kz", "bakyt@example.kg"]
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "messages delivered: 0." in result.output
    assert len(mailbox.messages) == 2


def test_flask_mail_send_respects_its_limit(runner, db, mailbox):
    for number in range(3):
        queued(db, to=f"delegate-{number}@example.org")
    result = runner.invoke(args=["mail", "send", "--limit", "2"])
    assert result.exit_code == 0 and "messages delivered: 2." in result.output
    assert len(mailbox.messages) == 2
    db.session.expire_all()
    assert db.session.execute(select(MailMessage.recipient).filter_by(state="queued")).scalars().all() == [
        "delegate-2@example.org"
    ]
