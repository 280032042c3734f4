"""Announcements from the desk: one form whose audience is honoured, a count, a preview, an explicit confirmation."""

import html
import re

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, body, count, flashes, text_of
from sqlalchemy import select

from eventmgr.mail.models import MailMessage
from eventmgr.registration.models import Announcement


@pytest.fixture
def audience(db, make_event, make_user, make_registration, login):
    """A hybrid conference of the logged-in organiser: two confirmed in Kazakhstan (one online), one confirmed
    in Kyrgyzstan, one on the waiting list and one pending."""
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(organiser=organiser, **(IN_PERSON | {"format": "hybrid"}))
    people = {
        "dina": make_registration(event, "dina@example.kz", given_name="Дина", family_name="Омарова"),
        "aidar": make_registration(
            event, "aidar@example.kz", given_name="Aidar", family_name="Abenov", attendance_mode="online"
        ),
        "bakyt": make_registration(event, "bakyt@example.kg", given_name="Bakyt", family_name="Mamytov", country="KG"),
        "nodira": make_registration(event, "nodira@example.uz", country="UZ", status="waitlisted"),
        "pavel": make_registration(event, "pavel@example.kz", status="pending"),
    }
    login(organiser)
    return event, people


def url(event) -> str:
    return f"/manage/events/{event.id}/announcements"


def form(client, event, **data) -> dict:
    return {"csrf_token": csrf_token(client, url(event)), "subject": "Hall B", "body": "We meet in Hall B."} | data


def hidden(response, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', response.text).group(1)


def confirm(client, event, preview, data: dict):
    """Press "Send to N people" on a preview."""
    keys = {name: hidden(preview, name) for name in ("audience_key", "content_key")}
    return client.post(url(event), data=data | keys | {"send": "1"})


def test_the_audience_chosen_in_the_form_is_the_one_mailed(client, db, audience, mailbox):
    """Reported: choosing "Confirmed" then sending mailed everyone, the waiting list included."""
    event, people = audience
    data = form(client, event, status="confirmed")
    preview = client.post(url(event), data=data | {"send": "1"})  # the one form, as it is filled in
    assert preview.status_code == 200 and count(db, Announcement) == 0  # never sent unconfirmed
    page = text_of(preview)
    assert "To 3 people: Confirmed" in page and "Send to 3 people" in page
    assert confirm(client, event, preview, data).status_code == 302
    mailbox.deliver()
    assert sorted(m["To"] for m in mailbox.messages if m["Subject"].startswith("Hall B")) == [
        "aidar@example.kz",
        "bakyt@example.kg",
        "dina@example.kz",
    ]


def test_filters_combine_and_the_sent_list_shows_audience_count_and_progress(
    app, client, db, audience, mailbox, monkeypatch
):
    event, people = audience
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)  # watch the progress as the worker sends
    data = form(client, event, status="confirmed", country="KZ", mode="in_person")
    preview = client.post(url(event), data=data | {"preview": "1"})
    assert "To 1 person: Confirmed · Kazakhstan · In person" in text_of(preview)
    response = confirm(client, event, preview, data)
    assert "Sending to 1 person." in flashes(client.get(response.location))
    page = text_of(client.get(url(event)))
    assert "Confirmed · Kazakhstan · In person · 1 recipient" in page and "0 sent, 1 waiting, 0 failed" in page
    mailbox.deliver()
    assert [m["To"] for m in mailbox.messages if m["Subject"].startswith("Hall B")] == ["dina@example.kz"]
    assert "1 sent, 0 waiting, 0 failed" in text_of(client.get(url(event)))

    everyone = form(client, event, subject="Programme")
    preview = client.post(url(event), data=everyone | {"preview": "1"})
    assert "To 5 people: Everyone registered" in text_of(preview)
    confirm(client, event, preview, everyone)
    db.session.execute(  # one address bounces for good
        MailMessage.__table__.update()
        .where(MailMessage.recipient == "pavel@example.kz", MailMessage.subject.like("Programme%"))
        .values(state="failed")
    )
    db.session.commit()
    mailbox.deliver()
    page = text_of(client.get(url(event)))
    assert "Everyone registered · 5 recipients" in page and "4 sent, 0 waiting, 1 failed" in page


def test_the_count_follows_the_filters_with_and_without_javascript(client, audience):
    event, people = audience
    assert "5 people will receive it." in text_of(client.get(url(event)))
    assert "1 person will receive it." in text_of(client.get(url(event) + "?status=waitlisted"))
    answer = client.get(url(event) + "?status=confirmed&country=KZ", headers={"Accept": "application/json"})
    assert answer.json == {"count": 2, "text": "2 people will receive it."}
    assert client.get(url(event) + "?mode=online", headers={"Accept": "application/json"}).json["count"] == 1
    # Without JavaScript, "Preview" counts the chosen audience.
    preview = client.post(url(event), data=form(client, event, country="KG", preview="1"))
    assert "1 person will receive it." in text_of(preview)


def test_the_preview_is_the_mail_as_delivered(client, db, audience, mailbox):
    event, people = audience
    data = form(
        client, event, status="waitlisted", subject="A larger room", body="We found 20 more seats.\nStay tuned."
    )
    preview = client.post(url(event), data=data | {"preview": "1"})
    shown_subject = html.unescape(re.search(r"<dt>Subject</dt><dd>(.*?)</dd>", preview.text, re.S).group(1))
    shown_body = html.unescape(re.search(r'<pre class="mail-body">(.*?)</pre>', preview.text, re.S).group(1))
    confirm(client, event, preview, data)
    mailbox.deliver()
    (sent,) = [m for m in mailbox.messages if m["To"] == "nodira@example.uz" and "larger room" in m["Subject"]]
    assert sent["Subject"] == shown_subject == f"A larger room · {event.title}"
    assert body(sent).replace("\r\n", "\n").strip() == shown_body.strip()  # SMTP ends lines with CRLF
    assert "We found 20 more seats.\nStay tuned." in shown_body and f"/events/{event.slug}" in shown_body


def test_a_change_of_audience_after_the_preview_is_said_not_sent(client, db, audience, make_registration, mailbox):
    event, people = audience
    data = form(client, event, status="confirmed")
    preview = client.post(url(event), data=data | {"preview": "1"})
    assert "Send to 3 people" in text_of(preview)
    make_registration(event, "erlan@example.kz")  # registers meanwhile: the confirmed are now four
    refused = confirm(client, event, preview, data)
    assert refused.status_code == 409 and count(db, Announcement) == 0
    page = text_of(refused)
    assert "Not sent: the audience changed since the preview, and is now 4 people." in page
    assert "Send to 4 people" in page  # the new preview, to confirm again
    assert confirm(client, event, refused, data).status_code == 302
    assert db.session.execute(select(Announcement.recipients)).scalar_one() == 4

    # The same count made of other people is a change too.
    preview = client.post(url(event), data=data | {"preview": "1"})
    people["bakyt"].status = "cancelled"
    make_registration(event, "zarina@example.kz")
    db.session.commit()
    assert confirm(client, event, preview, data).status_code == 409


def test_a_message_edited_after_the_preview_is_previewed_again(client, db, audience):
    event, people = audience
    data = form(client, event)
    preview = client.post(url(event), data=data | {"preview": "1"})
    edited = confirm(client, event, preview, data | {"body": "We meet in Hall C."})
    assert edited.status_code == 409 and count(db, Announcement) == 0
    assert "The message was changed after the preview" in text_of(edited)
    assert "We meet in Hall C." in html.unescape(re.search(r'<pre class="mail-body">(.*?)</pre>', edited.text, re.S)[1])
    assert confirm(client, event, edited, data | {"body": "We meet in Hall C."}).status_code == 302
