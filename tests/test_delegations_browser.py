"""A head of delegation registers their delegation in Debian's Chromium, then manages it through the mailed link."""

import re

from helpers import IN_PERSON
from playwright.sync_api import expect
from test_registration_browser import wait_for_mail

from eventmgr.registration.models import Delegation

MEMBERS = [
    ("Nurlan", "Abenov", "head@border.kz"),
    ("Aigerim", "Sadykova", "aigerim@border.kz"),
    ("Bakyt", "Omarov", "bakyt@border.kz"),
]


def test_a_head_of_delegation_registers_three_members_and_opens_the_delegations_link(
    page, live_server, make_event, mailbox, db
):
    event = make_event(**IN_PERSON, title="Borovoe Border Conference", delegations_enabled=True, delegation_max_size=5)
    page.goto(f"/events/{event.slug}")
    page.get_by_role("link", name="Register a delegation").click()
    expect(page.get_by_role("heading", name="Register a delegation")).to_be_visible()
    page.get_by_label("Country", exact=True).select_option("KZ")
    page.get_by_label("Your name").fill("Nurlan Abenov")
    page.get_by_label("Your e-mail").fill("head@border.kz")
    # One row to start with; each "Add another member" posts the form back with one more row, no script needed.
    for n in (1, 2):
        page.get_by_role("button", name="Add another member").click()
        expect(page.locator(f'[name="members-{n}-email"]')).to_be_visible()
    expect(page.locator(".member-row")).to_have_count(3)
    for n, (given, family, email) in enumerate(MEMBERS):
        page.locator(f'[name="members-{n}-given_name"]').fill(given)
        page.locator(f'[name="members-{n}-family_name"]').fill(family)
        page.locator(f'[name="members-{n}-email"]').fill(email)
    page.locator('[name="members-0-is_head"]').check()
    page.get_by_label("The members agree that the organisers process their data").check()
    page.get_by_role("button", name="Register the delegation").click()
    expect(page.get_by_role("heading", name="Thank you: the delegation is registered")).to_be_visible()

    for _given, _family, email in MEMBERS[1:]:
        wait_for_mail(mailbox, email, "Registration confirmed: Borovoe Border Conference")
    link_mail = wait_for_mail(mailbox, "head@border.kz", "Your delegation's link")
    link = re.search(r"http://\S+/delegations/\S+", link_mail.get_body(("plain",)).get_content()).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Delegation of Kazakhstan")).to_be_visible()
    expect(page.locator("tr.member")).to_have_count(3)
    expect(page.locator("tr.member").first).to_contain_text("Head of delegation")
    db.session.expire_all()
    assert db.session.query(Delegation).one().name == "Kazakhstan"
