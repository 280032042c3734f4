"""What visitors see: the event list and its search, event pages, series pages, who may see what."""

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import logged_in, section

from eventmgr.events import services

NOW = datetime.now(UTC).replace(microsecond=0)


def days(n: int) -> datetime:
    return NOW + timedelta(days=n)


def titles(page: str) -> list[str]:
    """Titles of the event cards on a page, in order."""
    return re.findall(r'class="event-card-title"><a href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def organiser(make_user):
    return make_user(name="Olga Organiser")


# --- The home page ---------------------------------------------------------------------------------


def test_home_lists_upcoming_soonest_first_and_recent_most_recent_first(client, make_event, organiser):
    make_event(organiser=organiser, title="Later webinar", start_at=days(50))
    make_event(organiser=organiser, title="Sooner webinar", start_at=days(5))
    make_event(organiser=organiser, title="Long past webinar", start_at=days(-300))
    make_event(organiser=organiser, title="Recent webinar", start_at=days(-20))
    make_event(organiser=organiser, title="Cancelled webinar", status="cancelled", start_at=days(10))
    for visibility in ("unlisted", "private"):
        make_event(organiser=organiser, title=f"Hidden {visibility} webinar", visibility=visibility)
    make_event(organiser=organiser, title="Hidden draft webinar", status="draft")

    page = client.get("/").text
    assert titles(section(page, "upcoming-heading")) == ["Sooner webinar", "Cancelled webinar", "Later webinar"]
    assert "Cancelled" in section(page, "upcoming-heading").split("Later webinar")[0]
    assert titles(section(page, "recent-heading")) == ["Recent webinar", "Long past webinar"]
    assert "Hidden" not in page


def test_an_empty_site_says_so(client):
    page = client.get("/").text
    assert "No upcoming public events yet." in page and 'id="recent-heading"' not in page


# --- Search ----------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, make_event, make_organisation, organiser):
    """Four listed events that differ in title, description, place, host, kind and date."""
    fpri = make_organisation(name="Foreign Policy Research Institute", acronym="FPRI", country_code="KZ")
    unocct = make_organisation(name="UN Office of Counter-Terrorism", acronym="UNOCT")
    events = {
        "webinar": make_event(
            organiser=organiser,
            title="Central Asia Border Challenges",
            start_at=days(10),
            description="Counter-terrorism and **trafficking** of small arms.",
        ),
        "conference": make_event(
            organiser=organiser,
            title="Regional Cooperation Conference",
            kind="conference",
            venue_name="Rixos",
            venue_city="Borovoe",
            venue_country="KZ",
            start_at=days(40),
            description="Delegations of border agencies.",
        ),
        "online": make_event(
            organiser=organiser,
            title="Regional Security in Asia",
            start_at=days(-30),
            description="An online conference of experts.",
        ),
        "cyrillic": make_event(
            organiser=organiser,
            title="Пограничная безопасность",
            kind="conference",
            format="hybrid",
            venue_name="Дом дружбы",
            venue_city="Dushanbe",
            venue_country="TJ",
            start_at=days(70),
            description="Обмен опытом.",
        ),
    }
    services.set_organisations(events["online"], [(fpri.id, "host")], organiser)
    services.set_organisations(events["webinar"], [(unocct.id, "host")], organiser)
    # Never found, whatever the search: not listed.
    make_event(
        organiser=organiser, title="Unlisted Border Webinar", visibility="unlisted", description="Border border border."
    )
    make_event(organiser=organiser, title="Private Border Webinar", visibility="private")
    make_event(organiser=organiser, title="Draft Border Webinar", status="draft")
    db.session.commit()
    return events


def found(client, query: str) -> list[str]:
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    return titles(section(response.text, "results-heading"))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=border+challenges", ["Central Asia Border Challenges"]),  # title
        ("q=SMALL+ARMS", ["Central Asia Border Challenges"]),  # description, any case
        ("q=borovoe", ["Regional Cooperation Conference"]),  # city
        ("q=research+institute", ["Regional Security in Asia"]),  # host's name
        ("q=unoct", ["Central Asia Border Challenges"]),  # host's acronym
        ("q=пограничная", ["Пограничная безопасность"]),  # Cyrillic, folded to lower case on every database
        ("q=regional", ["Regional Cooperation Conference", "Regional Security in Asia"]),  # newest first
        ("q=no+such+thing", []),
    ],
)
def test_search_by_text(client, catalogue, query, expected):
    assert sorted(found(client, query)) == sorted(expected)


def test_percent_and_underscore_are_searched_for_as_themselves(client, catalogue, make_event, organiser):
    make_event(organiser=organiser, title="Trade at 100% capacity", description="Border_crossings compared.")
    assert found(client, "q=%25") == ["Trade at 100% capacity"]
    assert found(client, "q=_") == ["Trade at 100% capacity"]
    assert found(client, "q=border_c") == ["Trade at 100% capacity"]


@pytest.mark.parametrize(
    "start, end, shown",
    [
        (datetime(2027, 7, 24, 9), datetime(2027, 7, 25, 17), "24–25 July 2027"),
        (datetime(2027, 7, 30, 9), datetime(2027, 8, 2, 17), "30 July – 2 August 2027"),
        (datetime(2027, 12, 30, 9), datetime(2028, 1, 2, 17), "30 December 2027 – 2 January 2028"),
    ],
)
def test_dates_name_their_months_in_full(client, make_event, start, end, shown):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Almaty")
    make_event(start_at=start.replace(tzinfo=zone).astimezone(UTC), end_at=end.replace(tzinfo=zone).astimezone(UTC))
    assert shown in client.get("/").text


def test_search_results_count_and_order(client, catalogue):
    page = client.get("/?q=regional").text
    assert "2 events found" in page
    assert found(client, "q=regional") == ["Regional Cooperation Conference", "Regional Security in Asia"]
    assert "No public event matches." in client.get("/?q=nothing+like+this").text


@pytest.mark.parametrize(
    "query, expected",
    [
        ("country=KZ", ["Regional Cooperation Conference", "Regional Security in Asia"]),  # venue; host's seat
        ("country=TJ", ["Пограничная безопасность"]),
        ("country=AF", []),
        ("kind=webinar", ["Central Asia Border Challenges", "Regional Security in Asia"]),
        ("kind=conference", ["Regional Cooperation Conference", "Пограничная безопасность"]),
        ("format=hybrid", ["Пограничная безопасность"]),
        ("format=online", ["Central Asia Border Challenges", "Regional Security in Asia"]),
        ("kind=conference&format=in_person", ["Regional Cooperation Conference"]),
        ("q=regional&country=KZ&kind=conference", ["Regional Cooperation Conference"]),
    ],
)
def test_search_by_country_and_kind(client, catalogue, query, expected):
    assert sorted(found(client, query)) == sorted(expected)


def test_search_by_dates(client, catalogue):
    day = lambda n: days(n).strftime("%Y-%m-%d")  # noqa: E731
    assert found(client, f"from={day(40)}&to={day(40)}") == ["Regional Cooperation Conference"]
    assert sorted(found(client, f"from={day(0)}&to={day(50)}")) == [
        "Central Asia Border Challenges",
        "Regional Cooperation Conference",
    ]
    assert found(client, f"to={day(-1)}") == ["Regional Security in Asia"]
    assert found(client, f"from={day(60)}") == ["Пограничная безопасность"]
    assert found(client, f"from={day(100)}") == []


def test_search_ignores_nonsense_filters(client, catalogue):
    page = client.get("/?country=XX&kind=party&from=yesterday").text
    assert 'id="upcoming-heading"' in page  # no filter applies: the normal listing


# --- Who may see what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "visibility, status, listed, visitor, outsider, staff",
    [
        ("public", "published", True, 200, 200, 200),
        ("public", "cancelled", True, 200, 200, 200),
        ("unlisted", "published", False, 200, 200, 200),
        ("private", "published", False, 404, 404, 200),
        ("public", "draft", False, 404, 404, 200),
        ("private", "draft", False, 404, 404, 200),
    ],
)
def test_who_may_see_an_event(
    app, client, db, make_event, make_user, organiser, visibility, status, listed, visitor, outsider, staff
):
    series = services.create_series("Issyk-Kul Initiative", "", organiser)
    db.session.commit()
    event = make_event(
        organiser=organiser,
        title="The event in question",
        visibility=visibility,
        status=status,
        series_id=series.id,
        edition=1,
    )
    url = f"/events/{event.slug}"
    assert client.get(url).status_code == visitor
    assert logged_in(app, make_user(name="Outsider")).get(url).status_code == outsider
    assert logged_in(app, organiser).get(url).status_code == staff
    assert logged_in(app, make_user(is_admin=True)).get(url).status_code == staff
    assert ("The event in question" in client.get("/").text) is listed
    assert ("The event in question" in client.get("/?q=question").text) is listed
    assert ("The event in question" in client.get("/series/issyk-kul-initiative").text) is listed
    if status == "draft":
        assert "Draft: only the event's organisers see this page." in html.unescape(
            logged_in(app, organiser).get(url).text
        )


def test_a_private_page_gives_no_hint_it_exists(client, make_event, organiser):
    event = make_event(organiser=organiser, title="Closed-door consultation", visibility="private")
    response = client.get(f"/events/{event.slug}")
    assert response.status_code == 404
    assert "Closed-door consultation" not in response.text
    assert response.text == client.get("/events/never-existed").text


def test_an_unlisted_event_says_who_can_view_it(client, make_event, organiser):
    event = make_event(organiser=organiser, visibility="unlisted")
    page = client.get(f"/events/{event.slug}").text
    assert "Anyone with the link" in page and 'name="robots" content="noindex"' in page


# --- The event page --------------------------------------------------------------------------------


def test_the_event_page_shows_what_the_seed_webinar_page_shows(client, db, make_event, make_organisation, organiser):
    event = make_event(
        organiser=organiser,
        title="Central Asia Border Challenges",
        online_platform="Zoom Webinars",
        join_url="https://zoom.example.org/j/8675309?pwd=topsecret",
        description="In exploring **border management** in Central Asia.\n\n"
        "- counter-terrorism\n- organised crime\n\n"
        "See [the programme](https://www.example.org/programme).",
    )
    host = make_organisation(name="Border Security Report", website="https://border.example.org")
    co = make_organisation(name="UN Counter-Terrorism Centre", acronym="UNCCT")
    partner = make_organisation(name="OSCE Transnational Threats Department", country_code="AT")
    services.set_organisations(event, [(host.id, "host"), (co.id, "co_organiser"), (partner.id, "partner")], organiser)
    db.session.commit()

    response = client.get(f"/events/{event.slug}")
    page = response.text
    assert response.status_code == 200
    assert "<h1>Central Asia Border Challenges</h1>" in page
    about = section(page, "about-heading")
    assert "About this webinar" in about
    assert "<strong>border management</strong>" in about
    assert "<li>counter-terrorism</li>" in about
    assert 'href="https://www.example.org/programme"' in about
    facts = page[page.index('class="event-facts"') :]
    assert re.search(r"<dt>Who can view</dt>\s*<dd>Everyone</dd>", facts)
    assert re.search(r"<dt>Price</dt>\s*<dd>Free</dd>", facts)
    assert re.search(r"<dt>Where</dt>\s*<dd>\s*Online \(Zoom Webinars\)", facts)
    hosted = section(page, "orgs-host")
    assert "Hosted by" in hosted and "Border Security Report" in hosted
    assert 'href="https://border.example.org"' in hosted
    assert "UN Counter-Terrorism Centre" in section(page, "orgs-co_organiser")
    assert "Austria" in section(page, "orgs-partner")
    assert "8675309" not in page and "topsecret" not in page and "zoom.example.org/j" not in page


def test_the_event_page_gives_times_in_the_events_zone_and_names_it(client, make_event, organiser):
    # 14 July 2021, 09:00-12:30 in Almaty (UTC+6 then) is 03:00-06:30 UTC.
    event = make_event(
        organiser=organiser,
        title="Regional Security in Asia",
        timezone="Asia/Almaty",
        start_at=datetime(2021, 7, 14, 3, tzinfo=UTC),
        end_at=datetime(2021, 7, 14, 6, 30, tzinfo=UTC),
    )
    page = client.get(f"/events/{event.slug}").text
    when = re.sub(r"<[^>]+>", " ", page[page.index("<dt>When</dt>") : page.index("<dt>Where</dt>")])
    assert "14 July 2021, 09:00–12:30" in when
    assert "Asia/Almaty" in when and "GMT+06:00" in when
    assert "03:00" not in when


def test_a_conference_page_names_its_venue_and_a_hybrid_also_online(client, make_event, organiser):
    conference = make_event(
        organiser=organiser,
        title="Issyk-Kul Conference",
        kind="conference",
        venue_name="Rixos Borovoe",
        venue_address="Shchuchinsk-Borovoe resort area",
        venue_city="Borovoe",
        venue_country="KZ",
    )
    page = client.get(f"/events/{conference.slug}").text
    where = page[page.index("<dt>Where</dt>") : page.index("<dt>Who can view</dt>")]
    assert "Rixos Borovoe" in where and "Borovoe, Kazakhstan" in where and "Online" not in where
    hybrid = make_event(
        organiser=organiser,
        title="Dushanbe Conference",
        kind="conference",
        format="hybrid",
        venue_name="Serena Hotel",
        venue_city="Dushanbe",
        venue_country="TJ",
        online_platform="Webex",
    )
    page = client.get(f"/events/{hybrid.slug}").text
    where = page[page.index("<dt>Where</dt>") : page.index("<dt>Who can view</dt>")]
    assert "Serena Hotel" in where and "Tajikistan" in where and "and online (Webex)" in where


@pytest.mark.parametrize(
    "fee, currency, shown",
    [
        (Decimal("0"), "EUR", "Free"),
        (Decimal("150"), "EUR", "€150.00"),
        (Decimal("49.5"), "USD", "US$49.50"),
        (Decimal("25000"), "KZT", "KZT"),
    ],
)
def test_the_price_is_free_or_the_formatted_fee(client, make_event, organiser, fee, currency, shown):
    event = make_event(organiser=organiser, fee=fee, currency=currency)
    page = client.get(f"/events/{event.slug}").text
    price = re.search(r"<dt>Price</dt>\s*<dd>(.*?)</dd>", page).group(1)
    assert shown in price
    if fee:
        assert "Free" not in price and ("25,000" in price or currency != "KZT")


@pytest.mark.parametrize(
    "description, forbidden",
    [
        ("Hello <script>alert('x')</script> world", ["<script", "alert("]),
        ("[Click me](javascript:alert(1))", ["javascript:"]),
        ('<a href="javascript:alert(1)">Click me</a>', ["javascript:"]),
        ('<img src="x" onerror="alert(1)">', ["onerror", "<img"]),
        ('<p onclick="steal()" onerror="alert(1)">Text</p>', ["onclick", "onerror", "steal()"]),
        ('<iframe src="https://evil.example.org"></iframe>', ["<iframe", "evil.example.org"]),
        ('<a href="https://ok.example.org" onmouseover="alert(1)">fine</a>', ["onmouseover"]),
    ],
)
def test_the_description_is_sanitised(client, make_event, organiser, description, forbidden):
    event = make_event(organiser=organiser, description=f"**Safe part.**\n\n{description}")
    page = client.get(f"/events/{event.slug}").text
    assert "<strong>Safe part.</strong>" in page
    about = section(page, "about-heading")
    for text in forbidden:
        assert text not in about, text
    assert "onerror" not in page and "javascript:" not in page and "<script>alert" not in page


def test_the_join_link_is_on_no_public_page(client, db, make_event, organiser):
    series = services.create_series("Border Security Report webinars", "", organiser)
    db.session.commit()
    event = make_event(
        organiser=organiser,
        title="Secret link webinar",
        series_id=series.id,
        edition=1,
        join_url="https://meet.example.org/j/very-secret-room",
    )
    make_event(organiser=organiser, title="Sibling", series_id=series.id, edition=2)
    pages = [
        "/",
        "/?q=secret",
        f"/events/{event.slug}",
        "/series/border-security-report-webinars",
        f"/events/{event.slug}/calendar.ics",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "very-secret-room" not in response.text, url


def test_a_cancelled_event_says_so_with_the_reason(client, db, make_event, organiser):
    event = make_event(organiser=organiser, title="Cancelled Webinar")
    services.cancel_event(event, organiser, "The speakers could not travel.")
    db.session.commit()
    page = client.get(f"/events/{event.slug}").text
    assert "This event is cancelled." in page and "The speakers could not travel." in page
    assert re.search(r"<dt>Registration</dt>\s*<dd>\s*Closed", page)


def test_recommended_events_prefer_the_series_then_the_host_then_the_kind(
    client, db, make_event, make_organisation, organiser
):
    series = services.create_series("Issyk-Kul Initiative", "", organiser)
    host = make_organisation(name="OSCE")
    other_host = make_organisation(name="UNODC")
    db.session.commit()
    conference = {"kind": "conference", "venue_name": "Hotel", "venue_country": "KZ"}
    event = make_event(organiser=organiser, title="The webinar", series_id=series.id, edition=2)
    make_event(organiser=organiser, title="Same kind only", start_at=days(5))
    same_host = make_event(organiser=organiser, title="Same host only", start_at=days(6), **conference)
    make_event(
        organiser=organiser, title="Same series only", series_id=series.id, edition=1, start_at=days(-400), **conference
    )
    unrelated = make_event(organiser=organiser, title="Unrelated", start_at=days(7), **conference)
    make_event(organiser=organiser, title="Private sibling", series_id=series.id, edition=3, visibility="private")
    make_event(organiser=organiser, title="Unlisted sibling", series_id=series.id, edition=4, visibility="unlisted")
    make_event(organiser=organiser, title="Draft sibling", series_id=series.id, edition=5, status="draft")
    services.set_organisations(event, [(host.id, "host")], organiser)
    services.set_organisations(same_host, [(host.id, "host")], organiser)
    services.set_organisations(unrelated, [(other_host.id, "host")], organiser)
    db.session.commit()

    page = client.get(f"/events/{event.slug}").text
    assert titles(section(page, "related-heading")) == ["Same series only", "Same host only", "Same kind only"]
    lone = make_event(organiser=organiser, title="A lone conference", **conference)
    related = titles(section(client.get(f"/events/{lone.slug}").text, "related-heading"))
    assert sorted(related) == ["Same host only", "Same series only", "Unrelated"]  # the conferences


# --- Series and errors -----------------------------------------------------------------------------


def test_the_series_page_lists_its_public_editions_newest_first(client, db, make_event, organiser):
    series = services.create_series("Issyk-Kul Initiative", "Conferences on **border security** since 2011.", organiser)
    db.session.commit()
    conference = {"kind": "conference", "venue_name": "Hotel", "venue_country": "KZ"}
    make_event(
        organiser=organiser, title="2nd Conference", series_id=series.id, edition=2, start_at=days(-365), **conference
    )
    make_event(
        organiser=organiser, title="3rd Conference", series_id=series.id, edition=3, start_at=days(10), **conference
    )
    make_event(
        organiser=organiser,
        title="1st Conference",
        series_id=series.id,
        edition=1,
        start_at=days(-730),
        status="cancelled",
        **conference,
    )
    make_event(
        organiser=organiser,
        title="4th Conference",
        series_id=series.id,
        edition=4,
        start_at=days(375),
        status="draft",
        **conference,
    )
    make_event(organiser=organiser, title="Not in the series", start_at=days(20))

    response = client.get("/series/issyk-kul-initiative")
    assert response.status_code == 200
    assert "<h1>Issyk-Kul Initiative</h1>" in response.text
    assert "<strong>border security</strong>" in response.text
    assert titles(section(response.text, "editions-heading")) == ["3rd Conference", "2nd Conference", "1st Conference"]
    event_page = client.get(f"/events/{services.event_by_slug('3rd-conference')[0].slug}").text
    assert 'href="/series/issyk-kul-initiative"' in event_page and "edition 3" in event_page
    assert client.get("/series/no-such-series").status_code == 404


def test_missing_pages_are_404_in_the_site_layout(client):
    for url in ("/events/no-such-event", "/no/such/page", "/series/nothing"):
        response = client.get(url)
        assert response.status_code == 404
        assert 'class="site-header"' in response.text and 'class="site-footer"' in response.text
        assert "<h1>Page not found</h1>" in response.text
        assert 'href="/">Go to the list of events</a>' in response.text
