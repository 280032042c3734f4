"""Announcements in the browser: the chosen audience is counted as it changes, previewed and the one mailed."""

import time
from pathlib import Path

from helpers import IN_PERSON, log_in_browser, wait_for
from playwright.sync_api import expect

#: Where the pages are kept as looked at (desk and phone widths), beside a failing test's screenshot.
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_an_organiser_writes_to_the_confirmed_only(page, db, make_event, make_user, make_registration, mailbox):
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(organiser=organiser, title="Border Management Conference", **IN_PERSON)
    for name in ("dina", "aidar", "bakyt"):
        make_registration(event, f"{name}@example.kz", given_name=name.capitalize(), family_name="Delegate")
    make_registration(event, "nodira@example.uz", status="waitlisted")
    make_registration(event, "pavel@example.kz", status="pending")
    mailbox.deliver()
    before = len(mailbox.messages)
    log_in_browser(page, organiser)

    page.goto(f"/manage/events/{event.id}/announcements")
    count = page.locator("#audience-count")
    expect(count).to_have_text("5 people will receive it.")
    page.get_by_label("To", exact=True).select_option(label="Confirmed")
    expect(count).to_have_text("3 people will receive it.")  # counted as the filter changes
    page.get_by_label("Delegates from").select_option(label="Uzbekistan")
    expect(count).to_have_text("0 people will receive it.")
    page.get_by_label("Delegates from").select_option(label="Any country")
    expect(count).to_have_text("3 people will receive it.")
    page.get_by_role("textbox", name="Subject", exact=True).fill("Shuttle from the airport")
    page.get_by_role("textbox", name="Message", exact=True).fill("A shuttle leaves the airport every hour from 8:00.")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("To 3 people: Confirmed")
    expect(preview).to_contain_text("Shuttle from the airport · Border Management Conference")
    expect(preview).to_contain_text("A shuttle leaves the airport every hour from 8:00.")
    page.screenshot(path=str(SHOTS / "announcement-preview-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "announcement-preview-390.png"), full_page=True)

    # Changing the audience after the preview takes the offer to send away until it is previewed again.
    send = page.get_by_role("button", name="Send to 3 people")
    page.get_by_label("To", exact=True).select_option(label="On the waiting list")
    expect(send).to_be_disabled()
    page.get_by_label("To", exact=True).select_option(label="Confirmed")
    expect(send).to_be_enabled()
    send.click()

    expect(page.get_by_text("Sending to 3 people.")).to_be_visible()
    sent = page.locator("article.announcement").first
    expect(sent).to_contain_text("Confirmed · 3 recipients")
    waiting_since = time.monotonic()

    def arrived():
        """The three messages; the app sends after its response, and after 2 s the test sends as the worker would."""
        if len(mailbox.messages) >= before + 3:
            return mailbox.messages[before:]
        if time.monotonic() > waiting_since + 2:
            mailbox.deliver()
        return None

    received = wait_for(arrived)
    assert sorted(m["To"] for m in received) == ["aidar@example.kz", "bakyt@example.kz", "dina@example.kz"]
    page.reload()  # the progress, once the outbox has sent them
    expect(page.locator("article.announcement").first).to_contain_text("3 sent, 0 waiting, 0 failed")
    page.screenshot(path=str(SHOTS / "announcement-sent-390.png"), full_page=True)
