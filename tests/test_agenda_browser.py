"""The agenda in Debian's Chromium: an organiser builds a panel with its people, a visitor reads it and the bios."""

import re
from io import BytesIO

from helpers import log_in_browser
from PIL import Image
from playwright.sync_api import expect

from eventmgr.people.services import create_person


def portrait_png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (480, 640), (60, 120, 170)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_organiser_adds_a_panel_with_its_people_and_a_visitor_reads_it_and_a_bio(
    page, browser, live_server, db, make_user, make_event
):
    organiser = make_user(name="Olga Organiser")
    event = make_event(organiser=organiser, title="Regional Security in Asia: Preventing New Challenges")
    sarybay = create_person(
        {
            "full_name": "Kairat Sarybay",
            "honorific": "Ambassador",
            "position": "Executive Director",
            "organisation_name": "CICA Secretariat",
            "email": "k.sarybay@example.org",
        }
    )
    db.session.commit()

    log_in_browser(page, organiser)
    page.goto(f"/manage/events/{event.id}/agenda")
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Kind").select_option("panel")
    page.get_by_role("textbox", name="Title", exact=True).fill(
        "New challenges and threats to regional security in the CICA space"
    )
    page.get_by_label("Room or stream").fill("English channel")
    page.get_by_role("button", name="Add the session").click()  # the times the form proposes: the event's first hour
    expect(page.get_by_text("Session added. Add its people below.")).to_be_visible()

    form = page.locator("form.participant-form")
    form.get_by_label("Role").select_option("moderator")
    form.get_by_label("Honorific").select_option("Ambassador")
    form.get_by_label("Full name").fill("Bolat Nurgaliyev")
    form.get_by_label("Position").fill("Chairman, Foreign Policy Research Institute")
    form.get_by_role("button", name="Add to the session").click()
    expect(page.get_by_text("Ambassador Bolat Nurgaliyev added.")).to_be_visible()

    form.get_by_label("Role").select_option("speaker")
    form.get_by_label("Title of their talk").fill("Water disputes and confidence building")
    form.get_by_label("Full name").fill("Nodira Karimova")
    form.get_by_label("Position").fill("Senior Researcher")
    form.get_by_label("Organisation, if not in the directory").fill("Institute of Strategic Studies")
    form.get_by_label("Bio").fill("Studies **transboundary water** in Central Asia.\n\n<script>alert('bio')</script>")
    form.get_by_label("Photo").set_input_files(
        {"name": "nodira.png", "mimeType": "image/png", "buffer": portrait_png()}
    )
    form.get_by_role("button", name="Add to the session").click()
    expect(page.get_by_text("Nodira Karimova added.")).to_be_visible()

    form.get_by_label("Person", exact=True).select_option(str(sarybay.id))
    form.get_by_label("Role").select_option("speaker")
    form.get_by_role("button", name="Add to the session").click()
    expect(page.get_by_text("Ambassador Kairat Sarybay added.")).to_be_visible()
    expect(page.locator(".participant-list > li")).to_have_count(3)
    expect(page.locator(".participant-list > li").first).to_contain_text("Bolat Nurgaliyev · Moderator")

    # A visitor in Brussels finds the panel from the event's page, in the event's time zone first.
    visitor = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Brussels")
    tab = visitor.new_page()
    try:
        dialogs = []
        tab.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
        tab.goto(f"/events/{event.slug}")
        tab.get_by_role("link", name="Agenda", exact=True).click()
        expect(tab).to_have_url(re.compile(f"/events/{event.slug}/agenda$"))
        session = tab.locator(".agenda-item", has_text="New challenges and threats")
        expect(session).to_contain_text("Moderator: Ambassador Bolat Nurgaliyev")
        expect(session).to_contain_text("Speaker: Nodira Karimova, Senior Researcher, Institute of Strategic Studies")
        expect(session).to_contain_text("Water disputes and confidence building")
        expect(session).to_contain_text("Speaker: Ambassador Kairat Sarybay")
        expect(session).to_contain_text("English channel")
        expect(tab.locator(".agenda-zone-current")).to_contain_text("Asia/Almaty")

        # The script preselects the reader's own zone; choosing one and "Show times" reload the agenda in it.
        expect(tab.get_by_label("Show the times in")).to_have_value("Europe/Brussels")
        expect(tab.locator("#tz-help")).to_contain_text("Europe/Brussels")
        tab.get_by_label("Show the times in").select_option("Asia/Tokyo")
        tab.get_by_role("button", name="Show times").click()
        expect(tab).to_have_url(re.compile(r"\?tz=Asia%2FTokyo$"))
        expect(tab.locator(".agenda-zone-current")).to_contain_text("Asia/Tokyo")

        # Printed, the agenda keeps the programme and drops the controls.
        tab.emulate_media(media="print")
        expect(tab.locator("form.tz-form")).to_be_hidden()
        expect(session).to_be_visible()
        tab.emulate_media(media="screen")

        session.get_by_role("link", name="Nodira Karimova").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Nodira Karimova")
        bio = tab.locator(".prose")
        expect(bio).to_contain_text("Studies transboundary water in Central Asia.")
        expect(bio.locator("strong")).to_have_text("transboundary water")
        expect(bio.locator("script")).to_have_count(0)
        photo = tab.get_by_role("img", name="Photo of Nodira Karimova")
        expect(photo).to_be_visible()
        assert photo.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [480, 640]  # never enlarged
        expect(tab.get_by_role("link", name="Regional Security in Asia: Preventing New Challenges")).to_be_visible()
        assert dialogs == []
        assert "k.sarybay@example.org" not in tab.content()
    finally:
        visitor.close()
