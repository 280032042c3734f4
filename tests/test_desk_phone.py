"""The desk's lists on a phone (390 px) in Debian's Chromium: a wide table scrolls sideways in its wrapper and
keeps names whole, instead of breaking every word letter by letter to fit the screen."""

import pytest
from helpers import IN_PERSON, log_in_browser

pytestmark = pytest.mark.browser


def test_the_registrations_table_scrolls_on_a_phone_and_keeps_names_whole(
    page, make_user, make_event, make_registration
):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, title="Border Security Conference", capacity=40, **IN_PERSON)
    make_registration(
        event,
        "dovlet.hojamuradov.4@document.example.org",
        given_name="Dovlet",
        family_name="Hojamuradov",
        organisation_name="Border Troops of the State Committee for National Security of the Republic of Tajikistan",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_browser(page, organiser)
    page.goto(f"/manage/events/{event.id}/registrations")
    name = page.get_by_role("link", name="Dovlet Hojamuradov")
    # Each word on one line: the link is at least as wide as its longest word, set on its own.
    word = page.evaluate(
        """(link) => { const probe = document.createElement("span"); probe.textContent = "Hojamuradov";
        link.after(probe); const width = probe.getBoundingClientRect().width; probe.remove(); return width; }""",
        name.element_handle(),
    )
    assert name.bounding_box()["width"] >= word - 0.5
    # The page itself never scrolls sideways; the table's wrapper does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrapper = page.locator(".table-wrap").first
    assert wrapper.evaluate("(w) => w.scrollWidth > w.clientWidth")
