"""Delegate registration: the form, policies, seats, offer codes, the private link, e-mail and abuse.

Services are called directly where a rule is about data; the delegate's side goes through the test
client; mail goes through the outbox to the real SMTP server of the `mailbox` fixture.
"""

import io
import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import segno
from conftest import csrf_token
from helpers import IN_PERSON, attachment, body, calendar_part, count, field_error
from icalendar import Calendar
from PIL import Image
from sqlalchemy import select

from eventmgr.errors import EventMgrError
from eventmgr.ics import event_uid
from eventmgr.mail.models import MailMessage
from eventmgr.registration import services
from eventmgr.registration.checkin import check_in_code
from eventmgr.registration.models import Invitation, OfferCode, Registration
from eventmgr.registration.reminders import queue_due_reminders

JOIN_URL = "https://zoom.example.org/j/8801"


# --- Helpers ---------------------------------------------------------------------------------------


def form(email="aida@example.kz", **extra):
    """The smallest valid registration form."""
    return {"given_name": "Aida", "family_name": "Nurlanova", "email": email, "country": "KZ", "consent": "y"} | extra


def register(client, event, **data):
    """POST the registration form as a browser would (CSRF token from any page of the session)."""
    return client.post(
        f"/events/{event.slug}/register", data=form(**data) | {"csrf_token": csrf_token(client, "/login")}
    )


def all_registrations(db) -> list[Registration]:
    db.session.expire_all()
    return db.session.execute(select(Registration).order_by(Registration.id)).scalars().all()


def delivered(mailbox):
    """Everything the SMTP server has received, after sending what the outbox still holds."""
    mailbox.deliver()
    return mailbox.messages


def mails(mailbox, to=None, subject=None):
    return [
        m for m in delivered(mailbox) if (to is None or m["To"] == to) and (subject is None or subject in m["Subject"])
    ]


def one_mail(mailbox, to, subject):
    found = mails(mailbox, to, subject)
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in mailbox.messages]
    return found[0]


def manage_path(registration) -> str:
    return f"/events/{registration.event.slug}/registration/{registration.access_token}"


def png_holds(data: bytes, text: str) -> bool:
    """Whether the PNG shows the QR code of `text`: crop to the dark modules, compare each module's centre.

    Any error level and mask segno may have chosen is accepted; only the content matters.
    """
    image = Image.open(io.BytesIO(data)).convert("L")
    left, top, right, bottom = Image.eval(image, lambda v: 255 - v).getbbox()
    for error, boost, mask in itertools.product("lmqh", (True, False), range(8)):
        code = segno.make(text, error=error, boost_error=boost, mask=mask, micro=False)  # the app makes no Micro QR
        size = code.symbol_size(scale=1, border=0)[0]
        scale = (right - left) / size
        if scale != int(scale) or (bottom - top) / size != scale:
            continue
        scale = int(scale)
        modules = [
            [image.getpixel((left + x * scale + scale // 2, top + y * scale + scale // 2)) < 128 for x in range(size)]
            for y in range(size)
        ]
        if modules == [[bool(v) for v in row] for row in code.matrix]:
            return True
    return False


# --- The form: every field's bad input gives a message at that field and saves nothing -------------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("given_name", "", "This field is required."),
        ("given_name", "A" * 121, "Field cannot be longer than 120 characters."),
        ("family_name", "", "This field is required."),
        ("email", "", "This field is required."),
        ("email", "not-an-address", "Invalid email address."),
        ("email", "aida@@example.kz", "Invalid email address."),
        ("email", "aida@example", "Invalid email address."),
        ("country", "", "Choose your country."),
        ("country", "XX", "Choose your country."),
        ("consent", "", "We cannot register you without this consent."),
        ("honorific", "Emperor", "Not a valid choice."),
        ("organisation_id", "999999", "Choose an organisation from the list."),
        ("position", "P" * 301, "Field cannot be longer than 300 characters."),
    ],
)
def test_bad_input_is_refused_at_its_field_and_saves_nothing(client, make_event, db, mailbox, field, value, message):
    event = make_event()
    response = register(client, event, **{field: value})
    assert response.status_code == 422
    assert message in (field_error(response, field) or ""), response.text
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', response.text)
    # Only that field is marked, and the delegate's other input is kept.
    assert len(re.findall(r'<p class="error" id="', response.text)) == 1
    if field != "given_name":
        assert 'value="Aida"' in response.text
    assert count(db, Registration) == 0
    assert count(db, MailMessage) == 0
    assert delivered(mailbox) == []


@pytest.fixture
def questionnaire(db, make_event):
    """A webinar with one required question of each kind, in this order."""
    event = make_event()
    specs = [
        ("Your role in the delegation", "short_text", []),
        ("What should the panel discuss?", "long_text", []),
        ("Which session will you attend?", "single_choice", ["Morning", "Afternoon"]),
        ("Topics of interest", "multiple_choice", ["Risk analysis", "Data sharing", "Training"]),
        ("Will you speak?", "yes_no", []),
    ]
    questions = [
        services.add_question(event, {"label": label, "kind": kind, "options": options, "required": True})
        for label, kind, options in specs
    ]
    db.session.commit()
    return event, questions


def good_answers(questions) -> dict:
    short, long, single, multiple, yes_no = questions
    return {
        f"q_{short.id}": "Head of unit",
        f"q_{long.id}": "Joint risk analysis\nacross borders.",
        f"q_{single.id}": "Afternoon",
        f"q_{multiple.id}": ["Risk analysis", "Training"],
        f"q_{yes_no.id}": "no",
    }


@pytest.mark.parametrize("kind", ["short_text", "long_text", "single_choice", "multiple_choice", "yes_no"])
def test_a_required_question_of_each_kind_must_be_answered(client, db, questionnaire, kind):
    event, questions = questionnaire
    unanswered = next(q for q in questions if q.kind == kind)
    answers = {key: value for key, value in good_answers(questions).items() if key != f"q_{unanswered.id}"}
    response = register(client, event, **answers)
    assert response.status_code == 422
    assert field_error(response, f"q_{unanswered.id}") == "Please answer this question."
    assert len(re.findall(r'<p class="error" id="', response.text)) == 1
    assert count(db, Registration) == 0


@pytest.mark.parametrize(
    "kind, value", [("single_choice", "Evening"), ("multiple_choice", ["Smuggling"]), ("yes_no", "perhaps")]
)
def test_an_answer_must_be_one_of_the_choices(client, db, questionnaire, kind, value):
    event, questions = questionnaire
    question = next(q for q in questions if q.kind == kind)
    response = register(client, event, **(good_answers(questions) | {f"q_{question.id}": value}))
    assert response.status_code == 422
    assert field_error(response, f"q_{question.id}")
    assert count(db, Registration) == 0


def test_answers_are_kept_by_question_with_their_types(client, db, questionnaire):
    event, (short, long, single, multiple, yes_no) = questionnaire
    response = register(client, event, **good_answers([short, long, single, multiple, yes_no]))
    assert response.status_code == 302
    (registration,) = all_registrations(db)
    assert registration.answers == {
        str(short.id): "Head of unit",
        str(long.id): "Joint risk analysis\nacross borders.",
        str(single.id): "Afternoon",
        str(multiple.id): ["Risk analysis", "Training"],
        str(yes_no.id): False,
    }


def test_optional_questions_may_stay_unanswered(client, db, make_event):
    event = make_event()
    services.add_question(event, {"label": "Anything else?", "kind": "long_text", "required": False})
    db.session.commit()
    assert register(client, event).status_code == 302
    assert all_registrations(db)[0].answers == {}


def test_questions_appear_in_their_order(client, db, questionnaire):
    event, questions = questionnaire
    page = client.get(f"/events/{event.slug}/register").text
    positions = [page.index(q.label) for q in questions]
    assert positions == sorted(positions)
    # Reordered by the organisers: the form follows.
    for position, question in enumerate(reversed(questions)):
        question.position = position
    db.session.commit()
    page = client.get(f"/events/{event.slug}/register").text
    positions = [page.index(q.label) for q in questions]
    assert positions == sorted(positions, reverse=True)


def test_organisation_from_the_directory_or_named_new(client, db, make_event, make_organisation):
    event = make_event()
    border_service = make_organisation("Border Service of Kyrgyzstan", kind="border_agency")
    assert "Border Service of Kyrgyzstan" in client.get(f"/events/{event.slug}/register").text
    assert register(client, event, organisation_id=str(border_service.id)).status_code == 302
    assert (
        register(
            client,
            event,
            email="nodira@example.uz",
            organisation_id="",
            organisation_name="Customs Academy of Uzbekistan",
        ).status_code
        == 302
    )
    chosen, named = all_registrations(db)
    assert (chosen.organisation_id, chosen.organisation_name) == (border_service.id, None)
    assert chosen.organisation_display == "Border Service of Kyrgyzstan"
    assert (named.organisation_id, named.organisation_name) == (None, "Customs Academy of Uzbekistan")
    assert named.organisation_display == "Customs Academy of Uzbekistan"


def test_every_field_is_stored(client, db, make_event):
    event = make_event(languages=["en", "ru"], **IN_PERSON)
    response = register(
        client,
        event,
        honorific="Dr.",
        position="Head of unit",
        delegation="Kazakhstan",
        needs_visa_letter="y",
        accessibility_needs="Step-free access",
        dietary_needs="Halal",
        interpretation_language="ru",
        list_publicly="y",
    )
    assert response.status_code == 302
    (r,) = all_registrations(db)
    assert (r.honorific, r.given_name, r.family_name, r.email, r.position, r.country, r.delegation) == (
        "Dr.",
        "Aida",
        "Nurlanova",
        "aida@example.kz",
        "Head of unit",
        "KZ",
        "Kazakhstan",
    )
    assert (r.needs_visa_letter, r.accessibility_needs, r.dietary_needs, r.interpretation_language) == (
        True,
        "Step-free access",
        "Halal",
        "ru",
    )
    assert r.list_publicly is True and r.consented_at is not None
    assert r.full_name == "Dr. Aida Nurlanova"


def test_the_email_is_stored_lower_case(client, db, make_event):
    event = make_event()
    register(client, event, email="Aida.Nurlanova@Example.KZ")
    assert all_registrations(db)[0].email == "aida.nurlanova@example.kz"


# --- Policies --------------------------------------------------------------------------------------


def test_open_policy_confirms_while_seats_remain_then_waitlists(client, db, make_event, mailbox):
    event = make_event(online_capacity=2)
    for email in ("aida@example.kz", "bakyt@example.kg", "nodira@example.uz"):
        assert register(client, event, email=email).status_code == 302
    assert [r.status for r in all_registrations(db)] == ["confirmed", "confirmed", "waitlisted"]
    assert services.confirmed_count(event.id) == 2
    one_mail(mailbox, "aida@example.kz", f"Registration confirmed: {event.title}")
    one_mail(mailbox, "bakyt@example.kg", f"Registration confirmed: {event.title}")
    waitlisted = one_mail(mailbox, "nodira@example.uz", f"You are on the waiting list: {event.title}")
    assert attachment(waitlisted, "invite.ics") is None  # no seat, nothing for the calendar yet
    assert "All seats are taken" in client.get(f"/events/{event.slug}/register").text


def test_an_event_without_capacity_confirms_everyone(db, make_event, make_registration):
    event = make_event(online_capacity=None)
    statuses = {make_registration(event, f"d{n}@example.org").status for n in range(5)}
    assert statuses == {"confirmed"}


def test_approval_policy(client, db, make_event, make_user, mailbox):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="approval", online_capacity=1)
    for email in ("aida@example.kz", "bakyt@example.kg", "nodira@example.uz"):
        assert register(client, event, email=email).status_code == 302
    aida, bakyt, nodira = all_registrations(db)
    assert [r.status for r in (aida, bakyt, nodira)] == ["pending"] * 3
    pending = one_mail(mailbox, "aida@example.kz", "awaiting approval")
    assert attachment(pending, "invite.ics") is None
    assert client.get(manage_path(aida)).text.count("Received: the organisers will approve or decline it.") == 1

    services.decide(aida, True, organiser, "Welcome to Bishkek.")
    services.decide(bakyt, True, organiser)  # the only seat is taken: the waiting list
    services.decide(nodira, False, organiser, "The delegation is complete.")
    db.session.commit()
    assert [r.status for r in all_registrations(db)] == ["confirmed", "waitlisted", "declined"]
    approved = one_mail(mailbox, "aida@example.kz", f"Registration approved: {event.title}")
    assert "Welcome to Bishkek." in body(approved)
    assert attachment(approved, "invite.ics") is not None
    one_mail(mailbox, "bakyt@example.kg", f"You are on the waiting list: {event.title}")
    declined = one_mail(mailbox, "nodira@example.uz", f"Registration declined: {event.title}")
    assert "The delegation is complete." in body(declined)
    page = client.get(manage_path(nodira)).text
    assert "Declined by the organisers on " in page and "The delegation is complete." in page

    with pytest.raises(EventMgrError):
        services.decide(nodira, True, organiser)  # a decided registration stays decided
    db.session.rollback()
    services.decide(bakyt, False, organiser, "No seat came free.")  # approved but still waiting: may be declined
    db.session.commit()
    assert [r.status for r in all_registrations(db)] == ["confirmed", "declined", "declined"]
    assert "No seat came free." in body(one_mail(mailbox, "bakyt@example.kg", f"Registration declined: {event.title}"))


def invitation_link(mailbox, event, email) -> str:
    """The path of the registration link in the invitation mailed to the address."""
    message = one_mail(mailbox, email, f"Invitation to register: {event.title}")
    return re.search(r"https?://[^/\s]+(/\S+/register\S*)", body(message)).group(1)


def test_an_invited_address_registers_through_its_link(client, db, make_event, make_user, mailbox):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="invitation")
    assert services.invite(event, [("Aida@Example.kz", "Aida Nurlanova")], organiser) == 1
    assert services.invite(event, [("aida@example.kz", None)], organiser) == 0  # invited once
    db.session.commit()
    (invitation,) = db.session.execute(select(Invitation)).scalars().all()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", invitation.token)
    message = one_mail(mailbox, "aida@example.kz", f"Invitation to register: {event.title}")
    assert "Dear Aida Nurlanova" in body(message)
    link = invitation_link(mailbox, event, "aida@example.kz")
    assert link == f"/events/{event.slug}/register?invitation={invitation.token}"  # no address in the link

    page = client.get(link)
    assert page.status_code == 200
    assert re.search(r'<input type="email" id="email" value="aida@example.kz" readonly', page.text)
    assert 'name="email"' not in page.text  # shown, not editable, not sent
    # Whatever address the request names, the invitation's registers.
    response = client.post(
        link,
        data=form(email="someone.else@example.org")
        | {"invitation": invitation.token, "csrf_token": csrf_token(client, link)},
    )
    assert response.status_code == 302 and response.location.endswith("/register/done")
    assert [(r.email, r.status) for r in all_registrations(db)] == [("aida@example.kz", "confirmed")]
    one_mail(mailbox, "aida@example.kz", f"Registration confirmed: {event.title}")
    assert mails(mailbox, "someone.else@example.org") == []


def strangers_post(client, event, email, token):
    """POST the form of an invitation-only event as someone who has no (or a wrong) invitation link."""
    data = form(email=email) | {"csrf_token": csrf_token(client, "/login")}
    url = f"/events/{event.slug}/register"
    if token is not None:
        data["invitation"] = token
        url += f"?invitation={token}"
    return client.post(url, data=data)


@pytest.mark.parametrize("token", ["none", "empty", "made up", "altered", "another event's", "too long"])
def test_without_its_link_an_invited_address_is_answered_like_any_other(
    client, db, make_event, make_user, mailbox, token
):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="invitation")
    other = make_event(organiser=organiser, registration_policy="invitation", title="Another conference")
    services.invite(event, [("aida@example.kz", "Aida")], organiser)
    services.invite(other, [("bakyt@example.kg", "Bakyt")], organiser)
    db.session.commit()
    mailbox.deliver()
    invited = db.session.execute(select(Invitation).where(Invitation.event_id == event.id)).scalar_one().token
    elsewhere = db.session.execute(select(Invitation).where(Invitation.event_id == other.id)).scalar_one().token
    value = {
        "none": None,
        "empty": "",
        "made up": "A" * 43,
        "altered": altered(invited)[0],
        "another event's": elsewhere,
        "too long": invited * 2,
    }[token]
    queued = count(db, MailMessage)

    answers = [
        strangers_post(client, event, email, value)
        for email in ("aida@example.kz", "AIDA@example.kz", "bakyt@example.kg", "nobody@example.org")
    ]
    assert {response.status_code for response in answers} == {403}
    assert len({response.data for response in answers}) == 1  # the same page, byte for byte
    text = answers[0].text
    assert "This event is by invitation." in text and "link in the e-mail that invited you" in text
    assert "<form" not in text.split("<main", 1)[-1] and "@example" not in text
    assert count(db, Registration) == 0 and count(db, MailMessage) == queued
    assert len(delivered(mailbox)) == 2  # the two invitations, nothing since


def test_the_form_of_an_invitation_only_event_asks_for_no_address(client, db, make_event, make_user):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="invitation")
    services.invite(event, [("aida@example.kz", "Aida")], organiser)
    db.session.commit()
    plain = client.get(f"/events/{event.slug}/register")
    # The links of invitations mailed before tokens carried the address: they name it to nobody now.
    old_link = client.get(f"/events/{event.slug}/register?email=aida@example.kz")
    bad = client.get(f"/events/{event.slug}/register?invitation=nonsense")
    assert plain.status_code == old_link.status_code == bad.status_code == 200
    assert plain.data == old_link.data == bad.data
    assert "This event is by invitation." in plain.text and "aida@example.kz" not in old_link.text
    assert "<input" not in plain.text.split("<main", 1)[-1]


def test_registering_needs_the_invitation_in_the_service_too(db, make_event, make_user):
    organiser = make_user()
    event, other = (
        make_event(organiser=organiser, registration_policy="invitation"),
        make_event(organiser=organiser, registration_policy="invitation", title="Another conference"),
    )
    services.invite(event, [("aida@example.kz", None)], organiser)
    services.invite(other, [("aida@example.kz", None)], organiser)
    db.session.commit()
    data = {"given_name": "Aida", "family_name": "Nurlanova", "email": "aida@example.kz", "country": "KZ"}
    for invitation in (None, services.invitation_for(other, "aida@example.kz")):
        with pytest.raises(services.InvitationRequired) as refused:
            services.register(event, data, invitation=invitation)
        assert refused.value.field is None and refused.value.status_code == 403
        db.session.rollback()
    registration = services.register(
        event, data | {"email": "mallory@example.org"}, invitation=services.invitation_for(event, "aida@example.kz")
    )
    assert registration.email == "aida@example.kz"


def test_an_invitation_on_an_open_event_fixes_the_address_too(client, db, make_event, make_user):
    organiser = make_user()
    event = make_event(organiser=organiser)
    services.invite(event, [("aida@example.kz", None)], organiser)
    db.session.commit()
    token = services.invitation_for(event, "aida@example.kz").token
    link = f"/events/{event.slug}/register?invitation={token}"
    assert 'value="aida@example.kz" readonly' in client.get(link).text
    client.post(
        link, data=form(email="bakyt@example.kg") | {"invitation": token, "csrf_token": csrf_token(client, link)}
    )
    assert [r.email for r in all_registrations(db)] == ["aida@example.kz"]
    assert register(client, event, email="bakyt@example.kg").status_code == 302  # open: anyone may register


def test_a_cancelled_invitee_registers_again_through_the_invitation(client, db, make_event, make_user):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="invitation")
    services.invite(event, [("aida@example.kz", None)], organiser)
    db.session.commit()
    invitation = services.invitation_for(event, "aida@example.kz")
    registration = services.register(
        event, {"given_name": "Aida", "family_name": "Nurlanova", "country": "KZ"}, invitation=invitation
    )
    services.cancel(registration)
    db.session.commit()
    again = f"/events/{event.slug}/register?invitation={invitation.token}"
    assert f'href="{again}"' in client.get(manage_path(registration)).text
    assert (
        client.post(
            again, data=form() | {"invitation": invitation.token, "csrf_token": csrf_token(client, again)}
        ).status_code
        == 302
    )
    assert [(r.id, r.status) for r in all_registrations(db)] == [(registration.id, "confirmed")]


def test_invitations_made_before_tokens_get_one_from_the_migration(tmp_path):
    """Existing invitations keep working: the migration gives each a token, so the desk can send its link."""
    from conftest import new_database
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from eventmgr import create_app
    from eventmgr.events.services import create_event
    from eventmgr.extensions import db as database

    with new_database(tmp_path) as url:
        scratch = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test secret key"})
        with scratch.app_context():
            upgrade()
            start = datetime(2030, 5, 20, 4, tzinfo=UTC)
            create_event(
                {
                    "title": "Regional Conference on Border Security",
                    "kind": "conference",
                    "timezone": "Asia/Almaty",
                    "start_at": start,
                    "end_at": start + timedelta(days=2),
                    "venue_name": "Borovoe Conference Centre",
                    "venue_country": "KZ",
                    "visibility": "public",
                    "registration_policy": "invitation",
                },
                None,
            )
            database.session.commit()
            database.session.remove()
            downgrade(revision="0009")
            database.session.execute(
                text("INSERT INTO invitations (event_id, email, created_at) SELECT id, :email, :now FROM events"),
                [{"email": f"d{n}@example.org", "now": datetime(2030, 1, 1, tzinfo=UTC)} for n in range(3)],
            )
            database.session.commit()
            upgrade()
            tokens = database.session.execute(text("SELECT token FROM invitations")).scalars().all()
            assert len(tokens) == len(set(tokens)) == 3
            assert all(re.fullmatch(r"[A-Za-z0-9_-]{43,}", token) for token in tokens)
            database.session.remove()
            downgrade(revision="0009")
            assert database.session.execute(text("SELECT count(*) FROM invitations")).scalar_one() == 3
            database.session.remove()
            database.engine.dispose()


@pytest.mark.parametrize("case", ["not yet open", "closed", "event over", "event cancelled"])
def test_the_window_and_the_event_status_are_enforced(client, db, make_event, case):
    now = datetime.now(UTC)
    if case == "not yet open":
        event = make_event(registration_opens_at=now + timedelta(days=2))
    elif case == "closed":
        event = make_event(
            registration_opens_at=now - timedelta(days=5), registration_closes_at=now - timedelta(days=1)
        )
    elif case == "event over":
        event = make_event(start_at=now - timedelta(days=2))
    else:
        event = make_event(status="cancelled")
    page = client.get(f"/events/{event.slug}/register")
    assert page.status_code == 200
    assert "Registration is not open" in page.text and 'name="given_name"' not in page.text
    expected = "Registration opens" if case == "not yet open" else "Registration for this event is closed."
    assert expected in page.text
    refused = register(client, event)
    assert refused.status_code != 302 and "Registration is not open" in refused.text
    assert count(db, Registration) == 0 and count(db, MailMessage) == 0
    with pytest.raises(EventMgrError, match="closed"):
        services.register(event, {"given_name": "A", "family_name": "B", "email": "a@example.org"})
    db.session.rollback()


def test_registration_opens_and_closes_on_time(db, make_event):
    now = datetime.now(UTC)
    opens, closes = now + timedelta(days=1), now + timedelta(days=3)
    event = make_event(registration_opens_at=opens, registration_closes_at=closes)
    for moment, is_open in [
        (opens - timedelta(seconds=1), False),
        (opens, True),
        (closes - timedelta(seconds=1), True),
        (closes, False),
    ]:
        assert event.registration_is_open(moment) is is_open, moment


def test_draft_and_private_events_are_not_found(client, db, make_event):
    for event in (make_event(status="draft"), make_event(visibility="private")):
        assert client.get(f"/events/{event.slug}/register").status_code == 404
        assert register(client, event).status_code == 404
    assert count(db, Registration) == 0


def test_a_second_registration_is_answered_like_a_new_one(client, db, make_event, mailbox):
    event = make_event()
    first = register(client, event)
    again = register(client, event, email="AIDA@example.KZ", given_name="Someone", family_name="Else")
    fresh = register(client, event, email="bakyt@example.kg")
    assert first.status_code == again.status_code == fresh.status_code == 302
    assert first.location == again.location == fresh.location
    assert client.get(again.location).text == client.get(fresh.location).text
    registrations = all_registrations(db)
    assert [(r.email, r.given_name) for r in registrations] == [
        ("aida@example.kz", "Aida"),
        ("bakyt@example.kg", "Aida"),
    ]
    aida = registrations[0]
    messages = mails(mailbox, "aida@example.kz")
    assert [m["Subject"] for m in messages] == [
        f"Registration confirmed: {event.title}",
        f"Your registration link: {event.title}",
    ]
    assert f"{manage_path(aida)}" in body(messages[1])
    assert "Someone" not in body(messages[1])


def test_a_cancelled_delegate_may_register_again(db, make_event, make_registration):
    event = make_event(online_capacity=1)
    first = make_registration(event, "aida@example.kz")
    services.cancel(first)
    db.session.commit()
    again = make_registration(event, "aida@example.kz", given_name="Aida")
    assert again.id == first.id and again.status == "confirmed" and again.cancelled_at is None
    assert count(db, Registration) == 1


# --- Capacity and the waiting list -----------------------------------------------------------------


def test_a_cancellation_promotes_the_first_on_the_waiting_list(client, db, make_event, mailbox, make_registration):
    event = make_event(online_capacity=1, join_url=JOIN_URL)
    start = datetime.now(UTC)
    aida = make_registration(event, "aida@example.kz", now=start)
    bakyt = make_registration(event, "bakyt@example.kg", now=start + timedelta(seconds=1))
    nodira = make_registration(event, "nodira@example.uz", now=start + timedelta(seconds=2))
    assert [aida.status, bakyt.status, nodira.status] == ["confirmed", "waitlisted", "waitlisted"]
    mailbox.deliver()
    before = len(mailbox.messages)

    path = manage_path(aida)
    response = client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.location.endswith(path)
    assert [r.status for r in all_registrations(db)] == ["cancelled", "confirmed", "waitlisted"]
    assert services.confirmed_count(event.id) == 1
    cancelled = one_mail(mailbox, "aida@example.kz", "Registration cancelled")
    assert Calendar.from_ical(attachment(cancelled, "invite.ics").get_content())["METHOD"] == "CANCEL"
    promoted = one_mail(mailbox, "bakyt@example.kg", f"A seat is free: your registration is confirmed: {event.title}")
    assert JOIN_URL in body(promoted)
    assert Calendar.from_ical(attachment(promoted, "invite.ics").get_content())["METHOD"] == "REQUEST"
    assert attachment(promoted, "check-in-code.png") is None  # online: no desk to show it at
    assert len(mailbox.messages) == before + 2  # Nodira waits, and hears nothing


def test_cancelling_without_a_seat_promotes_nobody(db, make_event, make_registration):
    event = make_event(online_capacity=1)
    make_registration(event, "aida@example.kz")
    bakyt = make_registration(event, "bakyt@example.kg")
    nodira = make_registration(event, "nodira@example.uz")
    services.cancel(bakyt)
    db.session.commit()
    assert [r.status for r in all_registrations(db)] == ["confirmed", "cancelled", "waitlisted"]
    assert nodira.status == "waitlisted"


def test_raising_capacity_moves_the_list_up_in_order(db, make_event, make_user, make_registration):
    organiser = make_user()
    event = make_event(organiser=organiser, online_capacity=1)
    start = datetime.now(UTC)
    for n, email in enumerate(("a@example.org", "b@example.org", "c@example.org", "d@example.org")):
        make_registration(event, email, now=start + timedelta(seconds=n))
    promoted = services.set_capacity(event, 3, organiser)
    db.session.commit()
    assert [r.email for r in promoted] == ["b@example.org", "c@example.org"]
    assert [r.status for r in all_registrations(db)] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert services.set_capacity(event, None, organiser)[0].email == "d@example.org"
    db.session.commit()
    with pytest.raises(EventMgrError):
        services.set_capacity(event, 0, organiser)
    db.session.rollback()


def test_the_count_of_seats_taken_follows_every_change(db, make_event, make_user, make_registration):
    """Registering reads Event.seats_taken instead of counting: whatever moves a delegate into or out of a
    seat (registering, cancelling, the waiting list moving up, decisions, capacity, deletion) moves it."""
    from eventmgr.events.models import Event
    from eventmgr.registration.seats import recount

    organiser = make_user()
    event = make_event(organiser=organiser, online_capacity=2)
    approval = make_event(organiser=organiser, online_capacity=1, registration_policy="approval")

    def taken(e):
        db.session.expire_all()
        return db.session.get(Event, e.id).seats_taken

    def agrees():
        assert taken(event) == services.confirmed_count(event.id)
        assert taken(approval) == services.confirmed_count(approval.id)
        assert recount(db.session) == 0  # nothing to mend

    updated_at = db.session.get(Event, event.id).updated_at
    a, b, c = (make_registration(event, f"{name}@example.org") for name in "abc")
    assert taken(event) == 2 and c.status == "waitlisted"
    agrees()
    # Counting is not an edit: the event's date (its calendar files' Last-Modified and ETag) stays.
    assert db.session.get(Event, event.id).updated_at == updated_at
    services.cancel(a)  # b stays, c moves up
    db.session.commit()
    assert taken(event) == 2 and c.status == "confirmed"
    agrees()
    services.set_capacity(event, 5, organiser)
    make_registration(event, "a@example.org")  # the cancelled delegate comes back: same row, a seat again
    assert taken(event) == 3
    agrees()
    db.session.delete(db.session.get(Registration, b.id))
    db.session.commit()
    assert taken(event) == 2
    agrees()

    pending = make_registration(approval, "p@example.org")
    assert taken(approval) == 0
    services.decide(pending, True, organiser)
    db.session.commit()
    assert taken(approval) == 1
    agrees()
    services.cancel(pending)
    db.session.rollback()  # a change that rolls back moves nothing
    assert taken(approval) == 1
    agrees()


def test_a_wrong_count_is_mended_by_recounting(db, make_event, make_registration):
    from eventmgr.events.models import Event
    from eventmgr.registration.seats import recount

    event = make_event(online_capacity=5)
    make_registration(event, "a@example.org")
    db.session.execute(Event.__table__.update().values(seats_taken=4))  # rows written around the ORM
    assert recount(db.session) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Event, event.id).seats_taken == 1


# --- Fees and offer codes --------------------------------------------------------------------------


def offer(db, event, code, kind="percent", discount="50", **fields):
    found = OfferCode(event_id=event.id, code=code, discount_kind=kind, discount=Decimal(discount), **fields)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.mark.parametrize(
    "kind, discount, due, shown",
    [
        ("percent", "25", Decimal("150.00"), "€150.00"),
        ("percent", "100", Decimal("0.00"), "€0.00"),
        ("fixed", "30", Decimal("170.00"), "€170.00"),
        ("fixed", "250", Decimal("0.00"), "€0.00"),
    ],
)
def test_offer_codes_discount_the_fee(client, db, make_event, mailbox, kind, discount, due, shown):
    event = make_event(fee=Decimal("200"))
    code = offer(db, event, "DELEGATE", kind, discount)
    assert register(client, event, offer_code=" delegate ").status_code == 302
    (registration,) = all_registrations(db)
    assert registration.amount_due == due and registration.offer_code_id == code.id
    db.session.refresh(code)
    assert code.uses == 1


def test_without_a_code_the_full_fee_is_due(client, db, make_event, mailbox):
    event = make_event(fee=Decimal("200"))
    register(client, event)
    (registration,) = all_registrations(db)
    assert registration.amount_due == Decimal("200.00")
    assert re.search(r"Amount due\s*€200\.00", re.sub(r"<[^>]+>", "", client.get(manage_path(registration)).text))
    assert "Amount due" in body(one_mail(mailbox, "aida@example.kz", "Registration confirmed"))


def test_the_amount_due_is_shown_before_submitting(client, db, make_event):
    event = make_event(fee=Decimal("200"))
    half = offer(db, event, "HALF", max_uses=1)
    url = f"/events/{event.slug}/register"
    page = client.get(url)
    assert "Apply the code" in page.text and "Amount due: <strong>€200.00</strong>" in page.text
    quote = client.post(url, data=form(offer_code="half", action="quote") | {"csrf_token": csrf_token(client, url)})
    assert quote.status_code == 200
    assert "Amount due: <strong>€100.00</strong>" in quote.text
    assert 'value="half"' in quote.text and 'value="Aida"' in quote.text  # the form is kept
    assert count(db, Registration) == 0
    db.session.refresh(half)
    assert half.uses == 0  # a quote takes no use
    wrong = client.post(url, data=form(offer_code="NOPE", action="quote") | {"csrf_token": csrf_token(client, url)})
    assert wrong.status_code == 422
    assert field_error(wrong, "offer_code") == "This offer code is not valid for this event."


def test_a_free_event_asks_for_no_fee(client, db, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register").text
    assert "Apply the code" not in page and "Amount due" not in page
    register(client, event)
    assert all_registrations(db)[0].amount_due == 0


def test_a_personal_code_is_refused_for_other_addresses(client, db, make_event):
    event = make_event(fee=Decimal("200"))
    mine = offer(db, event, "AIDA-ONLY", "fixed", "200", email="aida@example.kz")
    refused = register(client, event, email="bakyt@example.kg", offer_code="AIDA-ONLY")
    assert refused.status_code == 422
    assert field_error(refused, "offer_code") == "This offer code is personal to another delegate."
    assert count(db, Registration) == 0
    assert register(client, event, email="Aida@Example.KZ", offer_code="aida-only").status_code == 302
    assert all_registrations(db)[0].amount_due == Decimal("0.00")
    db.session.refresh(mine)
    assert mine.uses == 1


@pytest.mark.parametrize(
    "window, accepted",
    [
        ({"valid_from": timedelta(hours=1)}, False),
        ({"valid_until": timedelta(hours=-1)}, False),
        ({"valid_from": timedelta(hours=-1), "valid_until": timedelta(hours=1)}, True),
    ],
)
def test_a_code_is_valid_only_in_its_window(client, db, make_event, window, accepted):
    event = make_event(fee=Decimal("200"))
    now = datetime.now(UTC)
    offer(db, event, "EARLY", **{key: now + delta for key, delta in window.items()})
    response = register(client, event, offer_code="EARLY")
    if accepted:
        assert response.status_code == 302
    else:
        assert response.status_code == 422
        assert field_error(response, "offer_code") == "This offer code is not valid at this time."
        assert count(db, Registration) == 0


def test_a_code_of_another_event_is_not_valid(client, db, make_event):
    event, other = make_event(fee=Decimal("200")), make_event(title="Another", fee=Decimal("200"))
    offer(db, other, "OTHER")
    response = register(client, event, offer_code="OTHER")
    assert field_error(response, "offer_code") == "This offer code is not valid for this event."
    assert count(db, Registration) == 0


def test_a_code_is_used_up_and_a_cancellation_gives_its_use_back(client, db, make_event):
    event = make_event(fee=Decimal("200"))
    once = offer(db, event, "ONCE", max_uses=1)
    assert register(client, event, offer_code="ONCE").status_code == 302
    used_up = register(client, event, email="bakyt@example.kg", offer_code="ONCE")
    assert used_up.status_code == 422
    assert field_error(used_up, "offer_code") == "This offer code has been used up."
    assert count(db, Registration) == 1
    services.cancel(all_registrations(db)[0])
    db.session.commit()
    db.session.refresh(once)
    assert once.uses == 0
    assert register(client, event, email="bakyt@example.kg", offer_code="ONCE").status_code == 302


# --- The private link ------------------------------------------------------------------------------


def test_the_private_token_is_long_random_and_url_safe(db, make_event, make_registration):
    event = make_event()
    tokens = [make_registration(event, f"d{n}@example.org").access_token for n in range(5)]
    assert len(set(tokens)) == 5
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert len(token) * 6 >= 128  # URL-safe base64 carries 6 bits a character
        assert len(token) >= 43  # secrets.token_urlsafe(32): 256 bits


def altered(token: str) -> list[str]:
    last = "A" if token[-1] != "A" else "B"
    return [token[:-1] + last, token[:-1], token + "A", token.swapcase(), "A" * len(token), token * 2]


def delegate_requests(client, slug, token):
    """Every delegate URL, each as (label, response)."""
    base = f"/events/{slug}/registration/{token}"
    post_data = form() | {"csrf_token": csrf_token(client, "/login")}
    return [
        ("manage", client.get(base)),
        ("edit", client.get(f"{base}/edit")),
        ("edit POST", client.post(f"{base}/edit", data=post_data)),
        ("cancel POST", client.post(f"{base}/cancel", data=post_data)),
        ("invite.ics", client.get(f"{base}/invite.ics")),
        ("qr.svg", client.get(f"{base}/qr.svg")),
    ]


def test_a_wrong_or_altered_token_is_not_found_on_every_delegate_url(client, db, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, "aida@example.kz")
    token = registration.access_token
    for label, response in delegate_requests(client, event.slug, token):
        assert response.status_code in (200, 302), label  # the real token works everywhere
    registration = make_registration(event, "bakyt@example.kg")
    token = registration.access_token
    for wrong in altered(token):
        for label, response in delegate_requests(client, event.slug, wrong):
            assert response.status_code == 404, (label, wrong)
    db.session.refresh(registration)
    assert registration.status == "confirmed" and registration.given_name == "Bakyt"


def test_a_token_of_another_events_registration_is_not_found(client, db, make_event, make_registration):
    event, other = make_event(), make_event(title="Another webinar")
    registration = make_registration(other, "aida@example.kz")
    for label, response in delegate_requests(client, event.slug, registration.access_token):
        assert response.status_code == 404, label
    assert client.get(f"/events/no-such-event/registration/{registration.access_token}").status_code == 404
    db.session.refresh(registration)
    assert registration.status == "confirmed"


def test_the_manage_page_is_private(client, db, make_event, make_registration):
    event = make_event(online_capacity=1, join_url=JOIN_URL)
    aida = make_registration(event, "aida@example.kz", position="Head of unit")
    bakyt = make_registration(event, "bakyt@example.kg")
    page = client.get(manage_path(aida))
    assert page.status_code == 200
    assert "private" in page.headers["Cache-Control"] and "no-store" in page.headers["Cache-Control"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex">' in page.text
    assert "Confirmed: your seat is reserved." in page.text and "Head of unit" in page.text
    assert JOIN_URL in page.text
    assert "bakyt@example.kg" not in page.text
    waiting = client.get(manage_path(bakyt))
    assert "On the waiting list" in waiting.text and JOIN_URL not in waiting.text
    assert "aida@example.kz" not in waiting.text


def test_the_delegate_edits_their_details(client, db, questionnaire):
    event, questions = questionnaire
    short, long, single, multiple, yes_no = questions
    register(client, event, **good_answers(questions))
    (registration,) = all_registrations(db)
    path = f"{manage_path(registration)}/edit"
    page = client.get(path)
    assert page.status_code == 200 and 'value="Head of unit"' in page.text
    changed = (
        form(email="someone.else@example.org", given_name="Aigerim", position="Deputy head", country="KG")
        | good_answers(questions)
        | {
            f"q_{single.id}": "Morning",
            f"q_{multiple.id}": ["Data sharing"],
            f"q_{yes_no.id}": "yes",
            "csrf_token": csrf_token(client, path),
        }
    )
    response = client.post(path, data=changed)
    assert response.status_code == 302 and response.location.endswith(manage_path(registration))
    (registration,) = all_registrations(db)
    assert (registration.given_name, registration.position, registration.country) == ("Aigerim", "Deputy head", "KG")
    assert registration.email == "aida@example.kz"  # the address is the registration's key
    assert registration.answers[str(single.id)] == "Morning"
    assert registration.answers[str(multiple.id)] == ["Data sharing"]
    assert registration.answers[str(yes_no.id)] is True
    shown = client.get(manage_path(registration)).text
    assert "Deputy head" in shown and "Kyrgyzstan" in shown and "Data sharing" in shown


@pytest.mark.parametrize("field, value", [("given_name", ""), ("country", "XX"), ("organisation_id", "999999")])
def test_a_bad_edit_is_refused_at_its_field(client, db, make_event, field, value, make_registration):
    event = make_event()
    registration = make_registration(event, "aida@example.kz", given_name="Aida", position="Head of unit")
    path = f"{manage_path(registration)}/edit"
    response = client.post(path, data=form(position="Changed") | {field: value, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 422 and field_error(response, field)
    (registration,) = all_registrations(db)
    assert (registration.given_name, registration.position, registration.country) == ("Aida", "Head of unit", "KZ")


def test_the_delegate_cancels(client, db, make_event, mailbox, make_registration):
    event = make_event(join_url=JOIN_URL)
    registration = make_registration(event, "aida@example.kz")
    mailbox.deliver()
    path = manage_path(registration)
    assert "Cancel my registration" in client.get(path).text
    client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, path)})
    page = client.get(path).text
    assert "Your registration is cancelled." in page and "Cancelled on " in page
    assert "Cancel my registration" not in page and "Change my details" not in page and JOIN_URL not in page
    (registration,) = all_registrations(db)
    assert registration.status == "cancelled" and registration.cancelled_at is not None
    again = client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, "/login")})
    assert "This registration is not active." in client.get(again.location).text
    cancelled = one_mail(mailbox, "aida@example.kz", "Registration cancelled")
    calendar = Calendar.from_ical(attachment(cancelled, "invite.ics").get_content())
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert JOIN_URL not in calendar_part(cancelled).get_content()


# --- A cancelled or declined registration ---------------------------------------------------------


def ended(db, make_registration, event, email, how, organiser=None, **fields):
    """A registration the delegate cancelled, or the organisers declined."""
    registration = make_registration(event, email, **fields)
    if how == "cancelled":
        services.cancel(registration)
    else:
        services.decide(registration, False, organiser, "The delegation is complete.")
    db.session.commit()
    return registration


def forms_on(page: str) -> list[str]:
    """The action of every form on the page (but the log-in and language forms of the layout)."""
    return [action for action in re.findall(r'<form[^>]*action="([^"]*)"', page) if "/registration/" in action]


@pytest.mark.parametrize("how, shown", [("cancelled", "Cancelled on "), ("declined", "Declined by the organisers on ")])
def test_an_ended_registrations_page_shows_when_and_how_to_register_again(
    client, db, make_event, make_user, how, shown, make_registration
):
    organiser = make_user()
    event = make_event(
        organiser=organiser, registration_policy="approval" if how == "declined" else "open", join_url=JOIN_URL
    )
    registration = ended(db, make_registration, event, "aida@example.kz", how, organiser, position="Head of unit")
    page = client.get(manage_path(registration))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    when = registration.cancelled_at if how == "cancelled" else registration.decided_at
    day = when.astimezone(ZoneInfo(event.timezone)).strftime("%Y")
    status = re.search(r'<p class="registration-status[^>]*>(.*?)</p>', page.text, re.S).group(1)
    assert shown in status and day in status
    again = f'href="/events/{event.slug}/register?email=aida@example.kz"'
    assert again in page.text and "Register again" in page.text
    # Nothing to edit, cancel, subscribe to or check in with; the details are shown as they were.
    assert forms_on(page.text) == []
    assert "Change my details" not in page.text and f"{manage_path(registration)}/edit" not in page.text
    assert "Cancel my registration" not in page.text and "calendar.ics" not in page.text
    assert "qr.svg" not in page.text and JOIN_URL not in page.text
    assert "Head of unit" in page.text
    form_page = client.get(again.removeprefix('href="').removesuffix('"'))
    assert 'value="aida@example.kz"' in form_page.text


def test_registering_again_from_the_link_reactivates_the_same_registration(client, db, make_event, make_registration):
    event = make_event()
    registration = ended(db, make_registration, event, "aida@example.kz", "cancelled")
    assert register(client, event, given_name="Aida").status_code == 302
    (again,) = all_registrations(db)
    assert again.id == registration.id and again.status == "confirmed" and again.cancelled_at is None
    page = client.get(manage_path(again)).text
    assert "Confirmed: your seat is reserved." in page and "Register again" not in page


def test_an_ended_registration_once_registration_closed_says_so(client, db, make_event, make_registration):
    now = datetime.now(UTC)
    event = make_event(registration_closes_at=now + timedelta(days=1))
    registration = ended(db, make_registration, event, "aida@example.kz", "cancelled")
    event.registration_closes_at = now - timedelta(minutes=1)
    db.session.commit()
    page = client.get(manage_path(registration)).text
    assert "Registration for this event is closed." in page and "/register?email=" not in page


@pytest.mark.parametrize("how", ["cancelled", "declined"])
def test_an_ended_registration_cannot_be_edited(client, db, make_event, make_user, mailbox, how, make_registration):
    organiser = make_user()
    event = make_event(organiser=organiser, registration_policy="approval" if how == "declined" else "open")
    registration = ended(db, make_registration, event, "aida@example.kz", how, organiser, position="Head of unit")
    before = (registration.status, registration.cancelled_at, registration.decided_at, registration.updated_at)
    mailbox.deliver()
    sent = len(mailbox.messages)
    path = f"{manage_path(registration)}/edit"
    page = client.get(path)
    assert page.status_code == 409 and page.headers["Cache-Control"] == "private, no-store"
    assert "This registration cannot be changed" in page.text and "Register again" in page.text
    assert "<form" not in page.text.split("<main", 1)[-1] and 'name="given_name"' not in page.text
    token = csrf_token(client, "/login")
    changed = form(given_name="Changed", position="Changed", country="KG") | {"csrf_token": token}
    refused = client.post(path, data=changed)
    assert refused.status_code == 409 and "This registration cannot be changed" in refused.text
    cancel = client.post(f"{manage_path(registration)}/cancel", data={"csrf_token": token})
    assert "This registration is not active." in client.get(cancel.location).text
    (registration,) = all_registrations(db)
    assert (registration.given_name, registration.position, registration.country) == ("Aida", "Head of unit", "KZ")
    assert (registration.status, registration.cancelled_at, registration.decided_at, registration.updated_at) == before
    assert len(delivered(mailbox)) == sent  # nothing mailed


def test_an_ended_registrations_personal_agenda_saves_nothing(client, db, make_event, make_registration, make_session):
    from eventmgr.agenda.models import PersonalAgendaItem

    event = make_event()
    talk = make_session(event, "Risk analysis")
    registration = ended(db, make_registration, event, "aida@example.kz", "cancelled")
    path = f"{manage_path(registration)}/agenda"
    client.post(path, data={"sessions": [str(talk.id)], "csrf_token": csrf_token(client, "/login")})
    assert count(db, PersonalAgendaItem) == 0


def test_the_delegate_changes_only_an_active_registration_the_organiser_any(
    db, make_event, make_user, make_registration
):
    organiser = make_user()
    event = make_event(organiser=organiser)
    registration = ended(db, make_registration, event, "aida@example.kz", "cancelled")
    with pytest.raises(services.RegistrationInactive):
        services.update_details(registration, {"position": "Changed"})
    db.session.rollback()
    services.update_details(registration, {"position": "Corrected by the desk"}, by=organiser)
    db.session.commit()
    assert all_registrations(db)[0].position == "Corrected by the desk"


def test_cancelling_needs_a_post_with_a_csrf_token(client, db, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, "aida@example.kz")
    assert client.get(f"{manage_path(registration)}/cancel").status_code == 405
    assert client.post(f"{manage_path(registration)}/cancel").status_code == 400
    assert all_registrations(db)[0].status == "confirmed"


def test_the_calendar_download_holds_the_join_link_only_for_a_confirmed_delegate(
    client, db, make_event, make_registration
):
    event = make_event(online_capacity=1, join_url=JOIN_URL)
    aida = make_registration(event, "aida@example.kz")
    bakyt = make_registration(event, "bakyt@example.kg")
    response = client.get(f"{manage_path(aida)}/invite.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    # Only the delegate's own client may keep it (and revalidate it cheaply with its ETag).
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Almaty"
    vevent = calendar.walk("VEVENT")[0]
    assert vevent["DTSTART"].params["TZID"] == "Asia/Almaty"
    assert vevent["DTSTART"].dt == event.start_at.astimezone(ZoneInfo("Asia/Almaty"))
    assert str(vevent["UID"]) == event_uid(event)
    assert JOIN_URL in str(vevent["DESCRIPTION"])
    waiting = client.get(f"{manage_path(bakyt)}/invite.ics")
    assert waiting.status_code == 200 and JOIN_URL.encode() not in waiting.data
    assert JOIN_URL.encode() not in client.get(f"/events/{event.slug}/calendar.ics").data


def test_the_qr_code_holds_the_check_in_code_not_the_private_token(client, db, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, "aida@example.kz")
    response = client.get(f"{manage_path(registration)}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "no-store" in response.headers["Cache-Control"]
    expected = io.BytesIO()
    # The same code segno makes of the check-in code (with the fixed mask the app uses for speed): the one on the
    # badge, not the token of the private link (tests/test_check_in*.py).
    code = check_in_code(registration)
    segno.make(code, error="m", micro=False, mask=2).save(expected, kind="svg", scale=6, border=2)
    assert response.data == expected.getvalue()
    other = make_registration(event, "bakyt@example.kg")
    assert client.get(f"{manage_path(other)}/qr.svg").data != response.data


def test_the_link_is_sent_again_only_to_a_registered_address(client, db, make_event, mailbox, make_registration):
    event = make_event()
    registration = make_registration(event, "aida@example.kz")
    mailbox.deliver()
    url = f"/events/{event.slug}/register/link"
    known = client.post(url, data={"email": "Aida@example.kz", "csrf_token": csrf_token(client, url)})
    unknown = client.post(url, data={"email": "nobody@example.org", "csrf_token": csrf_token(client, url)})
    assert known.status_code == unknown.status_code == 302 and known.location == unknown.location
    link = one_mail(mailbox, "aida@example.kz", f"Your registration link: {event.title}")
    assert manage_path(registration) in body(link)
    assert mails(mailbox, "nobody@example.org") == []
    bad = client.post(url, data={"email": "not-an-address", "csrf_token": csrf_token(client, url)})
    assert bad.status_code == 422 and field_error(bad, "email")


# --- E-mail through the outbox ---------------------------------------------------------------------


def test_the_confirmation_carries_the_invite_and_the_check_in_code(client, db, make_event, mailbox):
    """In person: the invite and the code to show at the desk (an online delegate's mail: test_formats)."""
    event = make_event(title="Регион и границы", **IN_PERSON)
    register(client, event, honorific="Dr.")
    (registration,) = all_registrations(db)
    message = one_mail(mailbox, "aida@example.kz", "Registration confirmed: Регион и границы")
    text = body(message)
    assert "Dear Dr. Aida Nurlanova" in text and manage_path(registration) in text
    assert "Hotel Karven, Cholpon-Ata, Kyrgyzstan" in text and "registration desk" in text

    invite = calendar_part(message)
    assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
    assert attachment(message, "invite.ics").get_content_type() == "application/ics"
    calendar = Calendar.from_ical(invite.get_content())
    assert calendar["METHOD"] == "REQUEST"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Almaty"
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["UID"]) == event_uid(event)
    assert str(vevent["SUMMARY"]) == "Регион и границы"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Almaty"
    assert vevent["DTSTART"].dt == event.start_at
    attendee = vevent["ATTENDEE"]
    assert str(attendee).lower() == "mailto:aida@example.kz"
    assert attendee.params["CN"] == "Dr. Aida Nurlanova"
    assert str(vevent["LOCATION"]) == "Hotel Karven, Cholpon-Ata, Kyrgyzstan"

    code = attachment(message, "check-in-code.png")
    assert code.get_content_type() == "image/png"
    assert png_holds(code.get_content(), check_in_code(registration))
    assert not png_holds(code.get_content(), registration.access_token)


def test_a_seats_invite_and_code_are_made_when_the_message_is_sent(db, make_event, mailbox, make_registration):
    """Registering stores only what to make; whoever delivers the message makes the invite and the QR code,
    from the registration as it is then (and leaves them out if it is gone)."""
    event = make_event(title="Border Security Conference", **IN_PERSON)
    make_registration(event, "aida@example.kz")
    bakyt = make_registration(event, "bakyt@example.kg")
    stored = db.session.execute(select(MailMessage).order_by(MailMessage.id)).scalars().all()
    assert [sorted(a) for a in stored[0].attachments] == [["made_by", "params"]] * 2
    assert len(str(stored[0].attachments)) < 200  # no calendar, no image in the row
    db.session.delete(bakyt)
    db.session.commit()
    first, second = delivered(mailbox)
    assert attachment(first, "invite.ics") is not None and attachment(first, "check-in-code.png") is not None
    assert second["To"] == "bakyt@example.kg" and list(second.iter_attachments()) == []


def test_every_kind_of_message_is_sent_once(client, db, make_event, make_user, mailbox, make_registration):
    organiser = make_user()
    approval = make_event(
        organiser=organiser, title="Approval event", registration_policy="approval", online_capacity=1
    )
    make_registration(approval, "pending@example.org")
    services.decide(make_registration(approval, "approved@example.org"), True, organiser, "See you there.")
    services.decide(make_registration(approval, "declined@example.org"), False, organiser, "No seats for observers.")
    db.session.commit()
    open_event = make_event(organiser=organiser, title="Open event", online_capacity=1)
    first = make_registration(open_event, "first@example.org")
    make_registration(open_event, "second@example.org")
    services.cancel(first)
    services.invite(open_event, [("invited@example.org", "Guest")], organiser)
    db.session.commit()
    with pytest.raises(services.AlreadyRegistered):
        make_registration(open_event, "second@example.org")
    db.session.commit()

    expected = [
        ("pending@example.org", "Registration received, awaiting approval: Approval event"),
        ("approved@example.org", "Registration received, awaiting approval: Approval event"),
        ("approved@example.org", "Registration approved: Approval event"),
        ("declined@example.org", "Registration received, awaiting approval: Approval event"),
        ("declined@example.org", "Registration declined: Approval event"),
        ("first@example.org", "Registration confirmed: Open event"),
        ("second@example.org", "You are on the waiting list: Open event"),
        ("first@example.org", "Registration cancelled: Open event"),
        ("second@example.org", "A seat is free: your registration is confirmed: Open event"),
        ("invited@example.org", "Invitation to register: Open event"),
        ("second@example.org", "Your registration link: Open event"),
    ]
    assert mailbox.deliver() == len(expected)
    assert sorted((m["To"], m["Subject"]) for m in mailbox.messages) == sorted(expected)
    # A second round sends nothing. Sending is synchronous (the test SMTP server has kept a message before it
    # answers the client), so what it holds now is all it will get: no wait can change the count.
    assert mailbox.deliver() == 0
    assert len(mailbox.messages) == len(expected)
    stored = db.session.execute(select(MailMessage.state, MailMessage.message_id)).all()
    assert {state for state, _id in stored} == {"sent"}
    assert sorted(m["Message-ID"] for m in mailbox.messages) == sorted(message_id for _state, message_id in stored)


def test_a_rolled_back_registration_leaves_no_mail(db, make_event):
    event = make_event()
    services.register(event, {"given_name": "A", "family_name": "B", "email": "a@example.org", "country": "KZ"})
    assert count(db, MailMessage) == 1
    db.session.rollback()
    assert count(db, MailMessage) == 0 and count(db, Registration) == 0


def test_reminders_a_day_and_an_hour_before_each_once(db, make_event, mailbox, make_registration):
    event = make_event(online_capacity=1, join_url=JOIN_URL)
    make_registration(event, "aida@example.kz")
    make_registration(event, "bakyt@example.kg")  # waitlisted: no reminder
    cancelled = make_registration(make_event(title="Other", online_capacity=5), "nodira@example.uz")
    services.cancel(cancelled)
    db.session.commit()
    mailbox.deliver()
    received = len(mailbox.messages)

    start = event.start_at
    assert queue_due_reminders(start - timedelta(days=2)) == 0
    assert queue_due_reminders(start - timedelta(hours=23)) == 1
    assert queue_due_reminders(start - timedelta(hours=23)) == 0
    assert queue_due_reminders(start - timedelta(hours=2)) == 0
    assert queue_due_reminders(start - timedelta(minutes=45)) == 1
    assert queue_due_reminders(start - timedelta(minutes=45)) == 0
    assert queue_due_reminders(start - timedelta(minutes=5)) == 0
    assert mailbox.deliver() == 2
    reminders = mailbox.messages[received:]
    assert [m["To"] for m in reminders] == ["aida@example.kz", "aida@example.kz"]
    assert reminders[0]["Subject"] == f"Reminder: {event.title} starts in 23 hours"
    assert reminders[1]["Subject"] == f"Reminder: {event.title} starts in 45 minutes"
    assert all(JOIN_URL in body(m) for m in reminders)
    assert mailbox.deliver() == 0


def test_reminder_times_are_set_per_event(db, make_event, mailbox, make_registration):
    event = make_event(reminder_early_minutes=3 * 24 * 60, reminder_late_minutes=None)
    make_registration(event, "aida@example.kz")
    start = event.start_at
    assert queue_due_reminders(start - timedelta(days=4)) == 0
    assert queue_due_reminders(start - timedelta(days=2, hours=23)) == 1
    assert queue_due_reminders(start - timedelta(minutes=30)) == 0  # no hour reminder for this event


def test_a_conference_reminder_has_no_join_link(db, make_event, mailbox, make_registration):
    event = make_event(
        kind="conference", venue_name="Ala-Too Hall", venue_city="Bishkek", venue_country="KG", join_url=JOIN_URL
    )
    make_registration(event, "aida@example.kz")
    assert queue_due_reminders(event.start_at - timedelta(minutes=30)) == 2
    messages = db.session.execute(select(MailMessage).where(MailMessage.subject.like("Reminder:%"))).scalars().all()
    assert len(messages) == 2 and all(JOIN_URL not in m.body_text for m in messages)


# --- Abuse -----------------------------------------------------------------------------------------


def test_the_honeypot_registers_nobody_but_answers_like_success(client, db, make_event, mailbox):
    event = make_event()
    real = register(client, event, email="real@example.org")
    bot = register(client, event, email="bot@example.org", website="http://spam.example")
    assert bot.status_code == real.status_code == 302 and bot.location == real.location
    assert [r.email for r in all_registrations(db)] == ["real@example.org"]
    assert mails(mailbox, "bot@example.org") == []
    assert count(db, MailMessage, MailMessage.recipient == "bot@example.org") == 0


def limit_of(app) -> int:
    return int(app.config["REGISTRATION_RATE_LIMIT"].split()[0])


def test_registration_posts_are_rate_limited_per_client(app, client, db, make_event):
    event = make_event()
    url = f"/events/{event.slug}/register"
    token = csrf_token(client, url)
    allowed = limit_of(app)
    statuses = [
        client.post(url, data=form(email=f"d{n}@example.org") | {"csrf_token": token}).status_code
        for n in range(allowed + 1)
    ]
    assert statuses[:allowed] == [302] * allowed
    assert statuses[allowed] == 429
    assert count(db, Registration) == allowed
    assert client.get(url).status_code == 200  # reading the form is not limited
    other = app.test_client()
    other_token = csrf_token(other, url)
    response = other.post(
        url,
        data=form(email="other@example.org") | {"csrf_token": other_token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


def test_link_requests_are_rate_limited(app, client, make_event):
    event = make_event()
    url = f"/events/{event.slug}/register/link"
    token = csrf_token(client, url)
    statuses = [
        client.post(url, data={"email": f"d{n}@example.org", "csrf_token": token}).status_code
        for n in range(limit_of(app) + 1)
    ]
    assert set(statuses[:-1]) == {302} and statuses[-1] == 429


# --- Privacy ---------------------------------------------------------------------------------------


def public_event_paths(app, slug):
    """Every public GET page of one event: rules taking only the slug, outside the management area."""
    paths = []
    for rule in app.url_map.iter_rules():
        if set(rule.arguments) == {"slug"} and "GET" in rule.methods and rule.endpoint != "events.series":
            paths.append(rule.rule.replace("<slug>", slug))
    return paths


def record_printed_html(monkeypatch) -> list[str]:
    """Keep the HTML every PDF is typeset from: a PDF's text is compressed and in subset fonts, its source is not."""
    from eventmgr import pdf

    printed, typeset = [], pdf.HTML

    def recording_html(*args, **kwargs):
        printed.append(kwargs["string"])
        return typeset(*args, **kwargs)

    monkeypatch.setattr(pdf, "HTML", recording_html)
    return printed


def readable_text(response, printed: list[str]) -> str:
    """All a reader could get from a response: its text; for a PDF its source HTML and raw bytes; else raw bytes."""
    if response.mimetype.startswith("text/") or response.is_json:
        return response.get_data(as_text=True)
    raw = response.get_data().decode("latin-1")
    if response.mimetype == "application/pdf":
        assert raw.startswith("%PDF-") and printed, "a PDF not made by the one renderer"
        return printed.pop() + raw
    return raw


def test_no_public_page_shows_a_delegates_data(
    app, client, db, make_event, make_user, login, monkeypatch, make_registration
):
    printed = record_printed_html(monkeypatch)
    now = datetime.now(UTC)
    event = make_event(
        start_at=now + timedelta(hours=1),
        end_at=now + timedelta(hours=2),
        join_url=JOIN_URL,
        publish_participant_list=True,
    )
    make_registration(
        event,
        "aida.secret@example.kz",
        given_name="Aida",
        family_name="Zhaksybekova",
        position="Head of risk analysis",
        list_publicly=False,
    )
    paths = public_event_paths(app, event.slug)
    assert f"/events/{event.slug}" in paths and f"/events/{event.slug}/participants" in paths
    stranger = make_user(email="stranger@example.org")
    for who in ("anonymous", "stranger"):
        if who == "stranger":
            login(stranger)
        from eventmgr.builtfiles import built_files

        built_files.clear()  # files kept for the first reader are typeset again, so that their source is read
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 302), (who, path, response.status_code)
            text = readable_text(response, printed)
            for secret in ("aida.secret@example.kz", "Zhaksybekova", "Head of risk analysis", JOIN_URL):
                assert secret not in text, (who, path, secret)
