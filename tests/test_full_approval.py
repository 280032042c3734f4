"""Approving a pending delegate into a full event: the desk says so first, the organiser chooses (raise the
capacity, or the waiting list), and the message typed reaches the delegate in whichever mail goes out."""

import re
from pathlib import Path

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, body, flashes, text_of

from eventmgr.events.models import Event
from eventmgr.mail.models import MailMessage
from eventmgr.registration.models import Registration

#: Where the pages are kept as looked at (desk and phone widths), beside a failing test's screenshot.
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def organiser(make_user, login):
    user = make_user(email="olga@example.org", name="Olga Organiser")
    login(user)
    return user


def page_url(registration) -> str:
    return f"/manage/events/{registration.event_id}/registrations/{registration.id}"


def decide(client, registration, action="approve", **data):
    url = page_url(registration)
    return client.post(f"{url}/{action}", data={"csrf_token": csrf_token(client, url)} | data)


def fresh(db, model, row):
    db.session.expire_all()
    return db.session.get(model, row.id)


def mails_to(mailbox, address):
    mailbox.deliver()
    return [m for m in mailbox.messages if m["To"] == address]


def test_approving_into_a_full_room_is_said_first_and_changes_nothing(
    client, db, make_event, make_registration, organiser, mailbox
):
    event = make_event(organiser=organiser, registration_policy="approval", capacity=1, **IN_PERSON)
    aida = make_registration(event, "aida@example.kz")
    decide(client, aida)
    bakyt = make_registration(event, "bakyt@example.kg", given_name="Bakyt", family_name="Mamytov")
    make_registration(event, "nodira@example.uz", status="waitlisted")

    page = text_of(client.get(page_url(bakyt)))
    assert "No free seat in the room. 1 of 1 seat in the room is taken. 1 person is on the waiting list." in page
    assert "Raise to 2 seats and approve" in page and "Approve onto the waiting list" in page

    # Pressed on a page loaded while a seat was free: refused, said, the message kept for the choice.
    mailbox.deliver()
    queued_before = db.session.query(MailMessage).count()
    refused = decide(client, bakyt, message="Please bring your passport.")
    assert refused.status_code == 409
    assert "No free seat: raise the capacity and approve, or put the delegate on the waiting list." in text_of(refused)
    assert "Please bring your passport.</textarea>" in refused.text
    assert fresh(db, Registration, bakyt).status == "pending"
    assert db.session.query(MailMessage).count() == queued_before


def test_the_organiser_puts_the_delegate_on_the_waiting_list_with_their_message(
    client, db, make_event, make_registration, organiser, mailbox
):
    event = make_event(organiser=organiser, registration_policy="approval", capacity=1, **IN_PERSON)
    decide(client, make_registration(event, "aida@example.kz"))
    bakyt = make_registration(event, "bakyt@example.kg", given_name="Bakyt", family_name="Mamytov")
    response = decide(client, bakyt, message="We expect seats to free up in May.", when_full="waitlist")
    assert "Bakyt Mamytov is on the waiting list and has been mailed." in flashes(client.get(response.location))
    assert fresh(db, Registration, bakyt).status == "waitlisted"
    (mail,) = mails_to(mailbox, "bakyt@example.kg")[-1:]
    assert mail["Subject"].startswith("You are on the waiting list")
    text = body(mail)
    assert "approved your registration, but all seats" in text and "We expect seats to free up in May." in text

    # On the waiting list, the only way in is a seat more.
    page = text_of(client.get(page_url(bakyt)))
    assert "Raise to 2 seats and approve" in page and "Approve onto the waiting list" not in page


def test_the_organiser_raises_the_capacity_of_the_delegates_mode_and_approves(
    client, db, make_event, make_registration, organiser, mailbox
):
    event = make_event(
        organiser=organiser,
        registration_policy="approval",
        capacity=5,
        online_capacity=1,
        **(IN_PERSON | {"format": "hybrid", "online_platform": "Zoom", "join_url": "https://zoom.example.org/j/1"}),
    )
    decide(client, make_registration(event, "aida@example.kz", attendance_mode="online"))
    waiting = make_registration(event, "nodira@example.uz", attendance_mode="online", status="waitlisted")
    bakyt = make_registration(
        event, "bakyt@example.kg", given_name="Bakyt", family_name="Mamytov", attendance_mode="online"
    )
    page = text_of(client.get(page_url(bakyt)))
    assert "No free place online. 1 of 1 place online is taken." in page
    assert "Raise to 2 places online and approve" in page

    response = decide(client, bakyt, message="Your panel starts at 10:00.", when_full="raise")
    assert flashes(client.get(response.location)) == [
        "Capacity raised to 2. Approved: Bakyt Mamytov is confirmed and has been mailed."
    ]
    stored = fresh(db, Event, event)
    assert (stored.online_capacity, stored.capacity) == (2, 5)  # the room is not touched
    assert fresh(db, Registration, bakyt).status == "confirmed"
    assert fresh(db, Registration, waiting).status == "waitlisted"  # the added seat is the approved delegate's
    (mail,) = mails_to(mailbox, "bakyt@example.kg")[-1:]
    assert mail["Subject"].startswith("Registration approved") and "Your panel starts at 10:00." in body(mail)


def test_with_a_free_seat_approval_is_plain_and_says_what_happened(
    client, db, make_event, make_registration, organiser, mailbox
):
    event = make_event(organiser=organiser, registration_policy="approval", capacity=2, **IN_PERSON)
    aida = make_registration(event, "aida@example.kz", given_name="Aida", family_name="Nurlanova")
    page = client.get(page_url(aida)).text
    assert re.search(r"<button[^>]*>Approve</button>", page) and "No free seat" not in page
    response = decide(client, aida, message="Welcome.")
    assert flashes(client.get(response.location)) == ["Approved: Aida Nurlanova is confirmed and has been mailed."]
    assert "Welcome." in body(mails_to(mailbox, "aida@example.kz")[-1])


def test_the_choice_in_the_browser(page, db, make_user, make_event, make_registration, mailbox):
    """The full-event notice and the choices, at desk and phone widths."""
    from helpers import log_in_browser
    from playwright.sync_api import expect

    from eventmgr.registration import services

    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(organiser=organiser, registration_policy="approval", capacity=1, **IN_PERSON)
    services.decide(make_registration(event, "aida@example.kz"), True, organiser)
    bakyt = make_registration(event, "bakyt@example.kg", given_name="Bakyt", family_name="Mamytov")
    db.session.commit()
    log_in_browser(page, organiser)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page_url(bakyt))
    expect(page.get_by_role("status")).to_contain_text("No free seat in the room.")
    page.screenshot(path=str(SHOTS / "full-approval-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "full-approval-390.png"), full_page=True)
    page.get_by_label("Message to the delegate (optional)").fill("A seat may free up in May.")
    page.get_by_role("button", name="Approve onto the waiting list").click()
    expect(page.get_by_text("Bakyt Mamytov is on the waiting list and has been mailed.")).to_be_visible()
    assert fresh(db, Registration, bakyt).status == "waitlisted"
