"""Setting up an event: zone, reminders, currency and languages as an organiser expects them (issue 13, point 11)."""

import re

import pytest
from helpers import field_errors, log_in_browser

DAY = "2031-05-06"


def new_event_form(**overrides) -> dict:
    """What an organiser types into the new-event form for a webinar."""
    data = {
        "title": "Border Management Webinar",
        "kind": "webinar",
        "format": "online",
        "timezone": "Asia/Almaty",
        "start": f"{DAY}T09:00",
        "end": f"{DAY}T12:00",
        "visibility": "public",
        "registration_policy": "open",
        "currency": "EUR",
        "fee": "0",
    }
    return data | overrides


@pytest.fixture
def organiser(make_user, login):
    user = make_user(name="Olga Organiser")
    login(user)
    return user


def selected(page: str, name: str) -> list[str]:
    """The values preselected in the named select, or ticked among the named checkboxes."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    tags = (
        re.findall(r"<option[^>]*>", select.group(1))
        if select
        else re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    )
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if re.search(r"\b(selected|checked)\b", tag)]


def test_a_first_event_starts_in_utc_and_asks_the_browser(client, organiser):
    page = client.get("/manage/events/new").text
    assert selected(page, "timezone") == ["UTC"]
    assert "data-browser-zone" in page
    aliases = re.search(r'data-zone-aliases="([^"]*)"', page).group(1)
    assert "Asia/Calcutta" in aliases  # Chromium still reports the old name for India


def test_the_next_event_starts_in_the_zone_of_the_last_one_created_or_edited(client, organiser, post, make_event):
    assert post("/manage/events/new", new_event_form(timezone="Asia/Bishkek")).status_code == 302
    page = client.get("/manage/events/new").text
    assert selected(page, "timezone") == ["Asia/Bishkek"]
    assert "data-browser-zone" not in page

    older = make_event(organiser=organiser, timezone="Asia/Dushanbe")
    edit = f"/manage/events/{older.id}/edit"
    form = new_event_form(timezone="Europe/Brussels", version=str(older.version), title="Renamed")
    assert post(edit, form).status_code == 302
    assert selected(client.get("/manage/events/new").text, "timezone") == ["Europe/Brussels"]


def test_zones_are_grouped_by_region_with_their_offset_and_without_old_aliases(client, organiser):
    page = client.get("/manage/events/new").text
    select = re.search(r'<select[^>]*name="timezone"[^>]*>(.*?)</select>', page, re.S).group(1)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert {"Asia", "Europe", "Americas", "Africa"} <= set(groups)
    asia = re.search(r'<optgroup label="Asia">(.*?)</optgroup>', select, re.S).group(1)
    assert re.search(r'value="Asia/Almaty"[^>]*>[^<]*Asia/Almaty \(UTC\+0[56]:00\)<', asia)
    assert re.search(r'value="Asia/Kolkata"[^>]*>[^<]*\(UTC\+05:30\)<', asia)
    values = set(re.findall(r'value="([^"]+)"', select))
    for alias in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/GMT+5", "GB", "Asia/Ulan_Bator"):
        assert alias not in values
    assert {"Europe/Kyiv", "America/New_York", "Asia/Ulaanbaatar", "UTC"} <= values


def test_reminders_are_given_in_hours_or_days_and_stored_in_minutes(client, organiser, post, db):
    from eventmgr.events.models import Event

    form = new_event_form(reminder_early="3", reminder_early_unit="days", reminder_late="2", reminder_late_unit="hours")
    response = post("/manage/events/new", form)
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert (event.reminder_early_minutes, event.reminder_late_minutes) == (3 * 24 * 60, 2 * 60)

    page = client.get(f"/manage/events/{event.id}/edit").text
    assert re.search(r'name="reminder_early"[^>]*value="3"', page)
    assert selected(page, "reminder_early_unit") == ["days"]
    assert selected(page, "reminder_late_unit") == ["hours"]
    assert 'value="minutes"' not in page

    too_long = new_event_form(reminder_early="15", reminder_early_unit="days")
    response = post("/manage/events/new", too_long)
    assert response.status_code == 422
    assert "Between 1 minute and 14 days" in field_errors(response)["reminder_early"]


def test_current_currencies_only(client, organiser, post):
    page = client.get("/manage/events/new").text
    select = re.search(r'<select[^>]*name="currency"[^>]*>(.*?)</select>', page, re.S).group(1)
    values = set(re.findall(r'value="([^"]+)"', select))
    assert {"EUR", "USD", "KZT", "KGS", "RUB", "CHF"} <= values
    for historic in ("DEM", "FRF", "HRK", "SUR", "XEU", "SLL"):
        assert historic not in values
    response = post("/manage/events/new", new_event_form(currency="DEM", fee="10"))
    assert response.status_code == 422
    assert "currency" in field_errors(response)


def test_languages_are_checkboxes_and_the_usual_ones_come_first(client, organiser, post, db):
    from eventmgr.events.models import Event

    page = client.get("/manage/events/new").text
    assert not re.search(r'<select[^>]*multiple[^>]*name="languages"', page)
    assert re.search(r'<input[^>]*type="checkbox"[^>]*value="ru"', page) or re.search(
        r'<input[^>]*value="ru"[^>]*type="checkbox"', page
    )
    usual, more = page.split("More languages", 1)
    assert 'value="kk"' in usual and 'value="cy"' in more

    response = post("/manage/events/new", new_event_form(languages=["en", "ru", "cy"]))
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert sorted(event.languages) == ["cy", "en", "ru"]
    page = client.get(f"/manage/events/{event.id}/edit").text
    usual = page.split("More languages", 1)[0]
    assert sorted(selected(usual, "languages")) == ["cy", "en", "ru"]  # a chosen rare one is shown, ticked


def test_an_event_keeps_an_old_zone_and_currency_it_was_saved_with(client, organiser, post, make_event, db):
    event = make_event(organiser=organiser, timezone="Europe/Kiev")
    event.currency = "HRK"
    db.session.commit()
    page = client.get(f"/manage/events/{event.id}/edit").text
    assert selected(page, "timezone") == ["Europe/Kiev"]
    assert selected(page, "currency") == ["HRK"]
    form = new_event_form(timezone="Europe/Kiev", currency="HRK", version=str(event.version), title="Kept")
    assert post(f"/manage/events/{event.id}/edit", form).status_code == 302


def test_a_first_event_takes_the_browsers_zone(browser, live_server, make_user):
    """Chromium set to India reports 'Asia/Calcutta'; the form chooses Asia/Kolkata."""
    user = make_user(name="Olga Organiser")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Asia/Kolkata")
    page = context.new_page()
    try:
        log_in_browser(page, user)
        page.goto("/manage/events/new")
        assert page.locator("select[name=timezone]").input_value() == "Asia/Kolkata"
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            assert page.get_by_label("Kazakh").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
