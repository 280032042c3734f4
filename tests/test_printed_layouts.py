"""Printed layouts (issue 13, point 15): badge text never runs under the QR code, and the agenda's and documents'
last pages never hold a lone line or a lone session."""

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from helpers import IN_PERSON, pdf_words
from PIL import Image

from eventmgr.jobs.services import run_due_jobs

LONG_ORGANISATION = (
    "Directorate-General for Border Security, Migration Control and International Cooperation of the Ministry "
    "of Internal Affairs"
)
#: Rendered at 144 dpi: two pixels to a PDF point.
DPI = 144


def words_with_boxes(pdf_path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """Each word on the page with its box in PDF points (x0, y0, x1, y1), as poppler's pdftotext -bbox finds them."""
    out = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf_path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
        )
    ]


def black_boxes(pdf_path, tmp_path, page: int = 1) -> list[tuple[float, float, float, float]]:
    """The boxes (in PDF points) of the pure black areas of the page, one per badge: the QR codes. The badges'
    text is dark grey or blue, never pure black, so only the codes' modules are."""
    prefix = tmp_path / "page"
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), str(pdf_path), str(prefix)],  # noqa: S607
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    width, height = image.size
    pixels = image.load()
    black = [(x, y) for y in range(height) for x in range(width) if pixels[x, y] == (0, 0, 0)]
    assert black, "no QR code on the page"
    # Badges are 80 mm by 62 mm from the page's 15 mm and 12 mm margins: split the black pixels by badge.
    scale, mm = 72 / DPI, 72 / 25.4
    cells: dict[tuple[int, int], list] = {}
    for x, y in black:
        x, y = x * scale, y * scale
        cells.setdefault((int((x - 15 * mm) // (80 * mm)), int((y - 12 * mm) // (62 * mm))), []).append((x, y))
    return [
        (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points))
        for points in cells.values()
    ]


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture
def organiser(make_user):
    return make_user(name="Olga Organiser")


def badges_pdf(client, login, post, event, organiser) -> bytes:
    """The badges as the organiser gets them: asked for on the letters page, made by the worker, downloaded."""
    login(organiser)
    base = f"/manage/events/{event.id}/documents/letters"
    assert post(f"{base}/badges", token_from=base).status_code == 302
    assert run_due_jobs() == 1
    link = re.search(r'href="([^"]+/letters/jobs/\d+\.pdf)"', client.get(base).text).group(1)
    return client.get(link).data


def test_badge_text_stays_clear_of_the_qr_code_whatever_its_length(
    client, login, post, make_event, make_registration, organiser, tmp_path
):
    event = make_event(organiser=organiser, title="Regional Conference on Border Management", **IN_PERSON)
    make_registration(
        event,
        given_name="Maximilian-Alexander Konstantin",
        family_name="Vandenberghe-Kuznetsova",
        organisation_name=LONG_ORGANISATION,
        country="KZ",
    )
    make_registration(event, given_name="Aida", family_name="Zhanova", organisation_name="Customs", country="KG")
    path = tmp_path / "badges.pdf"
    path.write_bytes(badges_pdf(client, login, post, event, organiser))

    qr_codes = black_boxes(path, tmp_path)
    assert len(qr_codes) == 2
    words = words_with_boxes(path)
    under_qr = [word for word in words if any(overlaps(word[1:], qr) for qr in qr_codes)]
    assert under_qr == []
    # Shrunk and wrapped, the whole name of the organisation is printed, inside its badge (62 mm high from the
    # 12 mm margin: 209.8 pt).
    assert len(LONG_ORGANISATION) >= 120
    assert LONG_ORGANISATION in pdf_words(path.read_bytes(), tmp_path)
    assert max(word[4] for word in words) < 209.8


def last_page_lines(pdf: bytes, tmp_path) -> tuple[int, list[str]]:
    """How many pages the PDF has, and the text lines of its last one (its running header and footer included)."""
    path = tmp_path / "last.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    return len(pages), [line.strip() for line in pages[-1].splitlines() if line.strip()]


def test_the_agenda_s_last_page_never_holds_a_lone_session_or_the_printed_line(
    client, db, make_event, make_session, organiser, tmp_path
):
    """Programmes of growing length: the first one that needs a third page carries two sessions over to it."""
    start = datetime(2031, 6, 3, 3, tzinfo=UTC)  # 09:00 in Almaty
    for count in range(16, 30):
        event = make_event(
            organiser=organiser,
            title=f"Conference {count}",
            start_at=start,
            end_at=start + timedelta(hours=14),
            **IN_PERSON,
        )
        for k in range(count):
            at = start + timedelta(minutes=30 * k)
            make_session(
                event,
                title=f"Session {k + 1}",
                start_at=at,
                end_at=at + timedelta(minutes=30),
                description="A discussion of border management across the region.",
            )
        pages, lines = last_page_lines(client.get(f"/events/{event.slug}/agenda.pdf").data, tmp_path)
        if pages > 2:
            break
    else:
        pytest.fail("no programme needed a third page")
    sessions = [line for line in lines if re.match(r"\d\d:\d\d–\d\d:\d\d", line)]
    assert len(sessions) >= 2, lines
    assert any(line.startswith("Printed") for line in lines)


def test_a_document_s_last_page_never_holds_a_lone_line(
    client, login, db, make_event, make_document, organiser, tmp_path
):
    """Documents of growing length: the first one that needs a third page carries two paragraphs over to it."""
    event = make_event(organiser=organiser, **IN_PERSON)
    login(organiser)
    for count in range(44, 64):
        text = "## Recommendations\n\n" + "\n\n".join(
            f"({k}) The parties agree to cooperate on point {k}." for k in range(1, count + 1)
        )
        document = make_document(event, organiser, text, title=f"Recommendations {count}")
        pdf = client.get(f"/manage/events/{event.id}/documents/{document.id}/preview.pdf").data
        pages, lines = last_page_lines(pdf, tmp_path)
        if pages > 2:
            break
    else:
        pytest.fail("no document needed a third page")
    paragraphs = [line for line in lines if re.match(r"\(\d+\)", line)]
    assert len(paragraphs) >= 2, lines
