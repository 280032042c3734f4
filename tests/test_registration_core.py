"""Registration: policies, duplicates, offer codes, the private link, the desk, reminders, updates."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import csrf_token
from icalendar import Calendar
from sqlalchemy import func, select

from eventmgr.mail.models import MailMessage
from eventmgr.mail.services import build_email
from eventmgr.registration import services
from eventmgr.registration.models import OfferCode, Registration


def form(email="aida@example.kz", **extra):
    return {"given_name": "Aida", "family_name": "Nurlanova", "email": email, "country": "KZ",
            "consent": "y"} | extra


def register(client, event, **data):
    url = f"/events/{event.slug}/register"
    return client.post(url, data=form(**data) | {"csrf_token": csrf_token(client, "/login")})


def subjects(mailbox):
    mailbox.deliver()
    return [m["Subject"] for m in mailbox.messages]


@pytest.mark.parametrize("field, value, message", [
    ("given_name", "", "This field is required."),
    ("email", "not-an-address", "Invalid email address."),
    ("country", "XX", "Choose your country."),
    ("consent", "", "We cannot register you without this consent."),
])
def test_bad_input_is_refused_at_its_field(client, make_event, db, field, value, message):
    event = make_event()
    response = register(client, event, **{field: value})
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', response.text)
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


def test_a_second_registration_answers_the_same_and_mails_the_link(client, make_event, mailbox, db):
    event = make_event()
    first = register(client, event)
    second = register(client, event)
    assert first.status_code == second.status_code == 302 and first.location == second.location
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 1
    assert subjects(mailbox) == [f"Registration confirmed: {event.title}", f"Your registration link: {event.title}"]


def test_approval_policy(client, make_event, make_user, mailbox, db):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="approval", capacity=1)
    register(client, event)
    register(client, event, email="bek@example.kg")
    pending = db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()
    assert [r.status for r in pending] == ["pending", "pending"]
    services.decide(pending[0], True, organiser, "Welcome to Bishkek.")
    services.decide(pending[1], True, organiser)
    services.decide(pending[1], False, organiser, "The delegation is complete.")
    db.session.commit()
    assert [r.status for r in pending] == ["confirmed", "declined"]
    sent = subjects(mailbox)
    assert f"Registration approved: {event.title}" in sent
    assert f"You are on the waiting list: {event.title}" in sent
    assert f"Registration declined: {event.title}" in sent
    declined = next(m for m in mailbox.messages if m["Subject"].startswith("Registration declined"))
    assert "The delegation is complete." in declined.get_body(("plain",)).get_content()


def test_invitation_policy(client, make_event, make_user, db):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="invitation")
    services.invite(event, [("Aida@Example.kz", "Aida")], organiser)
    db.session.commit()
    refused = register(client, event)  # an invited address, but not through its link
    assert refused.status_code == 403 and "This event is by invitation." in refused.text
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0
    token = services.invitation_for(event, "aida@example.kz").token
    assert register(client, event, invitation=token).status_code == 302
    assert db.session.execute(select(Registration.email)).scalars().all() == ["aida@example.kz"]


def test_window_and_status_are_enforced(client, make_event):
    now = datetime.now(UTC)
    closed = make_event(registration_opens_at=now - timedelta(days=5), registration_closes_at=now - timedelta(days=1))
    assert "Registration for this event is closed." in client.get(f"/events/{closed.slug}/register").text
    assert register(client, closed).status_code == 200  # the closed page, nothing registered
    draft = make_event(status="draft")
    assert client.get(f"/events/{draft.slug}/register").status_code == 404


def test_offer_codes_price_and_limits(client, make_event, db):
    event = make_event(fee=Decimal("200"))
    db.session.add_all([
        OfferCode(event_id=event.id, code="HALF", discount_kind="percent", discount=Decimal("50"), max_uses=1),
        OfferCode(event_id=event.id, code="MINE", discount_kind="fixed", discount=Decimal("30"),
                  email="aida@example.kz"),
    ])
    db.session.commit()
    url = f"/events/{event.slug}/register"
    quote = client.post(url, data=form(offer_code="half", action="quote") | {"csrf_token": csrf_token(client, url)})
    assert "Amount due" in quote.text and "€100.00" in quote.text
    other = register(client, event, email="bek@example.kg", offer_code="MINE")
    assert other.status_code == 422 and "personal to another delegate" in other.text
    assert register(client, event, offer_code="half").status_code == 302
    used_up = register(client, event, email="bek@example.kg", offer_code="HALF")
    assert "used up" in used_up.text
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.amount_due == Decimal("100.00")


def test_private_link(client, make_event, mailbox, db):
    event = make_event(join_url="https://zoom.example.org/j/7")
    register(client, event)
    registration = db.session.execute(select(Registration)).scalar_one()
    token = registration.access_token
    assert len(token) >= 43  # 256 bits, URL-safe base64
    base = f"/events/{event.slug}/registration"
    page = client.get(f"{base}/{token}")
    assert page.status_code == 200 and "zoom.example.org/j/7" in page.text
    assert "no-store" in page.headers["Cache-Control"]
    ics = client.get(f"{base}/{token}/invite.ics")
    assert ics.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "zoom.example.org/j/7" in Calendar.from_ical(ics.data).walk("VEVENT")[0]["DESCRIPTION"]
    for suffix in ("", "/edit", "/invite.ics", "/qr.svg"):
        assert client.get(f"{base}/{token[:-1]}x{suffix}").status_code == 404
    other = make_event(title="Another event")
    assert client.get(f"/events/{other.slug}/registration/{token}").status_code == 404


def test_confirmation_carries_a_request_invite(client, make_event, mailbox):
    event = make_event(title="Регион и границы")
    register(client, event)
    mailbox.deliver()
    (message,) = mailbox.messages
    invite = next(p for p in message.iter_attachments() if p.get_filename() == "invite.ics")
    assert invite.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(invite.get_content())
    assert calendar["METHOD"] == "REQUEST"
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Регион и границы"
    assert "aida@example.kz" in str(vevent["ATTENDEE"])
    assert vevent["DTSTART"].params["TZID"] == "Asia/Almaty"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Almaty"
    assert any(p.get_filename() == "check-in-code.png" for p in message.iter_attachments())


def test_desk_export_check_in_and_attendance(client, post, login, make_user, make_event, db):
    organiser = make_user()
    start = datetime.now(UTC) + timedelta(hours=1)
    event = make_event(organiser=organiser, start_at=start, end_at=start + timedelta(hours=2))
    register(client, event, given_name="Дина", family_name="Омарова")
    registration = db.session.execute(select(Registration)).scalar_one()
    login(organiser)
    export = client.get(f"/manage/events/{event.id}/registrations.csv")
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff") and "Омарова" in text
    check_in = f"/manage/events/{event.id}/check-in"
    response = post(check_in, {"q": registration.access_token})
    assert "checked in" in response.text
    post(check_in, {"q": registration.access_token})
    db.session.expire_all()
    assert services.attendance_count(event.id) == 1
    assert client.get(f"/manage/events/{event.id}/registrations?q=омар").text.count("Омарова") >= 1


def test_reminders_are_queued_once_each(make_event, db, client):
    start = datetime.now(UTC) + timedelta(minutes=50)
    event = make_event(start_at=start, end_at=start + timedelta(hours=1), join_url="https://zoom.example.org/j/5")
    register(client, event)
    db.session.execute(MailMessage.__table__.delete())
    db.session.commit()
    from eventmgr.registration.reminders import queue_due_reminders

    assert queue_due_reminders() == 2  # the day-before one is late but still sent, and the hour one
    assert queue_due_reminders() == 0
    bodies = db.session.execute(select(MailMessage.body_text)).scalars().all()
    assert len(bodies) == 2 and all("zoom.example.org/j/5" in body for body in bodies)


def test_a_burst_of_edits_sends_one_calendar_update(app, client, make_event, make_user, db):
    from eventmgr.calendar.services import queue_calendar_updates
    from eventmgr.events.services import update_event

    organiser = make_user()
    event = make_event(organiser=organiser)
    register(client, event)
    db.session.execute(MailMessage.__table__.delete())
    db.session.commit()
    for _ in range(3):
        update_event(event, {"start_at": event.start_at + timedelta(hours=1),
                             "end_at": event.end_at + timedelta(hours=1)}, organiser, None)
        db.session.commit()
    assert queue_calendar_updates() == 0  # not yet: the organiser may still be editing
    later = datetime.now(UTC) + timedelta(seconds=app.config["CALENDAR_UPDATE_DELAY"] + 1)
    assert queue_calendar_updates(later) == 1
    assert queue_calendar_updates(later) == 0
    message = build_email(db.session.execute(select(MailMessage)).scalar_one())
    invite = Calendar.from_ical(next(message.iter_attachments()).get_content())
    assert invite.walk("VEVENT")[0]["SEQUENCE"] == 3


def test_honeypot_registers_nobody(client, make_event, db):
    event = make_event()
    response = register(client, event, website="http://spam.example")
    assert response.status_code == 302
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


def test_registration_posts_are_rate_limited(app, client, make_event):
    event = make_event()
    statuses = [register(client, event, email=f"d{n}@example.org").status_code for n in range(11)]
    assert statuses[-1] == 429
