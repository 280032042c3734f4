"""Registration journeys in Debian's Chromium: register, get the mail, cancel, the waiting list moves up."""

import re
import time
from decimal import Decimal
from pathlib import Path

from helpers import calendar_part
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from eventmgr.registration import services
from eventmgr.registration.models import OfferCode, Registration

JOIN_URL = "https://zoom.example.org/j/4417"


def wait_for_mail(mailbox, to, subject_part, timeout=10.0):
    """The message to `to` whose subject holds the text; the app sends after its response, so wait a little."""
    start = time.monotonic()
    while True:
        found = [m for m in mailbox.messages if m["To"] == to and subject_part in m["Subject"]]
        if found:
            assert len(found) == 1, [m["Subject"] for m in found]
            return found[0]
        if time.monotonic() > start + timeout:
            raise AssertionError(
                f"no mail to {to} with {subject_part!r}; got {[(m['To'], m['Subject']) for m in mailbox.messages]}"
            )
        if time.monotonic() > start + 2:
            mailbox.deliver()  # as the mail worker would, should sending after the response miss it
        time.sleep(0.1)


def fill_in(page, slug, given, family, email, country="KZ"):
    page.goto(f"/events/{slug}/register")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Country", exact=False).and_(page.locator("select")).select_option(country)
    page.get_by_label("I agree that the organisers process my data").check()


def register(page, slug, given, family, email):
    fill_in(page, slug, given, family, email)
    # On a full event the same button joins the waiting list.
    page.get_by_role("button", name=re.compile("^(Register|Join the waiting list)$")).click()
    expect(page.get_by_role("heading", name="Thank you: check your e-mail")).to_be_visible()


def test_a_delegate_registers_cancels_and_the_waiting_list_moves_up(
    page, browser, live_server, make_event, mailbox, db
):
    event = make_event(title="Joint Risk Analysis Webinar", online_capacity=1, join_url=JOIN_URL)
    page.goto(f"/events/{event.slug}")
    page.get_by_role("link", name=re.compile("Register")).first.click()
    expect(page).to_have_url(re.compile(f"/events/{event.slug}/register$"))
    register(page, event.slug, "Aigerim", "Abenova", "aigerim@example.kz")

    confirmation = wait_for_mail(mailbox, "aigerim@example.kz", "Registration confirmed: Joint Risk Analysis Webinar")
    invite = calendar_part(confirmation)
    assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
    vevent = Calendar.from_ical(invite.get_content()).walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Joint Risk Analysis Webinar"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Almaty"
    text = confirmation.get_body(("plain",)).get_content()
    assert JOIN_URL in text

    # A second delegate, in a browser of their own, finds the seat taken.
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    second = other.new_page()
    second.goto(f"/events/{event.slug}/register")
    expect(second.get_by_text("All seats are taken")).to_be_visible()
    register(second, event.slug, "Bakyt", "Mamytov", "bakyt@example.kg")
    waiting = wait_for_mail(mailbox, "bakyt@example.kg", "You are on the waiting list")
    waiting_link = re.search(r"http://\S+/registration/\S+", waiting.get_body(("plain",)).get_content()).group(0)
    second.goto(waiting_link)
    expect(second.locator(".registration-status")).to_contain_text("On the waiting list")
    assert JOIN_URL not in second.content()

    # The first delegate opens the private link from the mail and cancels.
    link = re.search(r"http://\S+/registration/\S+", text).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.locator(".registration-status")).to_contain_text("Confirmed: your seat is reserved.")
    expect(page.get_by_role("link", name=JOIN_URL)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (.ics)").click()
    assert "TZID:Asia/Almaty" in Path(download.value.path()).read_text(encoding="utf-8")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    expect(page.locator(".registration-status")).to_contain_text("Cancelled on ")
    expect(page.get_by_role("button", name="Cancel my registration")).to_have_count(0)
    expect(page.get_by_role("link", name="Change my details")).to_have_count(0)
    expect(page.get_by_role("link", name="Register again")).to_have_attribute(
        "href", f"/events/{event.slug}/register?email=aigerim@example.kz"
    )

    # The waiting list moves up, and Bakyt is told.
    promoted = wait_for_mail(mailbox, "bakyt@example.kg", "A seat is free")
    assert JOIN_URL in promoted.get_body(("plain",)).get_content()
    assert any(p.get_filename() == "invite.ics" for p in promoted.iter_attachments())
    wait_for_mail(mailbox, "aigerim@example.kz", "Registration cancelled")
    second.reload()
    expect(second.locator(".registration-status")).to_contain_text("Confirmed: your seat is reserved.")
    expect(second.get_by_role("link", name=JOIN_URL)).to_be_visible()
    other.close()

    db.session.expire_all()
    statuses = db.session.execute(select(Registration.email, Registration.status).order_by(Registration.id)).all()
    assert statuses == [("aigerim@example.kz", "cancelled"), ("bakyt@example.kg", "confirmed")]
    assert len(mailbox.messages) == 4  # confirmed, waiting list, cancelled, promoted: each once


def test_the_form_shows_errors_at_their_fields_and_the_amount_due(page, make_event, db):
    event = make_event(title="Paid Border Workshop", fee=Decimal("200"))
    db.session.add(OfferCode(event_id=event.id, code="HALF", discount_kind="percent", discount=Decimal("50")))
    db.session.commit()
    fill_in(page, event.slug, "Aigerim", "", "not-an-address")
    page.get_by_label("I agree that the organisers process my data").uncheck()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(page.get_by_label("Family name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#family_name-error")).to_have_text("This field is required.")
    expect(page.locator("#email-error")).to_have_text("Invalid email address.")
    expect(page.locator("#consent-error")).to_have_text("We cannot register you without this consent.")
    expect(page.get_by_label("Given name")).to_have_value("Aigerim")

    page.get_by_label("Family name").fill("Abenova")
    page.get_by_label("E-mail").fill("aigerim@example.kz")
    page.get_by_label("I agree that the organisers process my data").check()
    expect(page.locator(".amount-due")).to_contain_text("€200.00")
    page.get_by_label("Offer code").fill("half")
    page.get_by_role("button", name="Apply the code").click()
    expect(page.locator(".amount-due")).to_contain_text("Amount due: €100.00")
    assert db.session.execute(select(Registration)).first() is None
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Thank you: check your e-mail")).to_be_visible()
    db.session.expire_all()
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.amount_due == Decimal("100.00")


def test_an_invited_delegate_registers_through_the_invitations_link(page, make_event, make_user, mailbox, db):
    organiser = make_user()
    event = make_event(organiser=organiser, title="Issyk-Kul Initiative", registration_policy="invitation")
    page.goto(f"/events/{event.slug}/register")
    expect(page.get_by_role("heading", name="Registration by invitation")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_count(0)

    services.invite(event, [("aigerim@example.kz", "Aigerim Abenova")], organiser)
    db.session.commit()
    invitation = wait_for_mail(mailbox, "aigerim@example.kz", "Invitation to register")
    path = re.search(
        r"http://[^/\s]+(/\S+/register\?invitation=\S+)", invitation.get_body(("plain",)).get_content()
    ).group(1)
    page.goto(path)
    address = page.get_by_label("E-mail")
    expect(address).to_have_value("aigerim@example.kz")
    expect(address).not_to_be_editable()
    page.get_by_label("Given name").fill("Aigerim")
    page.get_by_label("Family name").fill("Abenova")
    page.get_by_label("Country", exact=False).and_(page.locator("select")).select_option("KZ")
    page.get_by_label("I agree that the organisers process my data").check()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Thank you: check your e-mail")).to_be_visible()
    wait_for_mail(mailbox, "aigerim@example.kz", "Registration confirmed: Issyk-Kul Initiative")
    db.session.expire_all()
    assert db.session.execute(select(Registration.email, Registration.status)).all() == [
        ("aigerim@example.kz", "confirmed")
    ]
