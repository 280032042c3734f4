"""Calendar update mails say what changed: the time (with its zone), the place and the title, before → now."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import IN_PERSON, body
from test_events import form_values, replace

from eventmgr.agenda import services as agenda
from eventmgr.people.services import create_person

START = datetime(2031, 5, 12, 4, tzinfo=UTC)  # 09:00 in Asia/Almaty (UTC+5)


@pytest.fixture
def conference(app, db, make_user, make_event, login, monkeypatch):
    """A hybrid conference in Cholpon-Ata of the logged-in organiser; updates go out at the next worker run."""
    monkeypatch.setitem(app.config, "CALENDAR_UPDATE_DELAY", 0)
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(
        organiser=organiser,
        title="Border Management Conference",
        start_at=START,
        end_at=START + timedelta(hours=8),
        **(IN_PERSON | {"format": "hybrid", "online_platform": "Zoom", "join_url": "https://zoom.example.org/j/1"}),
    )
    login(organiser)
    return event, organiser


def edit_event(client, post, event, **values):
    """Change the event through its edit form, as the organiser does."""
    url = f"/manage/events/{event.id}/edit"
    response = post(url, replace(form_values(client.get(url).text), **values))
    assert response.status_code == 302, response.text


def updates(runner, mailbox, address, subject_start="Updated:"):
    """Run the worker's mail command, and return the update mails the address got."""
    runner.invoke(args=["mail", "send"])
    return [m for m in mailbox.messages if m["To"] == address and m["Subject"].startswith(subject_start)]


def test_the_event_update_says_old_and_new_time_place_and_title(
    client, post, runner, db, conference, make_registration, mailbox
):
    event, organiser = conference
    make_registration(event, "dina@example.kz", attendance_mode="in_person")
    make_registration(event, "aidar@example.kz", attendance_mode="online")
    # A burst of edits: the update says what calendars held before the first and what they hold after the last.
    edit_event(client, post, event, start="2031-05-12T10:30", end="2031-05-12T18:00")
    edit_event(client, post, event, venue_name="Rixos Borovoe", venue_city="Borovoe", venue_country="KZ")
    edit_event(client, post, event, start="2031-05-13T10:30", end="2031-05-13T18:00")

    (mail,) = updates(runner, mailbox, "dina@example.kz")
    text = body(mail).replace("\r\n", "\n")
    assert "the organisers have changed the time and place of an event you are registered for:\n\nTime: " in text
    assert "Time: 12 May 2031, 09:00–17:00 (Asia/Almaty)\n    → 13 May 2031, 10:30–18:00 (Asia/Almaty)\n" in text
    assert "Place: Hotel Karven, Cholpon-Ata, Kyrgyzstan\n     → Rixos Borovoe, Borovoe, Kazakhstan\n" in text
    assert "Title:" not in text

    # An online delegate's place is the platform, which did not change: only the time is news to them.
    (online,) = updates(runner, mailbox, "aidar@example.kz")
    text = body(online).replace("\r\n", "\n")
    assert "changed the time of an event" in text and "Time: 12 May 2031, 09:00–17:00" in text
    assert "Place:" not in text

    # The next update starts from what the last one told: only the new change.
    edit_event(client, post, event, title="Border Management and Security Conference")
    mailbox.deliver()
    (mail,) = updates(runner, mailbox, "dina@example.kz", "Updated: Border Management and Security")
    text = body(mail).replace("\r\n", "\n")
    assert "Title: Border Management Conference\n     → Border Management and Security Conference\n" in text
    assert "Time:" not in text and "Place:" not in text


def test_a_zone_change_shows_both_zones(client, post, runner, db, conference, make_registration, mailbox):
    event, organiser = conference
    make_registration(event, "dina@example.kz")
    edit_event(client, post, event, timezone="Asia/Bishkek")  # the same wall-clock time, an hour earlier in UTC
    (mail,) = updates(runner, mailbox, "dina@example.kz")
    text = body(mail).replace("\r\n", "\n")
    assert "Time: 12 May 2031, 09:00–17:00 (Asia/Almaty)\n    → 12 May 2031, 09:00–17:00 (Asia/Bishkek)\n" in text


def test_a_session_update_says_old_and_new_time_and_room(client, runner, db, conference, mailbox, make_session):
    event, organiser = conference
    person = create_person({"full_name": "Aida Bekova", "email": "aida@bomca.example"}, organiser)
    panel = make_session(
        event, title="Risk analysis", start_at=START + timedelta(hours=1), end_at=START + timedelta(hours=2)
    )
    agenda.add_participant(panel, person, "speaker", user=organiser)
    agenda.update_session(panel, {"room": "Hall A"}, organiser)
    db.session.commit()
    runner.invoke(args=["mail", "send"])
    before = len(mailbox.messages)

    agenda.update_session(
        panel, {"start_at": START + timedelta(hours=3), "end_at": START + timedelta(hours=4)}, organiser
    )
    agenda.update_session(panel, {"room": "Hall B", "title": "Joint risk analysis"}, organiser)
    db.session.commit()
    runner.invoke(args=["mail", "send"])
    (mail,) = [m for m in mailbox.messages[before:] if m["To"] == "aida@bomca.example"]
    text = body(mail).replace("\r\n", "\n")
    assert "Title: Risk analysis\n     → Joint risk analysis\n" in text
    assert (
        "Time: Monday, 12 May 2031, 10:00–11:00 (Asia/Almaty)\n    → Monday, 12 May 2031, 12:00–13:00 (Asia/Almaty)\n"
        in text
    )
    assert "Place: Hall A, Hotel Karven, Cholpon-Ata, Kyrgyzstan and online (Zoom)\n" in text
    assert "     → Hall B, Hotel Karven, Cholpon-Ata, Kyrgyzstan and online (Zoom)\n" in text
