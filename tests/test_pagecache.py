"""The public page cache: anonymous visitors share a page for a few seconds; nobody else ever gets a cached one."""

import pytest
from helpers import statements_sent

from eventmgr import pagecache
from eventmgr.languages import LANGUAGE_COOKIE


@pytest.fixture
def caching(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_SECONDS", 60)
    pagecache.pages.clear()
    yield
    pagecache.pages.clear()


@pytest.fixture
def queries(db):
    """The statements the app sends while the test runs."""
    with statements_sent(db) as sent:
        yield sent


def test_a_second_visitor_gets_the_page_without_a_query(client, make_event, caching, queries):
    event = make_event(title="Central Asia Border Challenges")
    first = client.get(f"/events/{event.slug}")
    queries.clear()
    second = client.get(f"/events/{event.slug}")
    assert second.status_code == 200 and second.data == first.data
    assert queries == []
    assert second.headers["ETag"] == first.headers["ETag"]
    assert client.get(f"/events/{event.slug}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_visitors_without_cookies_are_served_before_the_app_runs(app, client, make_event, caching, monkeypatch):
    event = make_event(title="Central Asia Border Challenges")
    first = client.get(f"/events/{event.slug}")
    handled = []
    real_open = app.session_interface.open_session
    monkeypatch.setattr(app.session_interface, "open_session", lambda *args: handled.append(1) or real_open(*args))
    hit = client.get(f"/events/{event.slug}")
    assert handled == [] and hit.data == first.data  # Flask never saw the request
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "ETag"):
        assert hit.headers[header] == first.headers[header], header
    assert client.head(f"/events/{event.slug}").data == b""
    assert client.get(f"/events/{event.slug}", headers={"Accept-Language": "ru"}).status_code == 200
    assert handled == [1]  # another language is another page
    client.set_cookie("session", "anything")
    client.get(f"/events/{event.slug}")
    assert handled == [1, 1]  # a session cookie goes to the app (which may still serve its cached copy)


def test_a_change_reaches_visitors_when_the_page_expires(client, make_event, caching, db, monkeypatch):
    event = make_event(title="Central Asia Border Challenges")
    old = client.get(f"/events/{event.slug}")
    event.title = "Central Asia Border Challenges 2027"
    db.session.commit()
    assert b"Challenges 2027" not in client.get(f"/events/{event.slug}").data  # within the window

    later = pagecache.time.monotonic() + 61
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    fresh = client.get(f"/events/{event.slug}", headers={"If-None-Match": old.headers["ETag"]})
    assert fresh.status_code == 200 and b"Challenges 2027" in fresh.data
    assert fresh.headers["ETag"] != old.headers["ETag"]


def test_a_revalidation_after_expiry_refills_the_cache(client, make_event, caching, queries, monkeypatch):
    event = make_event()
    url = f"/events/{event.slug}/calendar.ics"
    etag = client.get(url).headers["ETag"]
    later = pagecache.time.monotonic() + 61
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    queries.clear()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304  # the view ran: the copy expired
    assert queries
    queries.clear()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and queries == []  # ...and its whole answer was kept
    assert client.get(url).data.startswith(b"BEGIN:VCALENDAR") and queries == []


def test_organisers_always_get_their_own_live_page(client, make_event, make_user, login, caching):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser)
    anonymous = client.get(f"/events/{event.slug}")
    login(organiser)
    own = client.get(f"/events/{event.slug}")
    assert own.data != anonymous.data
    assert f"/manage/events/{event.id}".encode() in own.data
    assert f"/manage/events/{event.id}".encode() not in anonymous.data


def test_refusals_and_private_pages_are_not_kept(client, make_event, make_user, login, caching, db):
    organiser = make_user()
    private = make_event(organiser=organiser, visibility="private", title="Closed meeting")
    assert client.get(f"/events/{private.slug}").status_code == 404
    assert client.get("/events/no-such-event").status_code == 404
    login(organiser)
    assert client.get(f"/events/{private.slug}").status_code == 200  # the organiser's view is not stored...
    client.post("/logout", data={"csrf_token": _token(client)})
    assert client.get(f"/events/{private.slug}").status_code == 404  # ...so visitors never get it


def test_the_cache_keeps_to_its_size():
    cache = pagecache.MemoryPages(max_bytes=100)
    cache.put("a", b"x" * 60, {}, 60)
    cache.put("b", b"y" * 60, {}, 60)
    assert cache.get("a") is None and cache.get("b") == (b"y" * 60, {})


def test_calendar_files_keep_their_own_validators_and_file_name(client, make_event, caching, queries):
    event = make_event()
    first = client.get(f"/events/{event.slug}/calendar.ics")
    queries.clear()
    again = client.get(f"/events/{event.slug}/calendar.ics")
    assert queries == [] and again.data == first.data
    for header in ("ETag", "Last-Modified", "Content-Disposition", "Content-Type"):
        assert again.headers[header] == first.headers[header], header


def test_workers_can_share_pages_through_redis(app, client, make_event, monkeypatch, queries, redis_url):
    url = redis_url
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.config, "PAGE_CACHE_REDIS_URL", url)
    shared = pagecache.RedisPages(url)
    shared.clear()
    event = make_event(title="Central Asia Border Challenges")
    first = client.get(f"/events/{event.slug}")
    pagecache.pages.clear()  # another worker: nothing in its own memory
    body, headers = shared.get(
        next(k.decode().removeprefix(shared.prefix) for k in shared.client.scan_iter(shared.prefix + "*"))
    )
    assert body == first.data and headers["ETag"] == first.headers["ETag"]
    queries.clear()
    assert client.get(f"/events/{event.slug}").data == first.data
    assert queries == []  # served from Redis, not rendered again
    shared.clear()


def _token(client) -> str:
    from conftest import csrf_token

    return csrf_token(client, "/manage/series/new")


def test_a_cached_page_is_kept_apart_per_language(client, make_event, caching):
    """The switcher's cookie decides the language as much as the browser's wish does: both are in the key."""
    event = make_event(title="Border Security Conference")
    english = client.get(f"/events/{event.slug}")
    assert "Мероприятия" not in english.text
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    assert "Мероприятия" in client.get(f"/events/{event.slug}").text
    client.delete_cookie(LANGUAGE_COOKIE)
    assert "Мероприятия" not in client.get(f"/events/{event.slug}").text
