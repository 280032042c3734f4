"""The delegate's journey in Debian's Chromium (issue 13): applying an offer code with and without JavaScript, a full
event's page and its waiting list, and an event page on a phone."""

import re
import tempfile
from decimal import Decimal
from pathlib import Path

from helpers import IN_PERSON
from playwright.sync_api import expect
from sqlalchemy import select
from test_registration_browser import wait_for_mail

from eventmgr.registration.models import OfferCode, Registration

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_DESCRIPTION = "\n\n".join(
    f"Paragraph {n}: the panel compares how border agencies of the region share risk data." for n in range(1, 30)
)


def shot(page, name: str) -> None:
    """Keep a picture of the whole page to look at (the journey's pages at both widths)."""
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"journey-{name}.png"), full_page=True)


def paid_event(make_event, db):
    event = make_event(title="Paid Border Workshop", fee=Decimal("200"))
    db.session.add(OfferCode(event_id=event.id, code="HALF", discount_kind="percent", discount=Decimal("50")))
    db.session.commit()
    return event


def test_applying_a_code_shows_the_amount_in_place(page, make_event, db):
    event = paid_event(make_event, db)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/events/{event.slug}/register")
    page.get_by_label("Given name").fill("Aigerim")
    page.get_by_label("Offer code").fill("nope")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Apply the code").click()
    expect(page.locator("#offer_code-error")).to_have_text("This offer code is not valid for this event.")
    expect(page.locator(".amount-due")).to_have_text("Amount due: €200.00")

    page.get_by_label("Offer code").fill("half")
    page.get_by_role("button", name="Apply the code").click()
    expect(page.locator(".amount-due")).to_have_text("Amount due: €100.00 with your code")
    expect(page.locator("#offer_code-error")).to_have_count(0)
    expect(page.locator(".error")).to_have_count(0)  # nothing else is judged: no address, country or consent yet
    expect(page.get_by_role("alert")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True  # in place: the page was not loaded again
    expect(page.get_by_label("Given name")).to_have_value("Aigerim")
    expect(page.get_by_label("Offer code")).to_be_focused()
    shot(page, "apply-code-1280")

    page.get_by_label("Family name").fill("Abenova")
    page.get_by_label("E-mail").fill("aigerim@example.kz")
    page.get_by_label("Country", exact=False).and_(page.locator("select")).select_option("KZ")
    page.get_by_label("I agree that the organisers process my data").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".registration-status")).to_contain_text("Confirmed: your seat is reserved.")
    db.session.expire_all()
    assert db.session.execute(select(Registration.amount_due)).scalar_one() == Decimal("100.00")


def test_applying_a_code_without_javascript_keeps_the_form(browser, live_server, make_event, db):
    event = paid_event(make_event, db)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/events/{event.slug}/register")
    page.get_by_label("Given name").fill("Aigerim")
    page.get_by_label("Offer code").fill("half")
    page.get_by_role("button", name="Apply the code").click()
    expect(page.locator(".amount-due")).to_have_text("Amount due: €100.00 with your code")
    expect(page.locator(".error")).to_have_count(0)
    expect(page.get_by_label("Given name")).to_have_value("Aigerim")
    expect(page.get_by_label("Offer code")).to_have_value("half")
    shot(page, "apply-code-nojs-390")
    context.close()


def test_a_full_event_offers_its_waiting_list_and_tells_the_place(page, make_event, make_registration, db, mailbox):
    event = make_event(title="Border Data Webinar", online_capacity=2, description=LONG_DESCRIPTION)
    make_registration(event)
    make_registration(event)
    make_registration(event, "waiting@example.org")
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    card = page.locator(".event-card", has_text="Border Data Webinar")
    expect(card.locator(".badge-full")).to_have_text("Full: join the waiting list")
    shot(page, "index-full-1280")
    card.get_by_role("link", name="Border Data Webinar").click()

    facts = page.locator(".event-facts")
    expect(facts).to_contain_text("Full: join the waiting list")
    expect(facts).not_to_contain_text("2 places")
    expect(facts.get_by_role("link", name="Register", exact=True)).to_have_count(0)
    shot(page, "full-event-1280")
    page.set_viewport_size(PHONE)
    shot(page, "full-event-390")
    facts.get_by_role("link", name="Join the waiting list").click()

    expect(page.locator(".notice-full")).to_contain_text("Full: join the waiting list")
    page.get_by_label("Given name").fill("Bakyt")
    page.get_by_label("Family name").fill("Mamytov")
    page.get_by_label("E-mail").fill("bakyt@example.kg")
    page.get_by_label("Country", exact=False).and_(page.locator("select")).select_option("KG")
    page.get_by_label("I agree that the organisers process my data").check()
    shot(page, "register-full-390")
    page.get_by_role("button", name="Join the waiting list").click()

    status = page.locator(".registration-status")
    expect(status).to_contain_text("On the waiting list")
    expect(status).to_contain_text("You are number 2 on the waiting list.")
    expect(page.get_by_text("We have sent a message to bakyt@example.kg.")).to_be_visible()
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_count(0)
    shot(page, "done-waitlisted-390")

    mail = wait_for_mail(mailbox, "bakyt@example.kg", "You are on the waiting list")
    text = mail.get_body(("plain",)).get_content()
    assert "You are number 2 on the waiting list." in text
    page.goto(re.search(r"http://\S+/registration/\S+", text).group(0))
    expect(page.locator(".registration-status")).to_contain_text("You are number 2 on the waiting list.")
    shot(page, "manage-waitlisted-390")


def test_the_confirmation_page_offers_the_calendar(page, make_event, db):
    event = make_event(title="Border Security Conference", description=LONG_DESCRIPTION, **IN_PERSON)
    page.set_viewport_size(PHONE)
    page.goto(f"/events/{event.slug}/register")
    page.get_by_label("Given name").fill("Aigerim")
    page.get_by_label("Family name").fill("Abenova")
    page.get_by_label("E-mail").fill("aigerim@example.kz")
    page.get_by_label("Country", exact=False).and_(page.locator("select")).select_option("KZ")
    page.get_by_label("I agree that the organisers process my data").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".registration-status")).to_have_text("Confirmed: your seat is reserved.")
    expect(page.get_by_text("We have sent a message to aigerim@example.kz.")).to_be_visible()
    calendar = page.get_by_role("link", name="Add to calendar (.ics)")
    expect(calendar).to_have_attribute("href", f"/events/{event.slug}/calendar.ics")
    shot(page, "done-confirmed-390")
    page.set_viewport_size(DESKTOP)
    shot(page, "done-confirmed-1280")
    with page.expect_download() as download:
        calendar.click()
    assert "BEGIN:VEVENT" in Path(download.value.path()).read_text(encoding="utf-8")


def test_a_phone_shows_the_key_facts_before_the_description(page, make_event):
    event = make_event(title="Border Security Conference", description=LONG_DESCRIPTION, fee=Decimal("60"), **IN_PERSON)
    page.set_viewport_size(PHONE)
    page.goto(f"/events/{event.slug}")
    register = page.locator(".register-box").get_by_role("link", name="Register", exact=True)
    description = page.locator(".event-main .prose")
    facts = page.locator(".event-facts")
    expect(facts).to_contain_text("€60.00")
    assert register.bounding_box()["y"] + register.bounding_box()["height"] < description.bounding_box()["y"]
    assert facts.bounding_box()["y"] < description.bounding_box()["y"]
    assert register.bounding_box()["y"] < PHONE["height"] * 2  # within a couple of thumbs' scrolls, not at the end
    shot(page, "event-390")

    # On a wide screen the facts stand beside the description, at the same height.
    page.set_viewport_size(DESKTOP)
    assert facts.bounding_box()["x"] > description.bounding_box()["x"] + description.bounding_box()["width"]
    assert abs(facts.bounding_box()["y"] - page.locator(".event-main").bounding_box()["y"]) < 2
    shot(page, "event-1280")


def test_a_reversed_date_range_is_said_at_the_field(page, make_event):
    make_event()
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_label("From").fill("2026-12-10")
    page.get_by_label("To").fill("2026-12-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("To")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#to-error")).to_have_text("This date is before the “From” date: choose one on or after it.")
    shot(page, "search-dates-390")
