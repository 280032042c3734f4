"""What one registration costs the database: the statements of a registration POST, counted (counts are exact where
times are not), and the cheaper ways of answering that must give the same answers as the plain ones."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import BACKEND, csrf_token
from helpers import statements_sent
from sqlalchemy import update

from eventmgr.registration import seats
from eventmgr.registration.models import Registration

#: The statements of a registration POST: the event, its questions, the event locked (on SQLite a write that takes
#: the lock, then the read), the address's earlier registration, the new one (and, for a seat, the count of seats
#: taken), its mail; a waitlisted delegate's place on the list is counted for the mail and for the page after.
#: Fewer is welcome (lower these); more is a regression.
STATEMENTS = {
    ("sqlite", "confirmed"): 8,
    ("sqlite", "waitlisted"): 9,
    ("postgresql", "confirmed"): 7,
    ("postgresql", "waitlisted"): 8,
}


def register_by_form(client, event, email: str):
    """POST the registration form as a visitor does (the token fetched first); return the response and the
    statements the POST alone sent."""
    from eventmgr.extensions import db

    path = f"/events/{event.slug}/register"
    data = {
        "csrf_token": csrf_token(client, path),
        "given_name": "Aida",
        "family_name": "Nurlanovna",
        "email": email,
        "country": "KZ",
        "consent": "y",
        "website": "",
    }
    with statements_sent(db) as sent:
        response = client.post(path, data=data)
    return response, sent


@pytest.mark.parametrize("outcome", ["confirmed", "waitlisted"])
def test_a_registration_post_sends_a_fixed_number_of_statements(
    app, client, db, make_event, make_registration, monkeypatch, outcome
):
    # The POST alone: the outbox's delivery after the response is counted elsewhere (tests/test_mail.py).
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)
    event = make_event(online_capacity=1)
    make_registration(event, "first@example.kz")  # takes the one place: the next delegates wait
    if outcome == "confirmed":
        event.online_capacity = 100
        db.session.commit()
    else:
        make_registration(event, "second@example.kz")  # a waiting list to count a place on

    response, sent = register_by_form(client, event, "aida@example.kz")

    assert response.status_code == 302 and response.location.endswith("/register/done")
    db.session.expire_all()
    registration = db.session.execute(
        Registration.__table__.select().where(Registration.email == "aida@example.kz")
    ).one()
    assert registration.status == outcome
    assert len(sent) <= STATEMENTS[(BACKEND, outcome)], "\n".join(sent)
    if outcome == "waitlisted":
        assert "number 2 on the waiting list" in client.get(response.location).text


def test_the_place_said_on_the_waiting_list_is_the_place_in_the_order_seats_are_offered(
    db, make_event, make_registration
):
    """waiting_list_position counts the registrations ahead instead of reading the list: it agrees with the list's
    own order (seats.waiting_list, which promote_waitlisted follows), also for ties and for rows without a
    waitlisted_at (written outside the app: each database sorts those its own way)."""
    event = make_event(online_capacity=1)
    start = datetime.now(UTC).replace(microsecond=0)
    make_registration(event, "first@example.kz", now=start)
    waiting = [
        make_registration(event, f"delegate{n}@example.kz", now=start + timedelta(seconds=n % 3)) for n in range(1, 7)
    ]
    # Two rows lose their waitlisted_at, as rows loaded in bulk have none.
    db.session.execute(
        update(Registration).where(Registration.id.in_([waiting[1].id, waiting[4].id])).values(waitlisted_at=None)
    )
    db.session.commit()
    db.session.expire_all()

    in_order = db.session.execute(seats.waiting_list(event.id, "online")).scalars().all()

    assert sorted(r.id for r in in_order) == sorted(r.id for r in waiting)
    assert [seats.waiting_list_position(r) for r in in_order] == list(range(1, len(waiting) + 1))
    assert seats.waiting_list_position(db.session.get(Registration, waiting[0].id)) is not None
    confirmed = db.session.execute(
        Registration.__table__.select().where(Registration.email == "first@example.kz")
    ).one()
    assert seats.waiting_list_position(db.session.get(Registration, confirmed.id)) is None


def test_the_form_says_what_is_wrong_in_the_readers_language(client, make_event):
    """WTForms' own messages come from its catalogue of the reader's language (read once per language)."""
    event = make_event()
    path = f"/events/{event.slug}/register"
    for language, message in (("ru", "Неверный адрес электронной почты."), ("en", "Invalid email address.")):
        token = csrf_token(client, path)
        response = client.post(
            path,
            data={"csrf_token": token, "given_name": "A", "family_name": "B", "email": "not an address"},
            headers={"Accept-Language": language},
        )
        assert response.status_code == 422
        assert message in response.text
