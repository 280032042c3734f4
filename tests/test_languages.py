"""The reader's language: the account's choice, the switcher's cookie, the browser's wish, in that order; and the
language a delegate registered in, which their mail is written in."""

import pytest
from conftest import PASSWORD, csrf_token
from helpers import text_of
from sqlalchemy import select

from eventmgr.auth.models import User
from eventmgr.languages import LANGUAGE_COOKIE, in_language
from eventmgr.registration.models import Registration


def russian(response) -> bool:
    return 'lang="ru"' in response.text.split(">", 2)[1] and "Мероприятия" in response.text


def test_a_browser_that_asks_for_russian_gets_the_site_in_russian(client, make_event):
    event = make_event(title="Border Security Conference")
    response = client.get(f"/events/{event.slug}", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert response.status_code == 200
    assert russian(response)
    assert response.headers["Content-Language"] == "ru"
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]
    # The switcher names each language in itself, the page's own marked as the current one.
    assert 'lang="en" hreflang="en">English</a>' in response.text
    assert '<span lang="ru" aria-current="true">Русский</span>' in response.text


def test_the_switcher_remembers_the_choice_over_the_browsers_wish(client, make_event):
    event = make_event()
    page = f"/events/{event.slug}?view=full"
    # The browser names the page the switcher was used on; the switcher's links name none.
    assert 'href="/language/ru"' in client.get(page).text
    response = client.get("/language/ru", headers={"Accept-Language": "en", "Referer": f"http://localhost{page}"})
    assert response.status_code == 302 and response.headers["Location"] == page
    assert f"{LANGUAGE_COOKIE}=ru" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"] and "Max-Age=31536000" in response.headers["Set-Cookie"]
    assert russian(client.get(page, headers={"Accept-Language": "en"}))
    client.get("/language/en", query_string={"next": "/"})
    assert not russian(client.get(page, headers={"Accept-Language": "ru"}))


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "events"])
def test_the_switcher_goes_back_only_to_a_page_of_this_site(client, target):
    response = client.get("/language/ru", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_without_a_page_named_the_switcher_goes_back_to_the_referring_page(client, make_event):
    event = make_event()
    response = client.get("/language/ru", headers={"Referer": f"http://localhost/events/{event.slug}"})
    assert response.headers["Location"] == f"/events/{event.slug}"


def test_a_language_the_interface_does_not_speak_is_not_found(client):
    assert client.get("/language/xx").status_code == 404


def test_an_account_keeps_its_language_on_any_browser(app, client, db, make_user, login, make_event):
    user = make_user(email="organiser@example.org")
    event = make_event(organiser=user)
    login(user)
    token = csrf_token(client, "/")
    response = client.post("/language/ru", data={"csrf_token": token, "next": "/manage/"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(select(User.language).where(User.id == user.id)).scalar() == "ru"
    # A new browser that asks for English: the account's choice wins once logged in.
    other = app.test_client()
    token = csrf_token(other, "/login")
    other.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    page = other.get(f"/manage/events/{event.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'lang="ru"' in page.text.split(">", 2)[1]


def test_a_post_without_its_csrf_token_does_not_change_the_account(client, db, make_user, login):
    user = make_user(email="organiser@example.org")
    login(user)
    assert client.post("/language/ru", data={"next": "/"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).language is None


def test_a_registration_keeps_the_language_the_delegate_registered_in(client, db, make_event):
    event = make_event(title="Border Security Conference")
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    token = csrf_token(client, f"/events/{event.slug}/register")
    response = client.post(
        f"/events/{event.slug}/register",
        data={
            "given_name": "Айгуль",
            "family_name": "Нурланова",
            "email": "aigul@example.kz",
            "country": "KZ",
            "consent": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302, text_of(response)
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.language == "ru"


def test_in_language_writes_in_the_readers_language_whatever_the_requests(app):
    from flask_babel import gettext as _

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert _("Events") == "Events"
        with in_language("ru") as code:
            assert code == "ru" and _("Events") == "Мероприятия"
        with in_language("xx") as code:  # not spoken: the default
            assert code == "en" and _("Events") == "Events"
        assert _("Events") == "Events"
