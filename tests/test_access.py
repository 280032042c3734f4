"""Every organiser and admin page refuses whoever may not use it; every POST needs a CSRF token.

The test walks the app's URL map, so a new route under /manage or /admin fails here until it is
known below: every route gets an access check.
"""

import re
from decimal import Decimal

import pytest

from eventmgr.registration import services as registration_services

#: Rules that any logged-in account may use (their own dashboard, creating events, shared directories).
FOR_EVERY_ACCOUNT = {
    "manage.dashboard", "manage.new_event", "manage.series_list", "manage.series_form",
    "organisations.index", "organisations.form",
}


@pytest.fixture
def world(db, make_user, make_event, make_organisation):
    """An event run by its organiser, with a registration, a role, a question and an organisation."""
    from eventmgr.events.services import create_series, grant_role, set_organisations

    organiser = make_user(name="Olga Organiser")
    outsider = make_user(name="Oscar Outsider")
    series = create_series("Issyk-Kul Initiative", "", organiser)
    event = make_event(organiser=organiser, series_id=series.id, edition=1, capacity=5)
    organisation = make_organisation(name="OSCE")
    set_organisations(event, [(organisation.id, "host")], organiser)
    secretary = make_user(name="Sam Secretariat")
    role = grant_role(event, secretary, "secretariat", organiser)
    question = registration_services.add_question(event, {"label": "Diet?", "kind": "short_text"})
    registration = registration_services.register(event, {
        "given_name": "Aida", "family_name": "N", "email": "aida@example.kz", "country": "KZ"})
    db.session.commit()
    return {
        "organiser": organiser, "outsider": outsider, "event": event, "values": {
            "event_id": event.id, "series_id": series.id, "organisation_id": organisation.id,
            "role_id": role.id, "position": 0, "registration_id": registration.id,
            "question_id": question.id, "user_id": outsider.id, "action": "up",
        },
    }


def management_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/manage", "/admin")) and rule.endpoint != "static"]


def fill(rule, values) -> str:
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"{rule.rule}: teach test_access.py how to fill {missing}"
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    for rule in management_rules(app):
        url = fill(rule, world["values"])
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": _token(client)})
        assert response.status_code == 302 and "/login" in response.location, (method, url, response.status_code)


def test_users_without_a_role_are_refused(app, client, login, world):
    login(world["outsider"])
    token = _token(client, "/manage/organisations/new")
    for rule in management_rules(app):
        if rule.endpoint in FOR_EVERY_ACCOUNT:
            continue
        url = fill(rule, world["values"])
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in (403, 404), (method, url, response.status_code)


def test_every_post_needs_a_csrf_token(app, client, login, world):
    login(world["organiser"])
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "static":
            continue
        values = world["values"] | {"slug": world["event"].slug, "token": "x" * 43}
        url = fill(rule, values)
        response = client.post(url, data={})
        assert response.status_code == 400, (url, response.status_code)


def test_the_secretariat_sees_the_overview_but_cannot_edit(client, login, world, make_user, db):
    from eventmgr.auth.models import User

    secretary = db.session.execute(db.select(User).filter_by(name="Sam Secretariat")).scalar_one()
    login(secretary)
    event_id = world["values"]["event_id"]
    assert client.get(f"/manage/events/{event_id}").status_code == 200
    for path in ("edit", "roles", "log", "registrations", "registration-settings"):
        assert client.get(f"/manage/events/{event_id}/{path}").status_code == 403, path


def test_a_delegates_data_is_on_no_public_page(client, world):
    event = world["event"]
    for url in ("/", f"/events/{event.slug}", f"/events/{event.slug}/calendar.ics", "/series/issyk-kul-initiative"):
        assert "aida@example.kz" not in client.get(url).text, url
    assert registration_services.attendance_count(event.id) == 0
    assert Decimal(event.fee or 0) == 0


def _token(client, page="/login") -> str:
    from conftest import csrf_token

    return csrf_token(client, page)
