"""The delegate's registration and the organiser's desk, walked in Russian in Debian's Chromium: no English
is left on any page (names and content aside, which this event and its delegates give in Russian)."""

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import PASSWORD
from helpers import english_words
from playwright.sync_api import expect
from sqlalchemy import select

from eventmgr.registration.models import Registration

#: Every text a person may read on the page: visible text, and the labels of controls and images.
READABLE = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, [hidden]')) continue;
    if (parent.closest('select') && !parent.closest('option:checked')) continue;  // lists of countries, zones
    texts.push(node.textContent);
  }
  for (const element of document.querySelectorAll('[placeholder], [aria-label], [title], [alt], input[type=submit]')) {
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
    }
    if (element.type === 'submit') texts.push(element.value);
  }
  return texts.join('\\n');
}"""


def english_on(page) -> list[str]:
    """The Latin-script words of the page that are not names, content, codes or the few allowed."""
    return english_words(page.evaluate(READABLE))


def check(page, name: str, found: dict) -> None:
    """Note the page's English words, and keep a picture of it to look at."""
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"russian-{name}.png"), full_page=True)
    words = english_on(page)
    if words:
        found[f"{name} ({page.url})"] = words


def russian_event(make_event, make_user):
    organiser = make_user(name="Ольга Организатор", email="olga@example.kz")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    event = make_event(
        organiser=organiser,
        title="Безопасность границ в Центральной Азии",
        description="Региональная конференция пограничных ведомств о совместном управлении рисками.",
        original_language="ru",
        kind="conference",
        format="in_person",
        venue_name="Гостиница «Достык»",
        venue_city="Алматы",
        venue_country="KZ",
        capacity=40,
        start_at=start,
        end_at=start + timedelta(hours=8),
    )
    return organiser, event


def test_a_delegate_registers_in_russian(browser, live_server, make_event, make_user, db):
    _, event = russian_event(make_event, make_user)
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    found: dict[str, list[str]] = {}

    page.goto("/")
    check(page, "home", found)
    page.goto(f"/events/{event.slug}")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    check(page, "event", found)
    page.goto(f"/events/{event.slug}/register")
    check(page, "register", found)
    page.get_by_role("button", name="Зарегистрироваться").click()  # empty: the errors in Russian
    check(page, "register-errors", found)
    page.locator("#given_name").fill("Айгуль")
    page.locator("#family_name").fill("Нурланова")
    page.locator("#email").fill("aigul@example.kz")
    page.locator("select#country").select_option("KZ")
    page.locator("input#consent").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator("main h1")).to_be_visible()
    check(page, "done", found)

    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.language == "ru"
    page.goto(f"/events/{event.slug}/registration/{registration.access_token}")
    check(page, "registration", found)
    page.goto(f"/events/{event.slug}/registration/{registration.access_token}/edit")
    check(page, "registration-edit", found)
    page.goto(f"/events/{event.slug}/register/link")
    check(page, "send-my-link", found)
    context.close()
    assert not found, found


def test_an_organiser_runs_the_desk_in_russian(browser, live_server, make_event, make_user, make_registration, db):
    organiser, event = russian_event(make_event, make_user)
    for given, family in (("Айгуль", "Нурланова"), ("Тимур", "Рахимов"), ("Дильноза", "Каримова")):
        make_registration(event, given_name=given, family_name=family, country="UZ")
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    found: dict[str, list[str]] = {}

    page.goto("/login")
    check(page, "login", found)
    page.locator("#email").fill(organiser.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator("main h1")).to_be_visible()
    check(page, "dashboard", found)
    desk = f"/manage/events/{event.id}"
    for name, path in (
        ("overview", desk),
        ("edit", f"{desk}/edit"),
        ("registrations", f"{desk}/registrations"),
        ("statistics", f"{desk}/registrations/statistics"),
        ("settings", f"{desk}/registration-settings"),
        ("announcements", f"{desk}/announcements"),
        ("check-in", f"{desk}/check-in"),
        ("attendance", f"{desk}/attendance"),
    ):
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        check(page, name, found)
    registration = db.session.execute(select(Registration).order_by(Registration.id)).scalars().first()
    page.goto(f"{desk}/registrations/{registration.id}")
    check(page, "registration", found)
    page.goto(f"{desk}/check-in")
    page.locator("input[name=q]").fill("id-UNKNOWN1")
    page.locator("input[name=q]").press("Enter")
    check(page, "check-in-unknown", found)
    context.close()
    assert not found, found
