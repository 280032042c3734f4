"""Every date and time a person reads names its zone, in one format per locale (issue 13, point 12)."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from helpers import IN_PERSON, logged_in, pdf_words, text_of

# Text read as one piece: a paragraph, a cell, a list item, a term or its description, a heading.
BLOCKS = {"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "caption", "figcaption", "label", "option"}
# A date-time: a year and, after it in the same block, a time of day (not a zone's offset such as GMT+05:00).
DATE_TIME = re.compile(r"\b(?:19|20)\d\d\b[^|]*?(?<![+-])\b\d{1,2}:\d\d(?!\d)")
# What names a zone: an IANA name (Asia/Almaty), UTC, or a GMT offset.
ZONE = re.compile(r"(?<![A-Za-z])(?:[A-Z][A-Za-z_]+/[A-Za-z_+-]+\b|UTC\b|GMT[+-]\d)")


class _Blocks(HTMLParser):
    """The text of each block element of a page's body (scripts, styles and hidden inputs skipped)."""

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self._stack: list[list[str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "select"):
            self._skip += 1
        elif tag in BLOCKS:
            self._stack.append([])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "select"):
            self._skip -= 1
        elif tag in BLOCKS and self._stack:
            self.blocks.append(" ".join("".join(self._stack.pop()).split()))

    def handle_data(self, data):
        if not self._skip and self._stack:
            for block in self._stack:
                block.append(data)


def times_without_zone(page: str) -> list[str]:
    """The blocks of text that show a date and time without naming the zone after the time."""
    parser = _Blocks()
    parser.feed(page)
    missing = []
    for block in parser.blocks:
        for match in DATE_TIME.finditer(block):
            if not ZONE.search(block, match.end()):
                missing.append(block)
                break
    return missing


def test_the_checker_finds_a_time_without_its_zone():
    """The check itself: a bare date-time is caught, one that names its zone passes, an agenda row of times passes."""
    assert times_without_zone("<table><tr><td>3 Dec 2026, 00:06</td></tr></table>") == ["3 Dec 2026, 00:06"]
    assert times_without_zone("<p>Registered 3 Dec 2026, 00:06 (Asia/Almaty)</p>") == []
    assert times_without_zone("<p>3 Dec 2026, <span>00:06</span> <span>(UTC)</span></p>") == []
    assert times_without_zone("<li><time>09:30–10:15</time> Opening</li>") == []
    # Across midnight, with the zone's name right after the end: the offset (GMT+05:00) is not a time of day.
    across = "<p>2 January 2027, 21:05 – 3 January 2027, 00:05<br>Kazakhstan Time (Asia/Almaty, GMT+05:00)</p>"
    assert times_without_zone(across) == []
    assert times_without_zone("<p>2 January 2027, 21:05 – 3 January 2027, 00:05<br>GMT+05:00</p>") == []
    assert times_without_zone("<p>3 January 2027, 00:05<br>Kazakhstan Time</p>") == [
        "3 January 2027, 00:05Kazakhstan Time"
    ]


@pytest.fixture
def busy_event(make_event, make_user, make_registration, make_session, make_document, db):
    """An event with a registration window, registrations (one checked in, one paying), a session, a reviewed
    document with a comment and an audit log: every kind of moment the staff and public pages show."""
    from eventmgr.documents import review
    from eventmgr.registration import services as registration_services

    organiser = make_user(name="Olga Organiser")
    now = datetime.now(UTC).replace(microsecond=0)
    event = make_event(
        organiser=organiser,
        title="Border Dialogue",
        registration_opens_at=now - timedelta(days=2),
        registration_closes_at=now + timedelta(days=20),
        fee=60,
        **IN_PERSON,
    )
    checked = make_registration(event, email="checked@example.org", checked_in=True)
    paying = make_registration(event, email="paying@example.org")
    registration_services.record_payment(paying, Decimal("60"), "cash", "", organiser)
    make_session(event, title="Welcoming remarks", kind="opening")
    document = make_document(event, organiser, text="1. Recommendations\n\nThe parties agree.")
    paragraph = document.sections[0].paragraphs[0]
    review.add_comment(document, organiser, "Check the wording.", paragraph)
    db.session.commit()
    return event, organiser, document, [checked, paying]


def test_staff_and_public_pages_name_the_zone_of_every_date_time(app, client, login, make_user, busy_event):
    """The desk's lists, a registration, the audit logs, the documents and the public pages: no time without its
    zone."""
    event, organiser, document, registrations = busy_event
    admin = make_user(name="Ada Admin", is_admin=True)
    login(organiser)
    pages = [
        f"/manage/events/{event.id}",
        f"/manage/events/{event.id}/registrations",
        f"/manage/events/{event.id}/registrations/{registrations[0].id}",
        f"/manage/events/{event.id}/registrations/{registrations[1].id}",
        f"/manage/events/{event.id}/check-in",
        f"/manage/events/{event.id}/registration-settings",
        f"/manage/events/{event.id}/log",
        f"/manage/events/{event.id}/roles",
        f"/manage/events/{event.id}/documents",
        f"/manage/events/{event.id}/documents/{document.id}",
        f"/events/{event.slug}",
        f"/events/{event.slug}/agenda",
    ]
    shown = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown[url] = times_without_zone(response.text)
    admin_client = logged_in(app, admin)
    for url in ("/admin/log", "/admin/users"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        shown[url] = times_without_zone(response.text)
    assert {url: blocks for url, blocks in shown.items() if blocks} == {}


def test_the_desk_list_shows_when_each_delegate_registered_with_the_zone(client, login, busy_event):
    """'3 Dec 2026, 00:06 (Asia/Almaty)': the medium date, the time without seconds, the zone's IANA name."""
    event, organiser, _document, registrations = busy_event
    login(organiser)
    page = text_of(client.get(f"/manage/events/{event.id}/registrations"))
    local = registrations[0].created_at.astimezone(event.tz)
    assert f"{local.day} {local:%b %Y}, {local:%H:%M} (Asia/Almaty)" in page


def test_russian_readers_get_the_same_form_in_their_locale(client, login, busy_event):
    event, organiser, _document, registrations = busy_event
    login(organiser)
    page = text_of(client.get(f"/manage/events/{event.id}/log", headers={"Accept-Language": "ru"}))
    assert re.search(r"\d{1,2} [а-я]+\.? \d{4} г\., \d\d:\d\d \(Asia/Almaty\)", page), page


def test_the_agenda_pdf_says_when_it_was_printed_and_in_which_zone(client, make_event, make_session, tmp_path):
    event = make_event(title="Border Dialogue", **IN_PERSON)
    make_session(event, title="Welcoming remarks", kind="opening")
    words = pdf_words(client.get(f"/events/{event.slug}/agenda.pdf").data, tmp_path)
    assert re.search(r"Printed \d{1,2} \w{3} \d{4}, \d\d:\d\d \(Asia/Almaty\)", words), words
