"""The main journeys, end to end in Debian's Chromium."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import PASSWORD
from playwright.sync_api import expect


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My events")).to_be_visible()


def test_organiser_publishes_a_webinar_and_a_visitor_finds_it(page, browser, live_server, make_user):
    organiser = make_user(name="Olga Organiser")
    log_in(page, organiser)
    page.get_by_role("link", name="New webinar").click()
    page.get_by_label("Title").fill("Border Data Sharing in Central Asia")
    page.get_by_label("About this event").fill("Practitioners compare how **risk information** crosses borders.")
    page.get_by_label("Time zone").select_option("Asia/Dushanbe")
    start = (datetime.now(UTC) + timedelta(days=40)).replace(hour=10, minute=0)
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Online platform").fill("Zoom Webinars")
    page.get_by_label("Join link").fill("https://zoom.example.org/j/123")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Draft created")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published.")).to_be_visible()

    visitor = browser.new_context(base_url=live_server.url)
    tab = visitor.new_page()
    tab.goto("/")
    tab.get_by_label("Search").fill("data sharing")
    tab.get_by_role("button", name="Search").click()
    tab.get_by_role("link", name="Border Data Sharing in Central Asia").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Border Data Sharing in Central Asia")
    facts = tab.locator(".event-facts")
    expect(facts).to_contain_text("10:00")
    expect(facts).to_contain_text("Asia/Dushanbe")
    expect(facts).to_contain_text("Online (Zoom Webinars)")
    expect(facts).to_contain_text("Everyone")
    expect(facts).to_contain_text("Free")
    assert "zoom.example.org/j/123" not in tab.content()
    ics = tab.get_by_role("link", name="Add to calendar (.ics)")
    with tab.expect_download() as download:
        ics.click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VTIMEZONE" in body and "TZID:Asia/Dushanbe" in body
    assert re.search(r"SUMMARY:Border Data Sharing in Central Asia", body)
    visitor.close()


def wait_for_mail(mailbox, subject_part, timeout=10.0):
    """The first received message whose subject contains the text, waiting for the outbox."""
    import time

    start = time.monotonic()
    while time.monotonic() < start + timeout:
        for message in mailbox.messages:
            if subject_part in message["Subject"]:
                return message
        if time.monotonic() > start + 2:
            # The app sends after its response; should that miss, the outbox still holds the message, as
            # the mail worker would find it.
            mailbox.deliver()
        time.sleep(0.1)
    raise AssertionError(f"no mail with {subject_part!r}; got {[m['Subject'] for m in mailbox.messages]}")


def register_in_browser(page, slug, given, family, email):
    page.goto(f"/events/{slug}/register")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("E-mail").fill(email)
    page.locator("#country").select_option("KZ")
    page.get_by_label("I agree that the organisers process my data").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Thank you: check your e-mail")).to_be_visible()


def test_delegate_registers_cancels_and_the_waiting_list_moves_up(page, make_event, mailbox):
    event = make_event(title="Joint Risk Analysis Webinar", capacity=1, join_url="https://zoom.example.org/j/9")
    register_in_browser(page, event.slug, "Aigerim", "Abenova", "aigerim@example.kz")
    confirmation = wait_for_mail(mailbox, "Registration confirmed")
    assert confirmation["To"] == "aigerim@example.kz"
    invite = next(part for part in confirmation.iter_attachments() if part.get_filename() == "invite.ics")
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert "Joint Risk Analysis Webinar" in invite.get_content()

    register_in_browser(page, event.slug, "Bakyt", "Mamytov", "bakyt@example.kg")
    wait_for_mail(mailbox, "waiting list")

    link = re.search(r"http://\S+/registration/\S+", confirmation.get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    expect(page.get_by_text("Confirmed: your seat is reserved.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    promoted = wait_for_mail(mailbox, "A seat is free")
    assert promoted["To"] == "bakyt@example.kg"
