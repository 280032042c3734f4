"""With no MAIL_SERVER, every message is written as a readable .eml file under instance/mail/ and logged."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from conftest import csrf_token
from sqlalchemy import select

from eventmgr import create_app
from eventmgr.mail.models import MailMessage
from eventmgr.mail.services import queue_mail, send_queued

#: A link longer than a mail line (78 characters), which quoted-printable would break with "=" at the end of a line.
LONG_LINK = "http://127.0.0.1:5000/events/fourth-issyk-kul-initiative-conference-on-border-security/manage/" + "a" * 43


@pytest.fixture
def mail_directory(app, monkeypatch, tmp_path):
    """No SMTP server: the outbox writes files to a folder of this test's own."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_DIRECTORY", str(tmp_path / "mail"))
    return tmp_path / "mail"


def test_without_a_mail_server_each_message_is_a_readable_file_named_in_sending_order(
    db, mailbox, mail_directory, caplog
):
    queue_mail(
        to="dina@example.kz",
        subject="Регистрация подтверждена: Border webinar",
        body=f"Dear Дина Омарова,\n\nyour private link:\n{LONG_LINK}\n",
        html=f'<p>Dear Дина Омарова, <a href="{LONG_LINK}">your link</a></p>',
    )
    db.session.commit()
    with caplog.at_level("INFO", logger="eventmgr.mail"):
        assert send_queued() == 1
    queue_mail(to="aidar@example.kz", subject="Second", body="Hello")
    db.session.commit()
    assert send_queued() == 1

    files = sorted(mail_directory.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    first, second = (f.read_bytes() for f in files)
    assert b"To: aidar@example.kz" in second  # the later message sorts after the earlier one
    text = first.decode("utf-8")
    # Readable as it stands in a text editor: the link whole on its line, the name as typed, no encoding.
    assert f"\n{LONG_LINK}\n" in text and f'href="{LONG_LINK}"' in text
    assert "Dear Дина Омарова," in text and "Subject: Регистрация подтверждена: Border webinar" in text
    assert "quoted-printable" not in text and "base64" not in text
    # And by a mail program.
    parsed = message_from_bytes(first, policy=policy.default)
    assert parsed["To"] == "dina@example.kz" and parsed["Subject"].startswith("Регистрация")
    assert LONG_LINK in parsed.get_body(("plain",)).get_content()

    # The log names the recipient, the subject and the file.
    assert "dina@example.kz" in caplog.text and "Регистрация подтверждена" in caplog.text
    assert str(files[0]) in caplog.text
    assert db.session.execute(select(MailMessage.state)).scalars().all() == ["logged", "logged"]
    assert mailbox.messages == []


def test_mail_a_request_causes_is_written_after_the_response(app, client, db, make_user, mail_directory):
    make_user(email="ada@example.org")
    client.post(
        "/password/forgot", data={"email": "ada@example.org", "csrf_token": csrf_token(client, "/password/forgot")}
    )
    (written,) = mail_directory.iterdir()
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ada@example.org"
    link = re.search(r"http://localhost/\S+", parsed.get_body(("plain",)).get_content()).group(0)
    assert client.get(link.removeprefix("http://localhost")).status_code == 200  # the written link works


def test_a_folder_that_cannot_be_written_leaves_the_message_queued(app, db, mailbox, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setitem(app.config, "MAIL_DIRECTORY", str(blocker / "mail"))
    queue_mail(to="aida@example.kz", subject="Waits", body="Hi")
    db.session.commit()
    assert send_queued() == 0
    message = db.session.execute(select(MailMessage)).scalar_one()
    assert message.state == "queued" and message.attempts == 1 and message.last_error


def test_mail_goes_to_instance_mail_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTMGR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.delenv("MAIL_DIRECTORY", raising=False)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert fresh.config["MAIL_SERVER"] is None
    assert Path(fresh.config["MAIL_DIRECTORY"]) == tmp_path / "mail"
    monkeypatch.setenv("MAIL_DIRECTORY", str(tmp_path / "elsewhere"))
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}).config["MAIL_DIRECTORY"] == str(
        tmp_path / "elsewhere"
    )
