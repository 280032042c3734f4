"""In Debian's Chromium: an organiser publishes a webinar that a visitor then finds and puts in their calendar;
labels, headings, phones."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import log_in_browser
from playwright.sync_api import expect

from eventmgr.events import services

UNLABELLED_FIELDS = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter(el => el.type !== "hidden" && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
  .map(el => ({
    html: el.outerHTML.slice(0, 120),
    labelled: Array.from(el.labels || []).some(label => label.textContent.trim() !== "")
      || !!(el.getAttribute("aria-label") || "").trim()
      || !!(el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(id => id && document.getElementById(id)),
  }))"""

HEADING_LEVELS = """() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
  .map(h => Number(h.tagName.substring(1)))"""


def search_home(tab, text):
    tab.goto("/")
    tab.get_by_role("searchbox", name="Search").fill(text)
    tab.get_by_role("button", name="Search").click()


def test_an_organiser_publishes_a_webinar_and_a_visitor_finds_and_opens_it(page, browser, live_server, make_user):
    organiser = make_user(name="Olga Organiser")
    log_in_browser(page, organiser)
    page.get_by_role("link", name="New webinar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New event")
    # Exactly these: the same fields in other languages are labelled "Title (Русский)" ...
    page.get_by_role("textbox", name="Title", exact=True).fill("Border Challenges in the Ferghana Valley")
    page.get_by_role("textbox", name="About this event", exact=True).fill(
        "Practitioners compare **risk analysis** across three borders."
    )
    page.get_by_label("Time zone").select_option("Asia/Almaty")
    day = (datetime.now(UTC) + timedelta(days=45)).strftime("%Y-%m-%d")
    page.get_by_label("Starts").fill(f"{day}T10:00")
    page.get_by_label("Ends").fill(f"{day}T12:30")
    page.get_by_label("Online platform").fill("Zoom Webinars")
    page.get_by_label("Join link").fill("https://zoom.example.org/j/4455-secret")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Draft created. Publish it when it is ready.")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Draft")

    visitor = browser.new_context(base_url=live_server.url, locale="en-GB")
    tab = visitor.new_page()
    try:
        search_home(tab, "ferghana")  # a draft is nobody's business but its organisers'
        expect(tab.get_by_role("heading", name="0 events found")).to_be_visible()

        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_text("Published.")).to_be_visible()
        expect(page.locator(".status")).to_have_text("Upcoming")

        # The organiser's form shows the times as typed, in the event's zone.
        page.get_by_role("link", name="Details").click()
        expect(page.get_by_label("Starts")).to_have_value(f"{day}T10:00")
        expect(page.get_by_label("Ends")).to_have_value(f"{day}T12:30")

        search_home(tab, "ferghana")
        expect(tab.get_by_role("heading", name="1 event found")).to_be_visible()
        tab.get_by_role("link", name="Border Challenges in the Ferghana Valley").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Border Challenges in the Ferghana Valley")
        expect(tab.locator(".prose strong")).to_have_text("risk analysis")
        facts = tab.locator(".event-facts")
        expect(facts).to_contain_text("10:00–12:30")
        expect(facts).to_contain_text("Asia/Almaty")
        expect(facts).to_contain_text("Online (Zoom Webinars)")
        expect(facts).to_contain_text("Everyone")
        expect(facts).to_contain_text("Free")
        assert "4455-secret" not in tab.content()
        expect(tab.get_by_role("link", name="Manage this event")).to_have_count(0)
        with tab.expect_download() as download:
            tab.get_by_role("link", name="Add to calendar (.ics)").click()
        ics = Path(download.value.path()).read_text(encoding="utf-8")
        assert "BEGIN:VTIMEZONE" in ics and "TZID:Asia/Almaty" in ics
        assert "SUMMARY:Border Challenges in the Ferghana Valley" in ics and "4455-secret" not in ics
    finally:
        visitor.close()


@pytest.fixture
def pages_to_check(db, make_user, make_event, make_organisation):
    """A site with content on every page worth checking, and the URLs of those pages."""
    organiser = make_user(name="Olga Organiser")
    series = services.create_series("Issyk-Kul Initiative", "", organiser)
    db.session.commit()
    event = make_event(
        organiser=organiser,
        title="Central Asia Border Challenges: Counter-Terrorism and Transnational Organized Crime",
        online_platform="Zoom Webinars",
        series_id=series.id,
        edition=2,
        online_capacity=300,
        description=(
            "In exploring the landscape of border management in Central Asia, there is a need to look beyond the "
            "physical control over external borders.\n\n"
            "- illicit trafficking of small arms and light weapons (SALW)\n- foreign terrorist fighters\n\n"
            "Background: https://www.un.org/counterterrorism/border-security-and-management-programme-central-asia"
            "\n\n| Panel | Theme |\n|---|---|\n| One | Threat landscape and the nexus with organised crime |"
        ),
    )
    hosts = [
        make_organisation(name="United Nations Counter-Terrorism Centre (UNOCT-UNCCT)", country_code="US"),
        make_organisation(name="Border Management Programme in Central Asia", acronym="BOMCA"),
    ]
    services.set_organisations(event, [(hosts[0].id, "host"), (hosts[1].id, "partner")], organiser)
    make_event(
        organiser=organiser,
        title="1st Regional Cooperation Conference on Border Security",
        kind="conference",
        venue_name="Rixos Borovoe",
        venue_city="Borovoe",
        venue_country="KZ",
        series_id=series.id,
        edition=1,
        start_at=datetime.now(UTC) - timedelta(days=300),
    )
    make_event(organiser=organiser, title="Regional Security in Asia", start_at=datetime.now(UTC) + timedelta(days=5))
    db.session.commit()
    return {"organiser": organiser, "event": event}


@pytest.mark.parametrize(
    "path, needs_login",
    [
        ("/", False),
        ("/?q=border", False),
        ("/login", False),
        ("/manage/events/new?kind=conference", True),
        ("edit", True),
        ("event", False),
        ("/manage/organisations/new", True),
    ],
)
def test_every_field_has_a_label_and_headings_do_not_skip_levels(page, pages_to_check, path, needs_login):
    event = pages_to_check["event"]
    path = {"edit": f"/manage/events/{event.id}/edit", "event": f"/events/{event.slug}"}.get(path, path)
    if needs_login:
        log_in_browser(page, pages_to_check["organiser"])
    page.goto(path)
    fields = page.evaluate(UNLABELLED_FIELDS)
    assert fields or path.startswith("/events/"), "no visible fields to check"
    unlabelled = [field["html"] for field in fields if not field["labelled"]]
    assert not unlabelled, f"fields without a label on {path}: {unlabelled}"

    levels = page.evaluate(HEADING_LEVELS)
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{path}: headings {levels}"
    skips = [(before, after) for before, after in zip(levels, levels[1:], strict=False) if after > before + 1]
    assert not skips, f"{path}: heading levels skip in {levels}"


@pytest.mark.parametrize("path, needs_login", [("event", False), ("/", False), ("edit", True)])
def test_pages_fit_a_phone_without_scrolling_sideways(page, pages_to_check, path, needs_login):
    event = pages_to_check["event"]
    path = {"edit": f"/manage/events/{event.id}/edit", "event": f"/events/{event.slug}"}.get(path, path)
    page.set_viewport_size({"width": 390, "height": 844})
    if needs_login:
        log_in_browser(page, pages_to_check["organiser"])
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})")
    assert width["inner"] == 390
    assert width["scroll"] <= width["inner"], f"{path} is {width['scroll']}px wide on a 390px phone"
    if path.startswith("/events/"):
        expect(page.get_by_role("heading", name="Hosted by")).to_be_visible()
        expect(page.locator(".event-facts")).to_contain_text("Online (Zoom Webinars)")
