"""WCAG 2.1 AA in Debian's Chromium: axe-core (npm) finds no serious or critical violation on any public or
management page, in English and in Russian; and a delegate registers, and is checked in, by keyboard alone."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import PASSWORD
from helpers import IN_PERSON, axe_violations, require_axe
from playwright.sync_api import expect

from eventmgr.agenda import services as agenda
from eventmgr.documents import publishing, review
from eventmgr.events import services as events
from eventmgr.people.services import create_person
from eventmgr.registration import delegations
from eventmgr.registration import services as registration

LANGUAGES = ["en-GB", "ru-RU"]
DOCUMENT = "## Border management\n\n(1) Cooperate across borders.\n\n(2) Share risk analysis.\n"


@pytest.fixture(autouse=True)
def _axe_installed():
    """Without axe-core these tests skip before building their site (fail under CI, as conftest's `missing` does)."""
    require_axe()


def portrait() -> bytes:
    """A small photo for a presenter's profile."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (240, 240), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(db, make_user, make_event, make_organisation, make_registration, make_session, make_document):
    """One site with something on every page: an event in each format (and a cancelled and a draft one), a series, a
    programme with presenters, a published document and a draft under review, delegates (listed publicly, waitlisted,
    in a delegation), and an admin who organises it all. Each test builds it anew (conftest empties every table
    after each test); it takes about two seconds."""
    organiser = make_user(name="Olga Organiser", email="olga@example.org", is_admin=True)
    host = make_organisation(name="Border Management Programme in Central Asia", acronym="BOMCA", country_code="KG")
    series = events.create_series("Issyk-Kul Initiative", "Yearly conferences on border security.", organiser)
    db.session.commit()
    # Under way: its programme marks the session running now and the next one; its desk checks delegates in.
    started = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    conference = make_event(
        organiser=organiser,
        **IN_PERSON,
        title="Border Security Conference",
        series_id=series.id,
        edition=2,
        capacity=40,
        fee=Decimal("120"),
        start_at=started,
        end_at=started + timedelta(hours=8),
        delegations_enabled=True,
        delegation_max_size=5,
        publish_participant_list=True,
    )
    events.set_organisations(conference, [(host.id, "host")], organiser)
    webinar = make_event(organiser=organiser, title="Risk Analysis Webinar", online_platform="Zoom Webinars")
    hybrid = make_event(
        organiser=organiser,
        **IN_PERSON | {"format": "hybrid", "online_platform": "Zoom", "join_url": "https://zoom.example.org/j/1"},
        title="Hybrid Border Workshop",
        series_id=series.id,
        edition=1,
    )
    speaker = create_person(
        {
            "full_name": "Aigerim Nurlanova",
            "position": "Head of Risk Analysis",
            "organisation_name": "Border Service",
            "bio": "Works on **risk analysis** at the southern border.",
        },
        organiser,
        photo=portrait(),
    )
    chair = create_person({"full_name": "Timur Rahimov", "position": "Director"}, organiser)
    opening = make_session(conference, title="Opening remarks", kind="opening")
    panel = make_session(
        conference, title="Risk analysis at the border", start_at=conference.start_at + timedelta(hours=1)
    )
    make_session(conference, title="Coffee", kind="break", start_at=conference.start_at + timedelta(hours=2))
    agenda.add_participant(opening, chair, "host")
    agenda.add_participant(panel, chair, "chair")
    agenda.add_participant(panel, speaker, "speaker", "Data sharing at the border")
    agenda.add_featured(conference, speaker, "Keynote speaker", organiser)
    delegates = [
        make_registration(conference, f"{name}@example.kz", given_name=given, family_name=family, list_publicly=True)
        for name, given, family in (("dina", "Dina", "Abenova"), ("aidar", "Aidar", "Sarybay"))
    ]
    make_registration(conference, "nodira@example.uz", status="waitlisted", country="UZ")
    # Asked of those who register from now on (the delegates above registered before it).
    registration.add_question(
        conference, {"label": "Which panel interests you most?", "kind": "short_text", "required": True}, organiser
    )
    delegation = delegations.register_delegation(
        conference,
        {"contact_name": "Aigul Focal", "contact_email": "focal@mfa.uz", "country": "UZ"},
        [
            {"given_name": "Nurlan", "family_name": "Abenov", "email": "head@border.uz", "is_head": True},
            {"given_name": "Saida", "family_name": "Karimova", "email": "saida@border.uz"},
        ],
    )
    cancelled = make_event(organiser=organiser, title="Postponed Border Seminar", status="cancelled")
    document = make_document(conference, organiser, text=DOCUMENT, title="Final conclusions")
    publishing.publish(document, organiser)
    draft = make_document(conference, organiser, text=DOCUMENT, kind="summary_report", title="Summary report")
    [first, second] = draft.sections[0].paragraphs[:2]
    review.resolve_comment(review.add_comment(draft, organiser, "Say which borders.", first), organiser)
    review.add_comment(draft, organiser, "Name the agencies.", second)
    make_event(organiser=organiser, title="Draft Border Forum", status="draft")
    db.session.commit()
    return {
        "organiser": organiser,
        "series": series,
        "conference": conference,
        "webinar": webinar,
        "hybrid": hybrid,
        "speaker": speaker,
        "panel": panel,
        "delegate": delegates[0],
        "document": document,
        "draft document": draft,
        "organisation": host,
        "delegation": delegation,
        "cancelled": cancelled,
    }


def public_pages(world) -> dict[str, str]:
    conference, document = world["conference"], world["document"]
    event = f"/events/{conference.slug}"
    delegate = world["delegate"]
    return {
        "home with search": "/?q=border",
        "in-person event": event,
        "online event": f"/events/{world['webinar'].slug}",
        "hybrid event": f"/events/{world['hybrid'].slug}",
        "register": f"{event}/register",
        "register (hybrid)": f"/events/{world['hybrid'].slug}/register",
        "private registration page": f"{event}/registration/{delegate.access_token}",
        "registration edit": f"{event}/registration/{delegate.access_token}/edit",
        "personal agenda": f"{event}/registration/{delegate.access_token}/agenda",
        "send my link": f"{event}/register/link",
        "agenda": f"{event}/agenda",
        "presenters": f"{event}/presenters",
        "person": f"/people/{world['speaker'].id}",
        "participants": f"{event}/participants",
        "document": f"{event}/documents/{document.slug}",
        "series": f"/series/{world['series'].slug}",
        "login": "/login",
        "password forgotten": "/password/forgot",
        "delegation register": f"{event}/delegations/register",
        "not found": "/events/no-such-event",
        "cancelled event": f"/events/{world['cancelled'].slug}",
        "delegation page": f"{event}/delegations/{world['delegation'].access_token}",
        "document changes": f"{event}/documents/{document.slug}/changes",
        "document version": f"{event}/documents/{document.slug}/v1",
        "bad reset link": "/password/reset/nonsense",
        "presenter own profile (bad link)": f"/people/{world['speaker'].id}/profile/nonsense",
    }


def management_pages(world) -> dict[str, str]:
    conference, document = world["conference"], world["document"]
    desk = f"/manage/events/{conference.id}"
    return {
        "dashboard": "/manage/",
        "event overview": desk,
        "event edit": f"{desk}/edit",
        "new event": "/manage/events/new?kind=conference",
        "registrations": f"{desk}/registrations",
        "one registration": f"{desk}/registrations/{world['delegate'].id}",
        "statistics": f"{desk}/registrations/statistics",
        "settings": f"{desk}/registration-settings",
        "announcements": f"{desk}/announcements",
        "check-in": f"{desk}/check-in",
        "attendance": f"{desk}/attendance",
        "online attendance": f"/manage/events/{world['webinar'].id}/attendance",
        "delegations": f"{desk}/delegations",
        "agenda editor": f"{desk}/agenda",
        "session editor": f"{desk}/agenda/{world['panel'].id}",
        "new session": f"{desk}/agenda/new",
        "presenters editor": f"{desk}/presenters",
        "person editor": f"{desk}/people/{world['speaker'].id}",
        "documents": f"{desk}/documents",
        "document editor": f"{desk}/documents/{document.id}",
        "letters": f"{desk}/documents/letters",
        "roles": f"{desk}/roles",
        "log": f"{desk}/log",
        "event organisations": f"{desk}/organisations",
        "organisations": "/manage/organisations/",
        "organisation form": f"/manage/organisations/{world['organisation'].id}/edit",
        "series list": "/manage/series/",
        "series form": f"/manage/series/{world['series'].id}/edit",
        "admin users": "/admin/users",
        "admin log": "/admin/log",
        "new series": "/manage/series/new",
        "new organisation": "/manage/organisations/new",
        "merge people": f"{desk}/people/merge",
        "registrations filtered": f"{desk}/registrations?status=waitlisted",
        "paragraph editor": f"{desk}/documents/{document.id}/paragraphs/{document.sections[0].paragraphs[0].id}",
        "draft document editor": f"{desk}/documents/{world['draft document'].id}",
    }


#: Ids given to more than one element (WCAG 2.1's 4.1.1; axe 4.14 checks only those ARIA refers to).
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def check(page, name: str, found: dict) -> None:
    """Note what axe finds on the page now showing, and any id given twice."""
    expect(page.locator("main h1").first).to_be_visible()
    violations = axe_violations(page) + [f"duplicate id {id_!r}" for id_ in page.evaluate(DUPLICATE_IDS)]
    if violations:
        found[f"{name} ({page.url})"] = violations


def visit_all(page, pages: dict[str, str], found: dict) -> None:
    for name, path in pages.items():
        response = page.goto(path)
        expected = 404 if name in ("not found", "bad reset link", "presenter own profile (bad link)") else 200
        assert response.status == expected, (name, path, response.status)
        check(page, name, found)


def report(found: dict) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(violations) for page, violations in found.items())


@pytest.mark.parametrize("locale", LANGUAGES)
def test_public_pages_pass_axe(browser, live_server, world, locale):
    context = browser.new_context(base_url=live_server.url, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        visit_all(page, public_pages(world), found)
        # The register form with its errors, then as sent.
        page.goto(f"/events/{world['conference'].slug}/register")
        page.locator("form.registration-form button[type=submit]:not([name])").click()
        check(page, "register errors", found)
        page.locator("#given_name").fill("Bakyt")
        page.locator("#family_name").fill("Osmonov")
        page.locator("#email").fill("bakyt@example.kg")
        page.locator("select#country").select_option("KG")
        page.locator("form.registration-form input[type=text][name^=q_]").fill("The panel on risk analysis")
        page.locator("input#consent").check()
        page.locator("form.registration-form button[type=submit]:not([name])").click()
        expect(page).to_have_url(f"{live_server.url}/events/{world['conference'].slug}/register/done")
        check(page, "done", found)
        # A refused delegation and a refused login.
        page.goto(f"/events/{world['conference'].slug}/delegations/register")
        page.locator("button[name=action][value=register]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        check(page, "delegation register errors", found)
        page.goto("/login")
        page.locator("#email").fill(world["organiser"].email)
        page.locator("#password").fill("not the password")
        page.locator("#password").press("Enter")
        expect(page.locator(".error-summary")).to_be_focused()
        check(page, "login refused", found)
    finally:
        context.close()
    assert not found, "axe-core finds on the public pages:\n" + report(found)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_management_pages_pass_axe(browser, live_server, world, locale):
    context = browser.new_context(base_url=live_server.url, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        page.goto("/login")
        page.locator("#email").fill(world["organiser"].email)
        page.locator("#password").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page).to_have_url(f"{live_server.url}/manage/")
        visit_all(page, management_pages(world), found)
        # The announcement's preview.
        page.goto(f"/manage/events/{world['conference'].id}/announcements")
        page.locator("#subject").fill("Shuttle from the airport")
        page.locator("#body").fill("A shuttle leaves the airport every hour from 8:00.")
        page.locator("button[name=preview]").click()
        expect(page.locator("#preview")).to_be_visible()
        check(page, "announcement preview", found)
        # The desk finds a delegate, then checks her in.
        page.goto(f"/manage/events/{world['conference'].id}/check-in")
        page.locator("#q").fill("Abenova")
        page.locator("#q").press("Enter")
        check(page, "check-in found", found)
        page.locator(".ordered-list button[type=submit]").click()
        expect(page.locator(".checkin-last")).to_be_visible()
        check(page, "checked in", found)
        # The event's form refused.
        page.goto(f"/manage/events/{world['conference'].id}/edit")
        page.locator("#title").fill("")
        page.locator("#title").press("Enter")
        expect(page.locator(".error-summary")).to_be_visible()
        check(page, "event edit errors", found)
    finally:
        context.close()
    assert not found, "axe-core finds on the management pages:\n" + report(found)


def test_work_in_progress_updates_in_place_without_reloading_the_page(browser, live_server, world):
    """The document's archival PDF is made by the worker: its notice changes by itself, and what is typed stays."""
    from eventmgr.jobs.services import run_due_jobs

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("#email").fill(world["organiser"].email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#password").press("Enter")
        expect(page).to_have_url(f"{live_server.url}/manage/")
        page.goto(f"/manage/events/{world['conference'].id}/documents/{world['document'].id}")
        status = page.locator("#archive-status")
        expect(status).to_contain_text("is being made")
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        page.evaluate("() => { window.stillHere = true; }")
        page.locator("#heading").fill("Annex")  # half-way through adding a section
        assert run_due_jobs() >= 1
        expect(status).not_to_have_attribute("data-pending", "", timeout=15_000)
        expect(status).not_to_contain_text("is being made")
        assert page.evaluate("() => window.stillHere === true"), "the page was reloaded"
        expect(page.locator("#heading")).to_have_value("Annex")
    finally:
        context.close()


# --- By keyboard alone -----------------------------------------------------------------------------

#: What has the keyboard's focus: whether a ring shows (outline or shadow), where it is in the document's order.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    text: (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    classes: el.className || "",
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
    shown: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0,
    inMain: !!el.closest("main"),
    order: Array.prototype.indexOf.call(document.getElementsByTagName("*"), el),
  };
}"""


class Keyboard:
    """A person with a keyboard and no mouse: Tab, Shift+Tab, Enter, Space and typing. At every step the focus
    must be on something on screen that shows it has the focus, and Tab must move on through the document."""

    def __init__(self, page):
        self.page = page
        self.path: list[str] = []

    def focused(self) -> dict:
        focus = self.page.evaluate(FOCUSED)
        where = f"{focus['tag']}#{focus['id']} {focus['text']!r} on {self.page.url}"
        self.path.append(where)
        assert focus["tag"] != "body", f"the focus is lost after {self.path[-5:]}"
        assert focus["shown"], f"the focus is on something not on screen: {where}"
        assert focus["ring"], f"the focus does not show on {where}"
        return focus

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        return self.focused()

    def tab_to(self, wanted, limit: int = 80) -> dict:
        """Tab forward until the focused element is `wanted` (a test on the FOCUSED dict); each step goes on in the
        document's order (no jump back through a positive tabindex or a layout that reorders)."""
        before = None
        for _ in range(limit):
            focus = self.press("Tab")
            if before is not None:
                assert focus["order"] > before["order"], f"Tab went back: {self.path[-2:]}"
            if wanted(focus):
                return focus
            before = focus
        raise AssertionError(f"not reached by Tab in {limit} steps: {self.path[-limit:]}")

    def follow(self) -> None:
        """Enter on a link or a button that leads to another page, and wait for it."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


def named(text: str):
    return lambda focus: focus["text"] == text


def with_id(id_: str):
    return lambda focus: focus["id"] == id_


def test_a_delegate_registers_and_is_checked_in_by_keyboard_alone(browser, live_server, world, db):
    from sqlalchemy import select

    from eventmgr.registration.models import Registration

    conference = world["conference"]
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    keys = Keyboard(page)
    try:
        page.goto(f"/events/{conference.slug}")
        # The skip link comes first, shows when focused, and leads past the header into the page's content.
        skip = keys.press("Tab")
        assert skip["text"] == "Skip to content" and not skip["inMain"]
        keys.page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/events/{conference.slug}#main")
        assert keys.press("Tab")["inMain"], keys.path[-1]
        keys.tab_to(named("Register"))
        keys.follow()
        expect(page.locator("h1")).to_have_text("Register")

        # The form, filled in its order; the e-mail is mistyped.
        keys.tab_to(with_id("given_name"))
        keys.type("Bakyt")
        keys.tab_to(with_id("family_name"))
        keys.type("Osmonov")
        keys.tab_to(with_id("email"))
        keys.type("bakyt@")
        keys.tab_to(with_id("country"))
        keys.type("Kyrgyz")  # a list's own type-ahead
        question = keys.tab_to(lambda focus: focus["name"].startswith("q_"))
        keys.type("The panel on risk analysis")
        keys.tab_to(with_id("consent"))
        keys.press("Space")
        keys.tab_to(named("Register"))
        assert keys.press("Shift+Tab")["id"] == "list_publicly"  # back one, as forward
        keys.press("Tab")
        keys.follow()

        # Refused: the summary is read out and has the focus; the field says what is wrong and is one link away.
        expect(page.locator(".error-summary")).to_be_visible()
        summary = keys.focused()
        assert "error-summary" in summary["classes"], summary
        expect(page.locator(".error-summary")).to_have_attribute("role", "alert")
        email = page.locator("#email")
        expect(email).to_have_attribute("aria-invalid", "true")
        described = email.get_attribute("aria-describedby").split()
        assert "email-error" in described
        expect(page.locator("#email-error")).to_contain_text("email")
        assert page.locator(f"#{question['id']}").input_value() == "The panel on risk analysis"  # kept as typed
        link = keys.press("Tab")
        assert link["tag"] == "a" and link["text"].startswith("E-mail"), link
        keys.page.keyboard.press("Enter")
        assert keys.focused()["id"] == "email"
        keys.press("Control+a")
        keys.type("bakyt@example.kg")
        keys.follow()  # Enter in a field registers (not "Apply the code", the form's first button)
        expect(page).to_have_url(f"{live_server.url}/events/{conference.slug}/register/done")
        delegate = db.session.execute(select(Registration).filter_by(email="bakyt@example.kg")).scalar_one()
        assert delegate.country == "KG"

        # The agenda's zone switch: arrowing through the zones stays on the page; "Show times" shows them.
        page.goto(f"/events/{conference.slug}/agenda")
        keys.path.clear()
        keys.tab_to(with_id("tz"))
        shown = page.url
        for _ in range(3):
            keys.press("ArrowDown")
        page.wait_for_timeout(300)
        assert page.url == shown, "the agenda reloaded while a zone was being chosen"
        zone = page.locator("#tz").input_value()
        keys.tab_to(named("Show times"))
        keys.follow()
        expect(page.locator(".agenda-zone-current")).to_contain_text(zone.split("/")[-1].replace("_", " "))
    finally:
        context.close()

    # The organiser, by keyboard too: logs in, finds the desk and checks the delegate in.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    keys = Keyboard(page)
    try:
        page.goto("/login")
        keys.tab_to(with_id("email"))
        keys.type(world["organiser"].email)
        keys.tab_to(with_id("password"))
        keys.type(PASSWORD)
        keys.follow()
        expect(page.locator("h1")).to_have_text("My events")
        keys.tab_to(named(conference.title))
        keys.follow()
        expect(page).to_have_url(f"{live_server.url}/manage/events/{conference.id}")
        keys.tab_to(named("Registrations"))
        keys.follow()
        keys.tab_to(named("Check-in"))
        keys.follow()
        expect(page.locator("#q")).to_be_focused()  # ready for the next code or name
        keys.type("Osmonov")
        keys.follow()
        expect(page.locator(".ordered-list")).to_contain_text("Bakyt Osmonov")
        keys.tab_to(named("Check in"))
        keys.follow()
        expect(page.get_by_role("heading", name="Just checked in")).to_be_visible()
        keys.tab_to(named("Undo this check-in"))
    finally:
        context.close()
    db.session.expire_all()
    assert db.session.get(Registration, delegate.id).checked_in_at is not None
