"""Calendar mail as calendar programs expect it (iMIP, RFC 6047), the headers every message carries, and the
organiser named alike in the invitation's ORGANIZER and the message's From, Sender and Reply-To.

Every message goes through the outbox to the tests' SMTP server; each invitation is read back with icalendar,
vobject and ical.js (the parser Thunderbird uses, run by node from tests/js/read_ics.mjs).
"""

import json
import re
import shutil
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import vobject
from aiosmtpd.controller import Controller
from conftest import csrf_token, missing
from helpers import IN_PERSON, attachment, body
from icalendar import Calendar
from sqlalchemy import select

from eventmgr.database import utcnow
from eventmgr.mail.models import MailMessage

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2031, 10, 20, 4, tzinfo=UTC)  # 09:00 in Asia/Almaty
HOST = "OSCE Border Management Staff College"
CONTACT = "secretariat@bmsc.example"
SENDER = "events@eventmgr.test"  # MAIL_DEFAULT_SENDER of the tests: "Events <events@eventmgr.test>"


@pytest.fixture
def conference(app, db, make_user, make_event, make_organisation, monkeypatch):
    """An in-person conference hosted by the Staff College, with a contact address; updates go out at once."""
    from eventmgr.events.services import set_organisations

    monkeypatch.setitem(app.config, "CALENDAR_UPDATE_DELAY", 0)
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(
        organiser=organiser,
        title="Border Security Conference",
        start_at=START,
        end_at=START + timedelta(hours=8),
        contact_email=CONTACT,
        **IN_PERSON,
    )
    set_organisations(event, [(make_organisation(name=HOST).id, "host")], organiser)
    db.session.commit()
    return event, organiser


def sent(mailbox, to: str, subject: str):
    """The one message to `to` whose subject starts with `subject`, after sending what the outbox holds."""
    mailbox.deliver()
    found = [m for m in mailbox.messages if m["To"] == to and m["Subject"].startswith(subject)]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in mailbox.messages]
    return found[0]


def ical_js(text: str) -> dict:
    """What ical.js reads in the calendar: {method, events: [{uid, sequence, status, start, organizer, ...}]}."""
    if shutil.which("node") is None:
        missing("node not found: ical.js is not run (apt-get install nodejs)")
    if not (ROOT / "node_modules" / "ical.js").is_dir():
        missing("ical.js not installed: run `npm ci` (make test does)")
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "read_ics.mjs")],  # noqa: S603, S607
        input=text.encode(),
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=30,
    )
    return json.loads(result.stdout)


def invitation(message, method: str, others: tuple[str, ...] = (), from_file: bool = False) -> str:
    """Check the message is an iMIP invitation with this METHOD laid out as calendar programs expect, and return
    its calendar: multipart/mixed of a multipart/alternative (text, HTML, inline text/calendar; method=...;
    charset=UTF-8), the same file attached as invite.ics, then the other attachments (`others`, by name).
    `from_file`: read from an .eml file, whose lines end as the file's do."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, *attached = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.get_payload()
    assert [plain.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == method and calendar.get_content_disposition() in (None, "inline")
    assert calendar.get_param("charset") == "UTF-8"
    text = calendar.get_content()
    if not from_file:
        assert "\r\nEND:VCALENDAR\r\n" in text  # the file's own CRLF line ends (RFC 5545), as written

    # The HTML says what the text says, its links clickable.
    link = re.search(r"https?://\S+", body(message)).group(0)
    assert f'<a href="{link}">{link}</a>' in html.get_content()

    # The same file, attached for programs that only import files; not text/calendar, so never a second invitation.
    assert [part.get_filename() for part in attached] == ["invite.ics", *others]
    assert attached[0].get_content_type() == "application/ics" and attached[0].get_param("method") is None
    assert attached[0].get_content_disposition() == "attachment"
    assert attached[0].get_content().decode() == (text.replace("\n", "\r\n") if from_file else text)

    # Three parsers agree on the METHOD.
    assert Calendar.from_ical(text)["METHOD"] == method
    assert vobject.readOne(text).method.value == method
    assert ical_js(text)["method"] == method
    return text


def assert_organiser(text: str, name: str = HOST, address: str = CONTACT, sent_by: str | None = SENDER) -> None:
    """Every entry's ORGANIZER, as icalendar, vobject and ical.js read it: CN, mailto: and SENT-BY."""
    for vevent in Calendar.from_ical(text).walk("VEVENT"):
        organizer = vevent["ORGANIZER"]
        assert str(organizer) == f"mailto:{address}" and organizer.params["CN"] == name
        assert organizer.params.get("SENT-BY") == (f"mailto:{sent_by}" if sent_by else None)
    for vevent in vobject.readOne(text).vevent_list:
        assert vevent.organizer.value == f"mailto:{address}" and vevent.organizer.params["CN"] == [name]
        assert vevent.organizer.params.get("SENT-BY") == ([f"mailto:{sent_by}"] if sent_by else None)
    for entry in ical_js(text)["events"]:
        assert entry["organizer"] == {
            "value": f"mailto:{address}",
            "cn": name,
            "sentBy": sent_by and f"mailto:{sent_by}",
        }


def assert_sent_for(message, name: str = HOST, reply_to: str | None = CONTACT) -> None:
    """From names the organiser at the site's own address (DMARC), Sender is the site, Reply-To the organiser."""
    assert parseaddr(message["From"]) == (f"{name} via Events", SENDER)
    assert message["Sender"] == f"Events <{SENDER}>"
    assert (parseaddr(message["Reply-To"])[1] if message["Reply-To"] else None) == reply_to


def assert_dated_and_identified(db, message) -> None:
    """A Date of when it was sent (RFC 5322) and the Message-ID stored when it was queued."""
    assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < timedelta(minutes=2)
    stored = db.session.execute(select(MailMessage.message_id).where(MailMessage.message_id == message["Message-ID"]))
    assert stored.scalar_one() == message["Message-ID"]


def not_bulk(message) -> None:
    assert message["Auto-Submitted"] is None and message["List-Unsubscribe"] is None


def test_confirmation_update_and_cancellation_are_invitations_that_name_the_organiser(
    db, conference, make_registration, mailbox
):
    from eventmgr.calendar.services import queue_calendar_updates
    from eventmgr.events.services import update_event
    from eventmgr.registration.services import cancel

    event, organiser = conference
    registration = make_registration(event, "dina@example.kz", given_name="Дина", family_name="Омарова")

    confirmation = sent(mailbox, "dina@example.kz", "Registration confirmed")
    text = invitation(confirmation, "REQUEST", others=("check-in-code.png",))
    assert attachment(confirmation, "check-in-code.png").get_content_type() == "image/png"
    assert "Дина Омарова" in text.replace("\r\n ", "")
    assert_organiser(text)
    assert_sent_for(confirmation)
    assert_dated_and_identified(db, confirmation)
    not_bulk(confirmation)  # an answer to what the delegate did
    (vevent,) = ical_js(text)["events"]
    assert vevent["start"] == "2031-10-20T04:00:00.000Z" and vevent["tzid"] == "Asia/Almaty"
    assert vevent["attendees"][0]["value"] == "mailto:dina@example.kz"

    update_event(
        event, {"start_at": START + timedelta(days=1), "end_at": START + timedelta(days=1, hours=8)}, organiser, None
    )
    db.session.commit()
    assert queue_calendar_updates() == 1
    db.session.commit()
    update = sent(mailbox, "dina@example.kz", "Updated:")
    text = invitation(update, "REQUEST")
    (vevent,) = ical_js(text)["events"]
    assert vevent["sequence"] == 2 and vevent["start"] == "2031-10-21T04:00:00.000Z"  # 1 when it was published, 2 now
    assert_organiser(text)
    assert_sent_for(update)
    assert update["Auto-Submitted"] == "auto-generated" and update["List-Unsubscribe"] is None
    assert update["Message-ID"] != confirmation["Message-ID"]

    cancel(registration)
    db.session.commit()
    cancellation = sent(mailbox, "dina@example.kz", "Registration cancelled")
    text = invitation(cancellation, "CANCEL")
    (vevent,) = ical_js(text)["events"]
    assert vevent["status"] == "CANCELLED"
    assert_organiser(text)
    assert_sent_for(cancellation)
    not_bulk(cancellation)


def test_a_session_invite_is_an_invitation_and_the_feeds_name_the_organiser_too(
    client, db, conference, make_session, mailbox
):
    from eventmgr.agenda.services import add_participant
    from eventmgr.organisations.models import Organisation
    from eventmgr.people.services import create_person

    event, organiser = conference
    panel = make_session(event, "Risk analysis", start_at=START, user=organiser)
    person = create_person({"full_name": "Kairat Sarybay", "email": "kairat@osce.example"}, organiser, event=event)
    add_participant(panel, person, "speaker", user=organiser)
    db.session.commit()

    invite = sent(mailbox, "kairat@osce.example", "Invitation:")
    text = invitation(invite, "REQUEST")
    (vevent,) = ical_js(text)["events"]
    assert vevent["summary"].startswith("Risk analysis") and vevent["uid"].startswith(f"session-{panel.id}@")
    assert_organiser(text)
    assert_sent_for(invite)
    not_bulk(invite)

    # The public calendars name the organiser alike, and follow a change of host's name (their ETag too).
    feed = client.get(f"/events/{event.slug}/calendar.ics")
    days = client.get(f"/events/{event.slug}/calendar.ics?layout=days")
    for response in (feed, days):
        assert response.status_code == 200
        assert_organiser(response.text)
    db.session.execute(select(Organisation).where(Organisation.name == HOST)).scalar_one().name = "Staff College"
    db.session.commit()
    renamed = client.get(f"/events/{event.slug}/calendar.ics", headers={"If-None-Match": feed.headers["ETag"]})
    assert renamed.status_code == 200
    assert_organiser(renamed.text, name="Staff College")


def test_the_organiser_is_the_creator_without_a_host_and_the_site_without_either(
    db, make_user, make_event, make_registration, mailbox
):
    from eventmgr.ics import event_to_ics, organiser

    event = make_event(organiser=make_user(name="Olga Organiser"), title="Open webinar")
    make_registration(event, "aidar@example.kz")
    message = sent(mailbox, "aidar@example.kz", "Registration confirmed")
    text = invitation(message, "REQUEST")
    # No contact address: the site's own, which needs no SENT-BY, and no Reply-To.
    assert_organiser(text, name="Olga Organiser", address=SENDER, sent_by=None)
    assert_sent_for(message, name="Olga Organiser", reply_to=None)

    event.created_by = None
    assert organiser(event) == ("Events", SENDER, None)
    assert_organiser(event_to_ics(event).decode(), name="Events", address=SENDER, sent_by=None)


def test_a_refused_message_is_sent_again_with_the_same_message_id_and_a_new_date(
    app, db, conference, make_registration, mailbox, monkeypatch
):
    """A server that takes the message and then answers "try later" (451): the retry is the same message, which
    the receiver can tell by its Message-ID; its Date says when it was sent."""
    refused = []

    class Refusing:
        async def handle_DATA(self, server, session, envelope):
            refused.append(envelope)
            return "451 4.3.0 Try again later"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    refusing = Controller(Refusing(), hostname="127.0.0.1", port=free_port)
    refusing.start()
    try:
        port = app.config["MAIL_PORT"]
        monkeypatch.setitem(app.config, "MAIL_PORT", free_port)
        event, _organiser = conference
        make_registration(event, "dina@example.kz")
        assert mailbox.deliver() == 0
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
    finally:
        refusing.stop()
    (stored,) = db.session.execute(select(MailMessage)).scalars().all()
    assert (stored.state, stored.attempts) == ("queued", 1)
    stored.next_attempt_at = utcnow()
    db.session.commit()

    first = message_from_bytes(refused[0].content, policy=policy.default)
    retried = sent(mailbox, "dina@example.kz", "Registration confirmed")
    assert first["Message-ID"] == retried["Message-ID"] == stored.message_id
    assert first["Date"] and retried["Date"]
    assert parsedate_to_datetime(retried["Date"]) >= parsedate_to_datetime(first["Date"])


def announce(db, event, organiser, subject: str) -> None:
    """Send an announcement to every active registrant, as the organiser's form does."""
    from eventmgr.registration.desk import announce as send

    send(event, subject, "The venue's address has changed.", {}, organiser)
    db.session.commit()


def test_announcements_and_reminders_are_marked_and_stop_with_one_click(
    app, client, db, conference, make_registration, mailbox, smtp_server
):
    from eventmgr.registration.models import Registration
    from eventmgr.registration.reminders import queue_due_reminders

    event, organiser = conference
    dina = make_registration(event, "dina@example.kz")
    make_registration(event, "aidar@example.kz")
    mailbox.deliver()

    announce(db, event, organiser, "Venue")
    announcement = sent(mailbox, "dina@example.kz", "Venue")
    assert announcement["Auto-Submitted"] == "auto-generated"
    assert announcement["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = announcement["List-Unsubscribe"].strip("<>")
    # On the wire as written: one line, not folded nor encoded (a mail program reads no link in =?utf-8?q?...).
    (raw,) = [e.content for e in smtp_server.received if announcement["Message-ID"].encode() in e.content]
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
    assert url.startswith(app.config["PUBLIC_URL"] + "/") and url in body(announcement)
    assert dina.access_token not in url  # not the private link: it only stops these messages
    assert_sent_for(announcement)
    assert_dated_and_identified(db, announcement)

    path = urlsplit(url).path
    page = client.get(path)
    assert page.status_code == 200 and "Stop them" in page.text and page.headers["Cache-Control"] == "private, no-store"
    assert client.post(path[:-4] + "AAAA", data={"List-Unsubscribe": "One-Click"}).status_code == 404  # forged
    # The mail program's one-click POST (RFC 8058): no CSRF token, no cookie.
    one_click = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    db.session.expire_all()
    assert db.session.get(Registration, dina.id).unsubscribed_at is not None

    # The next announcement and the reminders reach only the other delegate.
    mailbox_before = len(mailbox.messages)
    announce(db, event, organiser, "Programme")
    assert queue_due_reminders(START - timedelta(hours=23)) == 1
    db.session.commit()
    mailbox.deliver()
    later = [(m["To"], m["Subject"].split(":")[0].split(" ·")[0]) for m in mailbox.messages[mailbox_before:]]
    assert sorted(later) == [("aidar@example.kz", "Programme"), ("aidar@example.kz", "Reminder")]
    reminder = sent(mailbox, "aidar@example.kz", "Reminder")
    assert reminder["Auto-Submitted"] == "auto-generated" and reminder["List-Unsubscribe-Post"]
    assert reminder["List-Unsubscribe"].strip("<>") in body(reminder)
    assert_sent_for(reminder)

    # The delegate's page says so, and turns them back on.
    manage = f"/events/{event.slug}/registration/{dina.access_token}"
    assert "You have stopped the organisers" in client.get(manage).text
    again = client.post(f"{manage}/announcements", data={"receive": "yes", "csrf_token": csrf_token(client, manage)})
    assert again.status_code == 302
    assert "You receive the organisers" in client.get(manage).text
    announce(db, event, organiser, "Dinner")
    assert sent(mailbox, "dina@example.kz", "Dinner")


def test_written_to_a_file_an_invitation_reads_the_same(app, db, conference, make_registration, monkeypatch, tmp_path):
    """With no MAIL_SERVER the .eml file holds the same invitation, its texts readable as written; and a message
    queued before this layout (the invite a plain text/calendar attachment, no headers) is sent in it too."""
    from eventmgr.ics import event_to_ics
    from eventmgr.mail.services import queue_mail, send_queued

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_DIRECTORY", str(tmp_path))
    event, _organiser = conference
    make_registration(event, "dina@example.kz")
    old = queue_mail(
        to="old@example.kz",
        subject="Registration confirmed: queued long ago",
        body="Your link: http://localhost/events/x/registration/abc",
        attachments=[
            {
                "filename": "invite.ics",
                "content_type": "text/calendar; method=REQUEST",
                "content": event_to_ics(event, method="REQUEST").decode(),
            }
        ],
    )
    db.session.commit()
    assert send_queued() == 2
    for path in sorted(tmp_path.iterdir()):
        raw = path.read_bytes().decode()
        message = message_from_bytes(raw.encode(), policy=policy.default)
        others = ("check-in-code.png",) if message["To"] == "dina@example.kz" else ()
        text = invitation(message, "REQUEST", others, from_file=True)
        assert "BEGIN:VEVENT" in raw  # the calendar in 8 bits, not base64, for whoever opens the file
        assert message["Date"] and message["Message-ID"]
        assert_organiser(text)
    assert old.headers is None
