"""The foundation's rules: event validation, locking, life cycle, visibility, search, accounts."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import PASSWORD, csrf_token
from sqlalchemy import select

from eventmgr.audit.models import AuditEntry
from eventmgr.events import services
from eventmgr.events.models import Event


def event_form(**overrides):
    start = datetime.now(UTC) + timedelta(days=30)
    data = {
        "title": "Central Asia Border Challenges", "kind": "webinar", "timezone": "Asia/Almaty",
        "start": start.strftime("%Y-%m-%dT09:00"), "end": start.strftime("%Y-%m-%dT12:00"),
        "visibility": "public", "registration_policy": "open", "currency": "EUR", "fee": "0",
    }
    return data | overrides


def errors(response) -> list[str]:
    return re.findall(r'<p class="error" id="([a-z_]+)-error">', response.text)


@pytest.mark.parametrize("overrides, field", [
    ({"end": "2020-01-01T08:00"}, "end"),
    ({"kind": "conference"}, "venue_name"),
    ({"capacity": "0"}, "capacity"),
    ({"fee": "-5"}, "fee"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"currency": "XXY"}, "currency"),
    ({"slug": "Not A Slug"}, "slug"),
    ({"edition": "2"}, "edition"),
    ({"title": ""}, "title"),
])
def test_bad_event_input_is_refused_at_its_field_and_nothing_is_saved(client, post, login, make_user, db,
                                                                      overrides, field):
    login(make_user())
    response = post("/manage/events/new", event_form(**overrides))
    assert response.status_code == 422
    assert field in errors(response)
    assert db.session.execute(select(Event)).first() is None


def test_registration_must_close_before_the_event_ends(client, post, login, make_user):
    login(make_user())
    form = event_form()
    response = post("/manage/events/new", form | {"registration_closes": form["end"][:11] + "13:00"})
    assert "registration_closes" in errors(response)


def test_times_are_entered_in_the_events_zone_and_stored_in_utc(client, post, login, make_user, db):
    login(make_user())
    response = post("/manage/events/new", event_form(start="2027-03-27T09:00", end="2027-03-28T17:00",
                                                     timezone="Europe/Brussels", title="Across the change"))
    assert response.status_code == 302
    event = db.session.execute(select(Event)).scalar_one()
    assert event.start_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert event.end_at == datetime(2027, 3, 28, 15, 0, tzinfo=UTC)  # CEST from that night, UTC+2
    assert event.local_end.tzinfo == ZoneInfo("Europe/Brussels")


def test_slugs_are_made_from_titles_unique_and_old_ones_redirect(client, make_event, make_user, db):
    first = make_event(title="Пограничная безопасность")
    second = make_event(title="Пограничная безопасность")
    assert first.slug == "pogranichnaia-bezopasnost"
    assert second.slug == "pogranichnaia-bezopasnost-2"
    services.update_event(first, {"slug": "border-security"}, None, first.version)
    db.session.commit()
    response = client.get("/events/pogranichnaia-bezopasnost")
    assert response.status_code == 301 and response.location.endswith("/events/border-security")


def test_the_later_of_two_saves_is_refused_and_kept_for_review(app, client, post, login, make_user, make_event, db):
    organiser = make_user(name="First")
    event = make_event(organiser=organiser, title="Original title")
    other = make_user(name="Second")
    services.grant_role(event, other, "organiser", organiser)
    db.session.commit()
    login(organiser)
    edit_url = f"/manage/events/{event.id}/edit"
    first_page = client.get(edit_url).text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', first_page).group(1)

    second_client = app.test_client()
    second_client.post("/login", data={"email": other.email, "password": PASSWORD,
                                       "csrf_token": csrf_token(second_client, "/login")})
    second_form = event_form(title="Their title", version=version, timezone="Asia/Almaty",
                             start=event.local_start.strftime("%Y-%m-%dT%H:%M"),
                             end=event.local_end.strftime("%Y-%m-%dT%H:%M"),
                             csrf_token=csrf_token(second_client, edit_url))
    assert second_client.post(edit_url, data=second_form).status_code == 302

    mine = second_form | {"title": "My title", "csrf_token": csrf_token(client, edit_url)}
    response = client.post(edit_url, data=mine)
    assert response.status_code == 409
    assert "Someone else saved this event" in response.text
    assert 'value="My title"' in response.text  # what I typed is still there
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Their title"
    again = client.post(edit_url, data=mine | {"version": re.search(
        r'name="version" type="hidden" value="(\d+)"', response.text).group(1)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "My title"


def test_life_cycle_and_audit_log(client, post, login, make_user, make_event, db):
    organiser = make_user()
    event = make_event(organiser=organiser, status="draft", join_url="https://zoom.example.org/j/secret")
    login(organiser)
    overview = f"/manage/events/{event.id}"
    assert post(f"/manage/events/{event.id}/cancel", token_from=overview).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "draft"  # a draft is not cancelled, it is deleted
    post(f"/manage/events/{event.id}/publish", token_from=overview)
    post(f"/manage/events/{event.id}/delete", token_from=overview)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "published"  # a published event is not deleted
    post(f"/manage/events/{event.id}/cancel", {"reason": "Postponed to spring."}, token_from=overview)
    page = client.get(f"/events/{event.slug}").text
    assert "This event is cancelled." in page and "Postponed to spring." in page
    log = client.get(f"/manage/events/{event.id}/log").text
    for action in ("event.create", "event.publish", "event.cancel"):
        assert action in log
    assert "secret" not in log
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.event_id == event.id)).scalars().all()
    assert set(actions) >= {"event.create", "event.publish", "event.cancel"}


def test_copy_as_next_edition(make_user, make_event, db):
    from eventmgr.events.services import copy_as_next_edition, create_series

    organiser = make_user()
    series = create_series("Issyk-Kul Initiative", "", organiser)
    event = make_event(organiser=organiser, title="3rd Conference on Border Security", series_id=series.id,
                       edition=3, join_url="https://zoom.example.org/j/1")
    copy = copy_as_next_edition(event, organiser)
    assert (copy.title, copy.edition, copy.status, copy.join_url) == ("4th Conference on Border Security", 4,
                                                                      "draft", None)
    assert copy.start_at.year == event.start_at.year + 1


@pytest.mark.parametrize("visibility, status, listed, reachable", [
    ("public", "published", True, True),
    ("unlisted", "published", False, True),
    ("private", "published", False, False),
    ("public", "draft", False, False),
])
def test_who_sees_what(client, make_event, visibility, status, listed, reachable):
    event = make_event(title="Visibility check", visibility=visibility, status=status)
    assert ("Visibility check" in client.get("/").text) is listed
    assert client.get(f"/events/{event.slug}").status_code == (200 if reachable else 404)


def test_search_by_text_country_kind_and_date(client, make_event, make_organisation, make_user, db):
    organiser = make_user()
    host = make_organisation(name="Foreign Policy Research Institute", country_code="KZ")
    start = datetime.now(UTC) + timedelta(days=10)
    webinar = make_event(organiser=organiser, title="Regional Security in Asia", start_at=start)
    services.set_organisations(webinar, [(host.id, "host")], organiser)
    make_event(organiser=organiser, title="Border Management Dushanbe", kind="conference", venue_name="Hotel",
               venue_city="Dushanbe", venue_country="TJ", start_at=start + timedelta(days=40))
    db.session.commit()
    assert "Regional Security" in client.get("/?q=research+institute").text
    by_country = client.get("/?country=TJ").text
    assert "Border Management Dushanbe" in by_country and "Regional Security" not in by_country
    assert "Regional Security" in client.get("/?country=KZ").text
    assert "Border Management Dushanbe" not in client.get("/?kind=webinar").text
    day = (start + timedelta(days=40)).strftime("%Y-%m-%d")
    by_date = client.get(f"/?from={day}&to={day}").text
    assert "Border Management Dushanbe" in by_date and "Regional Security" not in by_date


def test_event_page_shows_what_the_seed_page_shows_and_hides_the_join_link(client, make_event, db):
    event = make_event(title="Central Asia Border Challenges", join_url="https://zoom.example.org/j/42",
                       online_platform="Zoom Webinars",
                       description='About **borders** <script>alert(1)</script> '
                                   '[x](javascript:alert(2)) <img src=x onerror="alert(3)">')
    page = client.get(f"/events/{event.slug}").text
    for text in ("About this webinar", "Who can view", "Everyone", "Free", "Online (Zoom Webinars)",
                 "Asia/Almaty", "<strong>borders</strong>"):
        assert text in page, text
    assert "zoom.example.org/j/42" not in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page


def test_error_pages_use_the_site_layout(client):
    response = client.get("/events/no-such-event")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'class="site-header"' in response.text


def test_password_reset_by_mail_works_once(client, post, make_user, mailbox, db):
    user = make_user(email="ada@example.org")
    response = post("/password/forgot", {"email": "ada@example.org"})
    assert response.status_code == 302
    post("/password/forgot", {"email": "nobody@example.org"}, token_from="/password/forgot")
    mailbox.deliver()
    messages = mailbox.messages
    assert [m["To"] for m in messages] == ["ada@example.org"]
    link = re.search(r"http://\S+/password/reset/\S+", messages[0].get_content()).group(0)
    path = link.split("localhost", 1)[-1]
    response = client.post(path, data={"password": "a brand new password", "confirm": "a brand new password",
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert client.get(path).status_code == 404  # used once
    db.session.expire_all()
    assert user.password_hash.startswith("$argon2")


def test_login_is_throttled_after_repeated_failures(app, client, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/login", data={"email": user.email, "password": "wrong",
                                                "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 422
        assert "Wrong e-mail or password." in response.text
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 429


def test_admin_invites_a_user_who_sets_a_password(client, post, login, make_user, mailbox, db):
    login(make_user(is_admin=True))
    response = post("/admin/users", {"name": "Nadia New", "email": "nadia@example.org"})
    assert response.status_code == 302
    mailbox.deliver()
    (message,) = mailbox.messages
    link = re.search(r"http://\S+/password/reset/\S+", message.get_content()).group(0)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manage/series/new")})
    page = client.get(link.split("localhost", 1)[-1])
    assert "Welcome, Nadia New" in page.text


def test_session_cookie_is_httponly_and_samesite(client, make_user, login):
    response = login(make_user())
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
