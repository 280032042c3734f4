"""The delegate's journey as the test client walks it (issue 13): applying an offer code alone, full events that say
so, the place on the waiting list, the page after registering, registering again after cancelling, and the public
search by words and dates."""

from decimal import Decimal

from conftest import csrf_token
from helpers import IN_PERSON, body, field_error, field_errors, text_of
from sqlalchemy import select

from eventmgr.events.models import EventOrganisation
from eventmgr.events.services import search_public_events
from eventmgr.registration import services
from eventmgr.registration.models import OfferCode, Registration

#: make_event(**HYBRID): in the room at a hotel, and online.
HYBRID = IN_PERSON | {"format": "hybrid"}


def form(email="aida@example.kz", **extra):
    """The smallest valid registration form."""
    return {"given_name": "Aida", "family_name": "Nurlanova", "email": email, "country": "KZ", "consent": "y"} | extra


def post_form(client, event, data):
    return client.post(f"/events/{event.slug}/register", data=data | {"csrf_token": csrf_token(client, "/login")})


def registrations(db) -> list[Registration]:
    db.session.expire_all()
    return db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()


def mails(mailbox, to, subject):
    mailbox.deliver()
    return [m for m in mailbox.messages if m["To"] == to and subject in m["Subject"]]


def paid_event(make_event, db, **fields):
    event = make_event(title="Paid Border Workshop", fee=Decimal("200"), **fields)
    db.session.add(OfferCode(event_id=event.id, code="HALF", discount_kind="percent", discount=Decimal("50")))
    db.session.add(
        OfferCode(
            event_id=event.id, code="MINE", discount_kind="fixed", discount=Decimal("150"), email="aida@example.kz"
        )
    )
    db.session.commit()
    return event


# --- 4. Apply the code -----------------------------------------------------------------------------------------


def test_applying_a_code_judges_the_code_alone_and_keeps_what_was_typed(client, db, make_event):
    event = paid_event(make_event, db)
    # Only a name and the code are typed: no address, no country, no consent.
    response = post_form(client, event, {"given_name": "Aida", "offer_code": "half", "action": "quote"})
    assert response.status_code == 200
    assert field_errors(response) == {}
    assert "Please correct the fields" not in response.text
    assert "Amount due: €100.00 with your code" in text_of(response)
    assert 'value="Aida"' in response.text and 'value="half"' in response.text
    assert registrations(db) == []


def test_a_wrong_code_is_said_at_its_field_only(client, db, make_event):
    event = paid_event(make_event, db)
    response = post_form(client, event, {"offer_code": "NOPE", "action": "quote"})
    assert response.status_code == 422
    assert field_errors(response) == {"offer_code": "This offer code is not valid for this event."}
    assert "Amount due: €200.00" in text_of(response)


def test_a_personal_code_asks_for_its_address_first(client, db, make_event):
    event = paid_event(make_event, db)
    response = post_form(client, event, {"offer_code": "MINE", "action": "quote"})
    assert field_errors(response) == {
        "offer_code": "This offer code is personal: type the e-mail address it was given to."
    }
    response = post_form(client, event, {"offer_code": "MINE", "email": "aida@example.kz", "action": "quote"})
    assert field_errors(response) == {}
    assert "Amount due: €50.00 with your code" in text_of(response)


def test_applying_nothing_says_to_type_the_code(client, db, make_event):
    event = paid_event(make_event, db)
    response = post_form(client, event, {"offer_code": "", "action": "quote"})
    assert response.status_code == 422
    assert field_errors(response) == {"offer_code": "Type the code you were given, then apply it."}


def test_the_form_sent_back_with_errors_keeps_the_discounted_amount(client, db, make_event):
    event = paid_event(make_event, db)
    response = post_form(client, event, form(offer_code="HALF", consent=""))
    assert response.status_code == 422 and field_error(response, "consent")
    assert "Amount due: €100.00 with your code" in text_of(response)
    response = post_form(client, event, form(offer_code="HALF"))
    assert response.status_code == 302
    assert [r.amount_due for r in registrations(db)] == [Decimal("100.00")]


# --- 6. Full events --------------------------------------------------------------------------------------------


def test_a_full_event_says_so_and_offers_the_waiting_list(client, db, make_event, make_registration):
    event = make_event(title="Border Data Webinar", online_capacity=2)
    page = text_of(client.get(f"/events/{event.slug}"))
    assert "2 places left of 2" in page and "Full: join the waiting list" not in page
    make_registration(event)
    make_registration(event)

    page = text_of(client.get(f"/events/{event.slug}"))
    assert "Full: join the waiting list" in page
    assert "Join the waiting list" in page.replace("Full: join the waiting list", "")
    assert "left of" not in page
    assert "Full: join the waiting list" in text_of(client.get("/"))  # the event's card
    assert "Full: join the waiting list" in text_of(client.get("/?q=border"))
    register_page = client.get(f"/events/{event.slug}/register")
    assert "Full: join the waiting list" in text_of(register_page)
    assert ">Join the waiting list</button>" in register_page.text


def test_a_hybrid_event_shows_each_modes_seats(client, db, make_event, make_registration):
    event = make_event(**HYBRID, capacity=1, online_capacity=3)
    make_registration(event, attendance_mode="in_person")
    page = text_of(client.get(f"/events/{event.slug}"))
    assert "In the room: Full: join the waiting list" in page
    assert "Online: 3 places left of 3" in page
    # Places remain online: the button registers, the room's waiting list is one choice of the form.
    assert "Join the waiting list" not in page.replace("Full: join the waiting list", "")
    assert "Full: join the waiting list" not in text_of(client.get("/"))


def test_a_waitlisted_delegate_is_told_their_place(client, db, make_event, make_registration, mailbox):
    event = make_event(title="Border Data Webinar", online_capacity=1)
    first = make_registration(event, "first@example.org")
    second = make_registration(event, "second@example.org")
    third = make_registration(event, "third@example.org")
    assert [r.status for r in (first, second, third)] == ["confirmed", "waitlisted", "waitlisted"]
    assert "You are number 2 on the waiting list." in body(
        mails(mailbox, "third@example.org", "You are on the waiting list")[0]
    )
    page = text_of(client.get(f"/events/{event.slug}/registration/{third.access_token}"))
    assert "You are number 2 on the waiting list." in page

    services.cancel(second)
    db.session.commit()
    page = text_of(client.get(f"/events/{event.slug}/registration/{third.access_token}"))
    assert "You are number 1 on the waiting list." in page
    assert "number" not in text_of(client.get(f"/events/{event.slug}/registration/{first.access_token}"))


def test_each_mode_has_its_own_queue(client, db, make_event, make_registration):
    event = make_event(**HYBRID, capacity=1, online_capacity=1)
    for mode in ("in_person", "online", "in_person", "online", "online"):
        last = make_registration(event, attendance_mode=mode)
    page = text_of(client.get(f"/events/{event.slug}/registration/{last.access_token}"))
    assert "You are number 2 on the waiting list for a place online." in page


# --- 7. The page after registering -----------------------------------------------------------------------------


def test_the_page_after_registering_tells_the_outcome_and_the_address(client, db, make_event):
    event = make_event(title="Border Data Webinar", online_capacity=1)
    response = post_form(client, event, form("aida@example.kz"))
    page = client.get(response.location)
    text = text_of(page)
    assert "Confirmed: your seat is reserved." in text
    assert "We have sent a message to aida@example.kz." in text
    assert f'href="/events/{event.slug}/calendar.ics"' in page.text and "Add to calendar" in text

    # A second browser finds the seat taken.
    client.delete_cookie("session")
    response = post_form(client, event, form("bakyt@example.kg"))
    text = text_of(client.get(response.location))
    assert "On the waiting list" in text and "You are number 1 on the waiting list." in text
    assert "We have sent a message to bakyt@example.kg." in text
    assert "Add to calendar" not in text


def test_the_page_after_registering_under_approval_says_it_waits(client, db, make_event):
    event = make_event(registration_policy="approval")
    text = text_of(client.get(post_form(client, event, form()).location))
    assert "Received: the organisers will approve or decline it" in text
    assert "Add to calendar" not in text


def test_the_page_after_registering_tells_nobody_whether_an_address_was_registered(client, db, make_event):
    """An address registered already gets its link again; the page says what a new registration would get."""
    event = make_event(online_capacity=5)
    client.get(post_form(client, event, form("aida@example.kz")).location)
    client.delete_cookie("session")
    again = text_of(client.get(post_form(client, event, form("aida@example.kz")).location))
    client.delete_cookie("session")
    new = text_of(client.get(post_form(client, event, form("new@example.org")).location))
    assert again.replace("aida@example.kz", "ADDRESS") == new.replace("new@example.org", "ADDRESS")
    assert [r.email for r in registrations(db)] == ["aida@example.kz", "new@example.org"]


def test_the_page_after_registering_without_an_outcome_speaks_generally(client, db, make_event):
    event = make_event()
    text = text_of(client.get(f"/events/{event.slug}/register/done"))
    assert "We have sent a message to the address you gave." in text


# --- 8. Registering again ----------------------------------------------------------------------------------------


def test_the_cancellation_mail_and_page_offer_to_register_again(client, db, make_event, make_registration, mailbox):
    event = make_event(title="Border Data Webinar", online_capacity=1)
    registration = make_registration(event, "aida@example.kz")
    make_registration(event, "bakyt@example.kg")  # waitlisted: Aida's seat will go to Bakyt
    path = f"/events/{event.slug}/registration/{registration.access_token}"
    client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, path)})

    text = body(mails(mailbox, "aida@example.kz", "Registration cancelled")[0])
    assert f"http://localhost/events/{event.slug}/register?email=aida@example.kz" in text
    page = client.get(path)
    assert f'href="/events/{event.slug}/register?email=aida@example.kz"' in page.text
    form_page = client.get(f"/events/{event.slug}/register?email=aida@example.kz")
    assert 'value="aida@example.kz"' in form_page.text


def test_the_cancelled_page_says_registering_again_joins_the_waiting_list(client, db, make_event, make_registration):
    event = make_event(online_capacity=1)
    registration = make_registration(event)
    services.cancel(registration)
    make_registration(event)
    db.session.commit()
    text = text_of(client.get(f"/events/{event.slug}/registration/{registration.access_token}"))
    assert "All seats are taken now: registering again puts you on the waiting list." in text


def test_the_cancellation_mail_says_when_registration_is_closed(db, make_event, make_registration, mailbox):
    event = make_event()
    registration = make_registration(event, "aida@example.kz")
    event.registration_closes_at = event.created_at
    db.session.commit()
    services.cancel(registration)
    db.session.commit()
    text = body(mails(mailbox, "aida@example.kz", "Registration cancelled")[0])
    assert "Registration for this event is closed." in text and "/register" not in text


# --- 14. Search ------------------------------------------------------------------------------------------------


def test_search_finds_every_word_in_any_field_and_order(client, db, make_event, make_organisation):
    border = make_organisation(name="Border Management Programme", acronym="BOMCA")
    make_event(title="Joint Risk Analysis Webinar", description="Risk at the border crossings.")
    make_event(title="Border Data Webinar", description="Sharing data.")
    hosted = make_event(title="Customs Webinar", description="Trade facilitation.")
    db.session.add(EventOrganisation(event_id=hosted.id, organisation_id=border.id, role="host"))
    make_event(title="Border Security Conference", description="In person.", **IN_PERSON)
    db.session.commit()

    def found(query):
        return sorted(e.title for e in search_public_events(text=query, when="all").items)

    assert found("webinar border") == ["Border Data Webinar", "Customs Webinar", "Joint Risk Analysis Webinar"]
    assert found("border   WEBINAR data") == ["Border Data Webinar"]
    assert found("bomca trade") == ["Customs Webinar"]
    assert found("webinar cholpon-ata") == []
    text = text_of(client.get("/?q=webinar+border"))
    assert "3 events found" in text


def test_a_reversed_date_range_is_said_at_the_field(client, db, make_event):
    make_event()
    response = client.get("/?from=2026-12-10&to=2026-12-01")
    assert response.status_code == 422
    assert field_error(response, "to") == "This date is before the “From” date: choose one on or after it."
    assert 'aria-invalid="true"' in response.text
    assert "events found" not in response.text and "No public event matches" not in response.text
    assert client.get("/?from=2026-12-01&to=2026-12-01").status_code == 200
