"""Kind × format, and how each delegate attends: what an in-person, online or hybrid event shows, asks and sends,
each attendance mode's own seats and waiting list, and moving a delegate between them."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, attachment, body, calendar_part, field_error
from icalendar import Calendar
from sqlalchemy import select

from eventmgr.errors import EventMgrError
from eventmgr.events import services as event_services
from eventmgr.registration import services
from eventmgr.registration.models import Registration

JOIN_URL = "https://zoom.example.org/j/4455"
HYBRID = {
    "kind": "conference",
    "format": "hybrid",
    "venue_name": "Hotel Karven",
    "venue_city": "Cholpon-Ata",
    "venue_country": "KG",
    "online_platform": "Zoom",
    "join_url": JOIN_URL,
}


def register(client, event, email, **fields):
    data = {
        "given_name": email.split("@")[0].capitalize(),
        "family_name": "Delegate",
        "email": email,
        "country": "KZ",
        "consent": "y",
    } | fields
    return client.post(f"/events/{event.slug}/register", data=data | {"csrf_token": csrf_token(client, "/login")})


def registration_of(db, email) -> Registration:
    db.session.expire_all()
    return db.session.execute(select(Registration).where(Registration.email == email)).scalar_one()


def mail_to(mailbox, email, subject):
    mailbox.deliver()
    (found,) = [m for m in mailbox.messages if m["To"] == email and subject in m["Subject"]]
    return found


# --- Kind × format: every kind in every format, and the pages say which ----------------------------------


def test_the_cica_conference_is_an_online_conference_and_its_page_says_so(client, make_event):
    event = make_event(
        title="Regional security in Asia",
        kind="conference",
        format="online",
        online_platform="Zoom",
        join_url=JOIN_URL,
    )
    page = client.get(f"/events/{event.slug}").text
    assert "About this conference" in page and "About this webinar" not in page
    assert "Online (Zoom)" in page
    assert JOIN_URL not in page  # the link is only ever in personal mail, feeds and private pages
    assert "Regional security in Asia" in client.get("/?format=online&kind=conference").text


@pytest.mark.parametrize("kind", ["conference", "webinar", "meeting", "workshop"])
@pytest.mark.parametrize("format_", ["in_person", "online", "hybrid"])
def test_every_kind_can_be_in_person_online_or_hybrid(make_event, kind, format_):
    venue = {k: v for k, v in IN_PERSON.items() if k.startswith("venue_")} if format_ != "online" else {}
    event = make_event(kind=kind, format=format_, **venue)
    assert (event.kind, event.format) == (kind, format_)
    assert (
        event.modes == {"in_person": ("in_person",), "online": ("online",), "hybrid": ("in_person", "online")}[format_]
    )


def test_a_hybrid_event_says_where_and_that_it_is_online_too(client, make_event):
    event = make_event(title="Issyk-Kul Initiative", **HYBRID)
    listing = client.get("/").text
    assert "Hybrid: in Cholpon-Ata and online" in listing
    page = client.get(f"/events/{event.slug}").text
    assert "Hotel Karven" in page and "and online" in page and "(Zoom)" in page


def test_an_in_person_event_needs_a_venue_whatever_its_kind_and_an_online_one_keeps_none(make_event, make_user):
    organiser = make_user()
    base = {
        "title": "Workshop on risk analysis",
        "timezone": "Asia/Bishkek",
        "start_at": datetime(2030, 5, 1, 4, tzinfo=UTC),
        "end_at": datetime(2030, 5, 1, 10, tzinfo=UTC),
        "visibility": "public",
        "registration_policy": "open",
    }
    with pytest.raises(EventMgrError) as refused:
        event_services.create_event(base | {"kind": "workshop", "format": "hybrid"}, organiser)
    assert refused.value.field == "venue_name"
    online = event_services.create_event(
        base | {"kind": "workshop", "format": "online", "venue_name": "Hotel", "capacity": 40}, organiser
    )
    assert (online.venue_name, online.capacity) == (None, None)


def test_a_format_that_would_strand_delegates_is_refused(db, make_event, make_user, make_registration):
    organiser = make_user()
    event = make_event(organiser=organiser, **HYBRID)
    make_registration(event, "online@example.kz", attendance_mode="online")
    with pytest.raises(EventMgrError) as refused:
        event_services.update_event(event, {"format": "in_person"}, organiser, event.version)
    assert refused.value.field == "format" and "1 registered delegate attends online" in str(refused.value)
    db.session.rollback()
    # With nobody online, it may become in person.
    services.change_mode(registration_of(db, "online@example.kz"), "in_person", organiser)
    event_services.update_event(event, {"format": "in_person"}, organiser, event.version)
    db.session.commit()
    assert event.format == "in_person"


# --- What each mode asks --------------------------------------------------------------------------------------


def test_the_form_asks_what_fits_the_format(client, make_event):
    online = client.get(f"/events/{make_event(title='Online webinar').slug}/register").text
    assert 'name="needs_visa_letter"' not in online and 'name="dietary_needs"' not in online
    assert 'name="attendance_mode"' not in online
    in_person = client.get(f"/events/{make_event(title='In the room', **IN_PERSON).slug}/register").text
    assert 'name="needs_visa_letter"' in in_person and 'name="attendance_mode"' not in in_person
    hybrid = client.get(f"/events/{make_event(title='Both', **HYBRID).slug}/register").text
    assert 'name="attendance_mode"' in hybrid and "If you attend in person" in hybrid


def test_a_hybrid_event_needs_a_choice_and_an_online_delegate_keeps_no_in_person_needs(client, db, make_event):
    event = make_event(**HYBRID)
    refused = register(client, event, "undecided@example.kz")
    assert refused.status_code == 422
    assert field_error(refused, "attendance_mode") == "Choose whether you attend in person or online."
    assert db.session.execute(select(Registration)).first() is None
    register(client, event, "online@example.kz", attendance_mode="online", needs_visa_letter="y", dietary_needs="Halal")
    online = registration_of(db, "online@example.kz")
    assert (online.attendance_mode, online.needs_visa_letter, online.dietary_needs) == ("online", False, None)
    register(client, event, "room@example.kz", attendance_mode="in_person", needs_visa_letter="y")
    assert registration_of(db, "room@example.kz").needs_visa_letter is True


# --- What each mode is sent -----------------------------------------------------------------------------------


def test_an_online_delegate_gets_the_join_link_and_no_check_in_code_an_in_person_one_the_reverse(
    client, db, make_event, mailbox
):
    event = make_event(title="Issyk-Kul Initiative", **HYBRID)
    register(client, event, "online@example.kz", attendance_mode="online")
    register(client, event, "room@example.kz", attendance_mode="in_person")

    online = mail_to(mailbox, "online@example.kz", "Registration confirmed")
    text = body(online)
    assert f"Join online (Zoom): {JOIN_URL}" in text and "registration desk" not in text
    assert "Online (Zoom)" in text and "Hotel Karven" not in text
    assert attachment(online, "check-in-code.png") is None
    vevent = Calendar.from_ical(attachment(online, "invite.ics").get_content()).walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == f"Online (Zoom): {JOIN_URL}"
    assert JOIN_URL in str(vevent["DESCRIPTION"])

    room = mail_to(mailbox, "room@example.kz", "Registration confirmed")
    text = body(room)
    assert JOIN_URL not in text and "registration desk" in text
    assert "Hotel Karven, Cholpon-Ata, Kyrgyzstan" in text
    assert attachment(room, "check-in-code.png") is not None
    vevent = Calendar.from_ical(attachment(room, "invite.ics").get_content()).walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == "Hotel Karven, Cholpon-Ata, Kyrgyzstan"
    assert JOIN_URL not in calendar_part(room).get_content()


def test_each_delegates_own_calendar_feed_and_page_follow_their_mode(client, db, make_event, make_registration):
    event = make_event(**HYBRID)
    online = make_registration(event, "online@example.kz", attendance_mode="online")
    room = make_registration(event, "room@example.kz", attendance_mode="in_person")
    feed = lambda r: client.get(f"/events/{event.slug}/registration/{r.access_token}/calendar.ics").text  # noqa: E731
    assert JOIN_URL in feed(online) and JOIN_URL not in feed(room)
    online_page = client.get(f"/events/{event.slug}/registration/{online.access_token}").text
    room_page = client.get(f"/events/{event.slug}/registration/{room.access_token}").text
    assert JOIN_URL in online_page and JOIN_URL not in room_page


def test_reminders_carry_the_join_link_to_online_delegates_only(db, make_event, make_registration, mailbox):
    from eventmgr.registration.reminders import queue_due_reminders

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    event = make_event(start_at=start, **HYBRID)
    make_registration(event, "online@example.kz", attendance_mode="online")
    make_registration(event, "room@example.kz", attendance_mode="in_person")
    queue_due_reminders()
    db.session.commit()
    mailbox.deliver()
    reminders = {m["To"]: body(m) for m in mailbox.messages if m["Subject"].startswith("Reminder")}
    assert JOIN_URL in reminders["online@example.kz"] and JOIN_URL not in reminders["room@example.kz"]


# --- Seats and waiting lists per mode ------------------------------------------------------------------------


def test_each_mode_has_its_own_seats_and_waiting_list(db, make_event, make_registration):
    event = make_event(capacity=1, online_capacity=1, **HYBRID)
    first_room = make_registration(event, "room1@example.kz", attendance_mode="in_person")
    second_room = make_registration(event, "room2@example.kz", attendance_mode="in_person")
    first_online = make_registration(event, "online1@example.kz", attendance_mode="online")
    second_online = make_registration(event, "online2@example.kz", attendance_mode="online")
    assert [r.status for r in (first_room, second_room, first_online, second_online)] == [
        "confirmed",
        "waitlisted",
        "confirmed",
        "waitlisted",
    ]
    db.session.refresh(event)
    assert (event.seats_taken, event.online_seats_taken, event.is_full("in_person"), event.is_full("online")) == (
        2,
        1,
        True,
        True,
    )
    services.cancel(first_room)
    db.session.commit()
    # The seat in the room goes to the room's waiting list, never to the online one.
    assert registration_of(db, "room2@example.kz").status == "confirmed"
    assert registration_of(db, "online2@example.kz").status == "waitlisted"


def test_raising_online_places_moves_only_the_online_list_up(db, make_event, make_user, make_registration):
    organiser = make_user()
    event = make_event(organiser=organiser, capacity=1, online_capacity=1, **HYBRID)
    for n in range(2):
        make_registration(event, f"room{n}@example.kz", attendance_mode="in_person")
        make_registration(event, f"online{n}@example.kz", attendance_mode="online")
    promoted = services.set_capacity(event, 2, organiser, "online")
    db.session.commit()
    assert [r.email for r in promoted] == ["online1@example.kz"]
    assert registration_of(db, "room1@example.kz").status == "waitlisted"


def test_the_organiser_moves_a_delegate_between_modes_with_the_mail_that_says_so(
    client, db, make_event, make_user, make_registration, login, mailbox
):
    organiser = make_user()
    event = make_event(organiser=organiser, capacity=1, online_capacity=1, **HYBRID)
    room = make_registration(event, "room@example.kz", attendance_mode="in_person", needs_visa_letter=True)
    waiting_online = make_registration(event, "online1@example.kz", attendance_mode="online")
    waiting_too = make_registration(event, "online2@example.kz", attendance_mode="online")
    assert (waiting_online.status, waiting_too.status) == ("confirmed", "waitlisted")
    mailbox.deliver()

    # Online is full: a confirmed delegate cannot move there.
    login(organiser)
    url = f"/manage/events/{event.id}/registrations/{room.id}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="attendance_mode"' in page.text
    values = {
        "csrf_token": csrf_token(client, url),
        "given_name": "Room",
        "family_name": "Delegate",
        "country": "KZ",
        "attendance_mode": "online",
    }
    refused = client.post(url, data=values)
    assert refused.status_code == 422 and field_error(refused, "attendance_mode") == "There is no free seat online."
    assert registration_of(db, "room@example.kz").attendance_mode == "in_person"

    # Three places online: the second online delegate moves up from the list, and one place is free.
    assert [r.email for r in services.set_capacity(event, 3, organiser, "online")] == ["online2@example.kz"]
    db.session.commit()
    moved = client.post(url, data=values)
    assert moved.status_code == 302
    room = registration_of(db, "room@example.kz")
    assert (room.attendance_mode, room.status, room.needs_visa_letter) == ("online", "confirmed", False)
    message = mail_to(mailbox, "room@example.kz", "How you attend has changed")
    assert "you now attend online" in body(message) and JOIN_URL in body(message)
    vevent = Calendar.from_ical(attachment(message, "invite.ics").get_content()).walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == f"Online (Zoom): {JOIN_URL}"


def test_a_waitlisted_delegate_who_moves_takes_a_free_seat_at_once(db, make_event, make_user, make_registration):
    organiser = make_user()
    event = make_event(organiser=organiser, capacity=1, **HYBRID)
    make_registration(event, "room1@example.kz", attendance_mode="in_person")
    waiting = make_registration(event, "room2@example.kz", attendance_mode="in_person")
    assert waiting.status == "waitlisted"
    services.change_mode(waiting, "online", organiser)
    db.session.commit()
    assert (registration_of(db, "room2@example.kz").status, event.online_seats_taken) == ("confirmed", 1)


def test_a_delegate_switches_mode_through_their_link_unless_the_mode_is_full(client, db, make_event, make_registration):
    event = make_event(online_capacity=1, **HYBRID)
    make_registration(event, "online@example.kz", attendance_mode="online")
    mine = make_registration(event, "room@example.kz", attendance_mode="in_person")
    url = f"/events/{event.slug}/registration/{mine.access_token}/edit"
    values = {
        "csrf_token": csrf_token(client, url),
        "given_name": "Room",
        "family_name": "Delegate",
        "country": "KZ",
        "attendance_mode": "online",
    }
    refused = client.post(url, data=values)
    assert refused.status_code == 422 and field_error(refused, "attendance_mode") == "There is no free seat online."
    assert registration_of(db, "room@example.kz").attendance_mode == "in_person"


def test_the_desk_filters_and_counts_by_mode(client, db, make_event, make_user, make_registration, login):
    organiser = make_user()
    event = make_event(organiser=organiser, capacity=1, **HYBRID)
    make_registration(event, "room1@example.kz", attendance_mode="in_person", given_name="Roomone")
    make_registration(event, "room2@example.kz", attendance_mode="in_person", given_name="Roomtwo")
    make_registration(event, "online@example.kz", attendance_mode="online", given_name="Onlineone")
    login(organiser)
    page = client.get(f"/manage/events/{event.id}/registrations").text
    assert "1 confirmed, 1 waiting, 0 pending of 1" in page and "1 confirmed, 0 waiting, 0 pending" in page
    online = client.get(f"/manage/events/{event.id}/registrations?mode=online").text
    assert "Onlineone" in online and "Roomone" not in online and "in person" not in online.split("<tbody>")[1]
    export = client.get(f"/manage/events/{event.id}/registrations.csv?mode=in_person").text
    assert "attendance_mode" in export.splitlines()[0] and export.count("in_person") == 2
