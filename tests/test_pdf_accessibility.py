"""Every kind of PDF the app makes is tagged for screen readers (PDF/UA-1), and the archival one is PDF/A (issue 15,
points 6-9): each passes tests/pdf_checker.py; running headers and footers are artifacts; lists have labels and
bodies; a passage in another language says so; and what is copied or searched out of a document reads whole words.

The PDFs are rendered once for the module (WeasyPrint is slow), from data made through the services; that data is
removed after the module's first test, as after any other. EVENTMGR_KEEP_PDFS=<folder> keeps them to look at."""

import io
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from helpers import pdf_info, pdf_meta
from pdf_checker import check, tagged_text
from PIL import Image
from weasyprint import HTML

from eventmgr.languages import LANGUAGE_COOKIE, in_language
from eventmgr.pdf import html_to_pdf

START = datetime(2031, 2, 20, 4, 0, tzinfo=UTC)

ENGLISH_TEXT = """# Recommendations of the Borders Conference

## 1. Border management in Afghanistan and its neighbourhood

(1) The participants recommend that the internationalisation of standardised interoperability requirements for
the telecommunications infrastructure of Afghanistan, Turkmenistan, Uzbekistan, Tajikistan and Kyrgyzstan be
considered comprehensively, notwithstanding counterintuitive institutionalisation difficulties.

(2) **Risk analysis.** The border services agree:

- to exchange risk indicators every month;
- to train officers together:
    - at the OSCE Border Management Staff College in Dushanbe;
    - online.

(3) The participants call on the donors to:

(a) fund the joint training centre;

(b) support the electronic exchange of advance passenger information.
"""

RUSSIAN_TEXT = """# Рекомендации Конференции по вопросам границ

## 1. Управление границами

(1) Участники рекомендуют пограничным ведомствам Афганистана, Туркменистана, Узбекистана, Таджикистана и
Кыргызстана рассмотреть возможность взаимодействия информационно-телекоммуникационных систем
и высокопроизводительных вычислительных комплексов.

(2) Участники договорились:

1. обмениваться результатами анализа рисков;
2. проводить совместное обучение.
"""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 120), (40, 90, 140)).save(out, "PNG")
    return out.getvalue()


def _make_everything(app) -> dict[str, bytes]:
    """Render one PDF of each kind the app makes, from data made through the services."""
    from eventmgr.agenda import services as agenda
    from eventmgr.auth.services import create_user
    from eventmgr.documents import letters, publishing
    from eventmgr.documents import services as documents
    from eventmgr.events import services as events
    from eventmgr.events.models import Event
    from eventmgr.extensions import db
    from eventmgr.people.services import create_person
    from eventmgr.registration import payments
    from eventmgr.registration import services as registration
    from eventmgr.registration.models import Delegation, PaymentSettings

    pdfs: dict[str, bytes] = {}
    organiser = create_user("olga-pdf@example.org", "Olga Organiser")
    organiser.can_organise = True
    event = events.create_event(
        {
            "title": "Borders Conference",
            "kind": "conference",
            "format": "in_person",
            "venue_name": "Hotel Dostyk",
            "venue_city": "Almaty",
            "venue_country": "KZ",
            "timezone": "Asia/Almaty",
            "start_at": START,
            "end_at": START + timedelta(days=1, hours=8),
            "visibility": "public",
            "registration_policy": "open",
            "fee": Decimal("60"),
            "currency": "EUR",
            "description": "A conference of border services.",
        },
        organiser,
    )
    event.set_translation("ru", "title", "Конференция по вопросам границ")
    events.publish_event(event, organiser)
    panel = agenda.create_session(
        event, {"kind": "panel", "title": "Sharing risk data", "start_at": START, "end_at": START + timedelta(hours=2)}
    )
    panel.set_translation("ru", "title", "Обмен данными о рисках")
    # Not translated: a Russian reader's agenda shows it in English, marked as such.
    agenda.create_session(
        event,
        {
            "kind": "keynote",
            "title": "Keynote on interoperability",
            "start_at": START + timedelta(hours=2),
            "end_at": START + timedelta(hours=3),
            "description": "- data exchange\n- joint training",
        },
    )
    speaker = create_person(
        {"full_name": "Aida Zhanova", "position": "Head of analysis", "original_language": "en"}, photo=_png()
    )
    agenda.add_participant(panel, speaker, "speaker", talk_title="Risk indicators")
    agenda.add_featured(event, speaker, "Keynote speaker")
    db.session.add(
        PaymentSettings(
            event_id=event.id,
            beneficiary="OSCE Academy in Bishkek",
            bank_name="Halyk Bank",
            account="KZ86125KZT5004100100",
            legal_name="OSCE Academy Public Foundation",
            legal_address="1A Botanichesky pereulok\nBishkek 720044",
            tax_number="INN 02707200910044",
            days_to_pay=14,
        )
    )
    db.session.commit()

    def delegate(given, family, **fields):
        data = {"given_name": given, "family_name": family, "email": f"{given.lower()}@example.kz", "country": "KZ"}
        return registration.register(
            event, data | {"attendance_mode": "in_person"} | fields, START - timedelta(days=20)
        )

    aida = delegate("Aida", "Zhanova", needs_visa_letter=True, organisation_name="Border Service")
    berik = delegate("Berik", "Alimov", needs_visa_letter=True)
    group = Delegation(
        event_id=event.id,
        access_token="t" * 43,
        country="KZ",
        name="Kazakhstan",
        contact_name="Focal Point",
        contact_email="focal@example.kz",
    )
    db.session.add(group)
    db.session.flush()
    for member in (aida, berik):
        member.delegation_id, member.delegation, member.is_head = group.id, group.name, member is aida
    letters.approve_visa_letter(aida, organiser)
    letters.approve_visa_letter(berik, organiser)
    db.session.commit()

    with app.test_request_context():
        pdfs["badges"] = letters.badges_pdf(event)
        pdfs["visa letters of a delegation"] = letters.delegation_visa_letters_pdf(group)
        payment = payments.receive(aida, Decimal("40"), "Bank transfer", "Halyk 88120", organiser, send_receipt=False)
        pdfs["invoice"] = payments.invoice_pdf(payments.issue_invoice(berik))
        # Aida reads Russian: her receipt is made in her language, and she downloads her letter in it.
        with in_language("ru"):
            pdfs["visa letter in Russian"] = letters.visa_letter_pdf(aida)
            pdfs["receipt in Russian"] = payments.receipt_pdf(payment)

    client = app.test_client()
    pdfs["agenda"] = client.get(f"/events/{event.slug}/agenda.pdf").data
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    pdfs["agenda in Russian"] = client.get(f"/events/{event.slug}/agenda.pdf").data

    english = documents.create_document(event, {"kind": "recommendations", "title": "Recommendations"}, organiser)
    documents.import_text(english, ENGLISH_TEXT, organiser)
    version = documents.publish(english, organiser)
    pdfs["document"] = version.pdf
    publishing.make_archive_pdf(version)
    pdfs["archival document"] = version.archive_pdf
    russian = documents.create_document(
        event,
        {"kind": "recommendations", "title": "Рекомендации", "language": "ru", "translation_of_id": english.id},
        organiser,
    )
    documents.import_text(russian, RUSSIAN_TEXT, organiser)
    pdfs["document in Russian"] = documents.publish(russian, organiser).pdf

    # Attendance is certified once the event is over.
    registration.check_in(aida, organiser, START)
    event = db.session.get(Event, event.id)
    event.start_at, event.end_at = START - timedelta(days=3650), START - timedelta(days=3649)
    db.session.commit()
    with app.test_request_context():
        with in_language("ru"):
            pdfs["certificate in Russian"] = letters.certificate_pdf(aida)
        pdfs["certificates"] = letters.certificates_pdf(event)
    db.session.commit()
    return pdfs


@pytest.fixture(scope="module")
def pdfs(app):
    with app.app_context():
        made = _make_everything(app)
    if os.environ.get("EVENTMGR_KEEP_PDFS"):
        folder = Path(os.environ["EVENTMGR_KEEP_PDFS"])
        folder.mkdir(parents=True, exist_ok=True)
        for name, pdf in made.items():
            (folder / f"{name.replace(' ', '-')}.pdf").write_bytes(pdf)
    return made


def pdftotext(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext extracts it (in reading order, not laid out)."""
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603, S607


#: Every kind of PDF the app makes, rendered by the module's fixture, and the language each is written in.
KINDS = {
    "document": "en",
    "document in Russian": "ru",
    "agenda": "en",
    "agenda in Russian": "ru",
    "badges": "en",
    "certificate in Russian": "ru",
    "certificates": "en",
    "visa letter in Russian": "ru",
    "visa letters of a delegation": "en",
    "receipt in Russian": "ru",
    "invoice": "en",
}


def test_every_kind_of_pdf_is_tagged_for_screen_readers(pdfs):
    assert {kind: check(pdfs[kind]) for kind in KINDS} == dict.fromkeys(KINDS, [])


def test_each_pdf_says_the_language_it_is_written_in(pdfs, tmp_path):
    import pikepdf

    languages = {}
    for kind in KINDS:
        with pikepdf.open(io.BytesIO(pdfs[kind])) as pdf:
            languages[kind] = str(pdf.Root.Lang)
    assert languages == KINDS
    # The Russian letters are Russian throughout, their dates too (the event's title is translated).
    for kind in ("certificate in Russian", "visa letter in Russian", "receipt in Russian"):
        words = " ".join(pdftotext(pdfs[kind]).split())
        assert "Конференция по вопросам границ" in words and "2026 г." in words, words
        assert "December" not in words and "February" not in words, words


def test_the_archival_pdf_is_pdf_a_and_tagged(pdfs, tmp_path):
    archive = pdfs["archival document"]
    assert check(archive, archival=True) == []
    meta = pdf_meta(archive, tmp_path)  # as poppler reads the XMP metadata
    assert re.search(r"pdfaid:part[>=\"]+3", meta) and re.search(r"pdfaid:conformance[>=\"]+A", meta), meta
    assert pdf_info(archive, tmp_path)["Tagged"] == "yes"


def test_running_headers_and_footers_are_artifacts(pdfs, tmp_path):
    """The margins' words are on the page but in no structure element: a screen reader skips them."""
    pdf = pdfs["document"]
    texts, artifacts = tagged_text(pdf)
    tagged = " ".join(entry.text for entry in texts)
    assert "Page 1 of 2" in artifacts and "Recommendations · Borders Conference" in artifacts
    assert "Page 1 of" not in tagged and "Page 2 of" not in tagged and "·" not in tagged
    assert "Page 1 of 2" in pdftotext(pdf)
    agenda_texts, agenda_artifacts = tagged_text(pdfs["agenda in Russian"])
    assert "Страница 1 из 1" in agenda_artifacts
    assert not any("Страница" in entry.text for entry in agenda_texts)


def test_lettered_items_and_bullets_are_labels_of_list_items(pdfs):
    texts, _artifacts = tagged_text(pdfs["document"])
    labels = [entry.text for entry in texts if entry.within[-4:-1] == ("L", "LI", "Lbl")]
    assert labels == ["(a)", "(b)", "(c)", "(d)", "(a)", "(b)"]
    bodies = [entry.text for entry in texts if "LBody" in entry.within and "Lbl" not in entry.within]
    assert "to exchange risk indicators every month;" in bodies and "Kazakhstan" in bodies  # an annex's list too
    agenda, _artifacts = tagged_text(pdfs["agenda"])
    assert [entry.text for entry in agenda if entry.within[-2] == "Lbl"] == ["•", "•"]


def test_a_passage_in_another_language_carries_its_own_lang(pdfs):
    agenda, _artifacts = tagged_text(pdfs["agenda in Russian"])
    languages = {entry.text: entry.language for entry in agenda}
    assert languages["Обмен данными о рисках"] == "ru"
    assert languages["Keynote on interoperability"] == "en"  # not translated: shown in English, and said so
    assert languages["data exchange"] == "en" and languages["Head of analysis"] == "en"
    document, _artifacts = tagged_text(pdfs["document in Russian"])
    link = next(entry for entry in document if entry.text == "English")
    assert link.within[-1] == "Link" and link.language == "en"
    assert {entry.language for entry in document if entry.text != "English"} == {"ru"}


def test_badges_qr_codes_have_alternative_text(pdfs):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdfs["badges"])) as pdf:
        figures = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"]
        assert [str(figure.Alt) for figure in figures] == ["QR code for check-in"] * 2


def test_the_agenda_shows_its_title(pdfs, tmp_path):
    info = pdf_info(pdfs["agenda in Russian"], tmp_path)
    assert info["Title"] == "Программа: Конференция по вопросам границ" and info["Tagged"] == "yes"


def words_of(text: str) -> set[str]:
    """The words of extracted text; a word broken at its own hyphen at a line's end is joined again."""
    return set(re.findall(r"\w[\w\u2010\u00ad-]*", re.sub(r"-\s+", "-", text)))


@pytest.mark.parametrize(("kind", "source"), [("document", ENGLISH_TEXT), ("document in Russian", RUSSIAN_TEXT)])
def test_copied_and_searched_text_reads_whole_words(pdfs, kind, source):
    """No hyphen of a line break reaches the text that pdftotext and pypdf extract: each word reads whole."""
    pdf = pdfs[kind]
    long_words = {word for word in re.findall(r"[\w-]{9,}", source) if not word.startswith("-")}
    extracted = {
        "pdftotext": pdftotext(pdf),
        "pypdf": "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages),
    }
    for tool, text in extracted.items():
        assert "\u2010" not in text and "\u00ad" not in text, tool
        assert sorted(long_words - words_of(text)) == [], tool


# --- The checker and the renderer's mending, on a page made to go wrong ----------------------------------------

FAULTY = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Made to go wrong</title>
<style>@page { @bottom-right { content: "Page " counter(page) " of " counter(pages); } }
ul.columns { columns: 2; }</style></head>
<body>
<h1>A title</h1>
<h3>A heading two levels down</h3>
<ul><li><p>An item of blocks</p><ul><li>a nested item</li></ul></li><li>another item</li></ul>
<ul class="columns"><li>Kazakhstan</li><li>Kyrgyzstan</li></ul>
<p lang="ru">Русский текст</p>
<svg viewBox="0 0 4 4" width="20" height="20"><rect width="4" height="4"/></svg>
</body></html>"""


def test_the_checker_finds_what_weasyprint_leaves_and_the_renderer_mends_it(app):
    """WeasyPrint's own tags of that page fail the checker on each point; the app's renderer mends all of them but
    the figure's missing text, which only the template can give."""
    raw = check(HTML(string=FAULTY).write_pdf(pdf_variant="pdf/ua-1"))
    assert any("outside the structure tree" in problem for problem in raw)  # the footer
    assert any("a list directly inside a list" in problem for problem in raw)
    assert any("a list item holds ['Lbl', 'P'], not a Lbl and an LBody" in problem for problem in raw)
    assert any("H3 follows H1" in problem for problem in raw)
    assert any("a figure without alternative text" in problem for problem in raw)
    assert "the document's /Lang" not in " ".join(raw)
    assert check(HTML(string=FAULTY).write_pdf())[:2] == [
        "no structure tree (/StructTreeRoot): the PDF is not tagged",
        "/MarkInfo /Marked is not true",
    ]

    with app.test_request_context():
        mended = html_to_pdf(FAULTY)
    assert [problem.split(" (")[0] for problem in check(mended)] == ["a figure without alternative text"]
    texts, artifacts = tagged_text(mended)
    assert "Page 1 of 1" in artifacts
    assert {entry.text: entry.language for entry in texts}["Русский текст"] == "ru"
    assert check(with_untagged_text(mended))[-1] == "page 1: 1 text outside tagged content and artifacts"
    within = {entry.text: entry.within for entry in texts}
    assert within["a nested item"] == ("Document", "L", "LI", "LBody", "L", "LI", "LBody", "Span")
    assert within["An item of blocks"] == ("Document", "L", "LI", "LBody", "P", "Span")
    assert within["Kyrgyzstan"] == ("Document", "L", "LI", "LBody", "Span")  # one list, in two columns
    assert within["A heading two levels down"] == ("Document", "H2", "Span")


def with_untagged_text(pdf: bytes) -> bytes:
    """The PDF with a word written on its first page outside any marked content, as an untagged writer would."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        font = next(iter(page.Resources.Font.keys()))
        page.contents_add(document.make_stream(f"BT {font} 10 Tf 50 50 Td <0001> Tj ET".encode()))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
