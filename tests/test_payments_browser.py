"""Paying in Debian's Chromium: the organiser sets up bank transfers on the desk, a delegate reads how to pay on
their page (desktop and phone) and downloads their invoice."""

import os
from decimal import Decimal

from helpers import log_in_browser
from playwright.sync_api import expect

#: Where screenshots of the pages are kept to look at (set EVENTMGR_SCREENSHOTS=/tmp/pay to keep them).
SCREENSHOTS = os.environ.get("EVENTMGR_SCREENSHOTS")


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}-{name}.png", full_page=True)


def test_the_organiser_sets_up_payments_and_a_delegate_downloads_an_invoice(
    page, live_server, make_event, make_user, make_registration, db, tmp_path
):
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(organiser=organiser, fee=Decimal("60"), title="Border Data Webinar")
    log_in_browser(page, organiser)
    page.goto(f"/manage/events/{event.id}/registration-settings")
    payments = page.locator("section", has=page.get_by_role("heading", name="Payments"))
    payments.get_by_label("Beneficiary").fill("OSCE Academy in Bishkek")
    payments.get_by_label("Bank", exact=True).fill("Halyk Bank, Almaty")
    payments.get_by_label("IBAN or account number").fill("KZ86 125K ZT50 0410 0100")
    payments.get_by_label("SWIFT/BIC").fill("HSBKKZKX")
    payments.get_by_label("Pay by").fill("2027-01-15T18:00")
    payments.get_by_label("Days to pay after the seat is confirmed").fill("14")
    payments.get_by_label("Legal name of the organiser").fill("OSCE Academy Public Foundation")
    payments.get_by_label("Legal address").fill("1A Botanichesky pereulok\nBishkek 720044, Kyrgyzstan")
    payments.get_by_label("Tax or registration number").fill("INN 02707200910044")
    payments.get_by_role("button", name="Save payment settings").click()
    expect(page.get_by_text("Payment settings saved.")).to_be_visible()
    expect(payments.get_by_label("IBAN or account number")).to_have_value("KZ86125KZT5004100100")
    expect(payments.get_by_label("Pay by")).to_have_value("2027-01-15T18:00")
    page.set_viewport_size({"width": 1280, "height": 900})
    payments.scroll_into_view_if_needed()
    shot(page, "settings-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "settings-390")

    aida = make_registration(event, "aida@example.kz", given_name="Aida", family_name="Nurlanova")
    page.goto(f"/events/{event.slug}/registration/{aida.access_token}")
    section = page.locator("section", has=page.get_by_role("heading", name="Payment", exact=True))
    expect(section.get_by_role("heading", name="How to pay: Bank transfer")).to_be_visible()
    expect(section).to_contain_text("KZ86125KZT5004100100")
    shot(page, "manage-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "manage-1280")
    with page.expect_download(timeout=60_000) as download:
        # The PDF is rendered in a child process: slow on a busy machine.
        section.get_by_role("button", name="Get an invoice (PDF)").click(timeout=60_000)
    pdf = tmp_path / "invoice.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    page.reload()
    expect(section.get_by_role("link", name="Download the invoice (PDF)")).to_be_visible()
