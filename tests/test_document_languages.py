"""Outcome documents in more than one language: one document per language, linked as language versions of each
other; each version's page, PDF and Word file in its own language; countries named as the region names them
officially; and the demo's Russian version of the Borovoe conclusions. PDFs are slow, so few are rendered."""

import html
import io
import re
import subprocess
import zipfile
import zlib
from datetime import UTC, datetime

import pytest
from babel import Locale
from babel.dates import format_date
from helpers import IN_PERSON, field_error, pdf_info, pdf_words
from sqlalchemy import select

from eventmgr import locales
from eventmgr.documents import services
from eventmgr.documents.models import Document

PUBLIC_URL = "https://events.example.org"

ENGLISH_TEXT = """# Final conclusions of the Borders Conference

## 1. Introduction

(1) The border services of Central Asia met in Almaty.

## 2. Conclusions

(1) **Co-operation has grown.** The participants agreed to share risk analysis.
"""

RUSSIAN_TEXT = """# Итоговые выводы Конференции по вопросам границ

## 1. Введение

(1) Пограничные ведомства Центральной Азии провели встречу в Алматы.

## 2. Выводы

(1) **Сотрудничество расширилось.** Участники договорились обмениваться результатами анализа рисков.
"""


@pytest.fixture
def conference(make_user, make_event, db):
    """A conference in Almaty in February, run by an organiser, with a secretariat member."""
    from eventmgr.events.services import grant_role

    organiser = make_user(name="Olga Organiser")
    secretariat = make_user(name="Sam Secretariat")
    event = make_event(
        organiser=organiser,
        title="Borders Conference",
        start_at=datetime(2031, 2, 20, 4, 0, tzinfo=UTC),
        end_at=datetime(2031, 2, 21, 12, 0, tzinfo=UTC),
        **(IN_PERSON | {"venue_city": "Almaty", "venue_country": "KZ"}),
    )
    event.set_translation("ru", "title", "Конференция по вопросам границ")
    grant_role(event, secretariat, "secretariat", organiser)
    db.session.commit()
    return {"event": event, "organiser": organiser, "secretariat": secretariat}


@pytest.fixture
def two_versions(conference, make_document):
    """The conclusions in English and in Russian, not linked yet."""
    event, user = conference["event"], conference["secretariat"]
    english = make_document(event, user, ENGLISH_TEXT, kind="final_conclusions", title="Final conclusions")
    russian = make_document(
        event, user, RUSSIAN_TEXT, kind="final_conclusions", title="Итоговые выводы", language="ru", slug="vyvody"
    )
    return english, russian


def settings_form(document, **changes) -> dict:
    """The title block's form as the editor sends it, with `changes`."""
    return {
        "kind": document.kind,
        "title": document.title,
        "reference": document.reference,
        "language": document.language,
        "translation_of_id": str(document.translation_of_id or ""),
        "place": document.place,
        "dates": document.dates,
    } | changes


def editor_url(document) -> str:
    return f"/manage/events/{document.event_id}/documents/{document.id}"


def language_links(page: str) -> list[tuple[str, str, str, str]]:
    """(href, lang, hreflang, text) of the links to the other language versions on a document's page."""
    found = re.search(r'<p class="doc-languages">(.*?)</p>', page, re.S)
    assert found, "no links to other language versions"
    return re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)">([^<]+)</a>', found.group(1))


def pdf_catalogue_language(pdf: bytes) -> str | None:
    """The /Lang of the PDF's catalogue, read from its (compressed) object streams."""
    streams = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            streams.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 500_000]))
        except zlib.error:
            continue
    found = re.search(rb"/Lang\s*\(([^)]*)\)", b"\n".join(streams))
    return found.group(1).decode() if found else None


def pdf_links(pdf: bytes, tmp_path) -> list[str]:
    """The URLs of the PDF's link annotations (pdfinfo -url)."""
    path = tmp_path / "links.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", "-url", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    return [line.split()[-1] for line in out.splitlines()[1:] if "Annotation" in line]


# --- Linking the versions ---------------------------------------------------------------------------


def test_the_secretariat_links_a_document_as_another_ones_language_version_in_its_settings(
    conference, two_versions, client, login, post, db
):
    english, russian = two_versions
    login(conference["secretariat"])
    page = client.get(editor_url(russian)).text
    # The event's other documents are offered, each with its language.
    assert 'name="translation_of_id"' in page
    assert re.search(rf'<option value="{english.id}">{english.title} · English</option>', page)
    assert not re.search(rf'<option value="{russian.id}"', page)

    response = post(editor_url(russian), settings_form(russian, translation_of_id=str(english.id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, russian.id).translation_of_id == english.id
    assert services.language_versions(db.session.get(Document, english.id)) == [english, russian]
    # Each editor names the other version.
    assert russian.title in client.get(editor_url(english)).text
    assert english.title in client.get(editor_url(russian)).text

    # A third document in English cannot join them: the text has its English version.
    third = services.create_document(conference["event"], {"kind": "other", "title": "Summary"}, None)
    db.session.commit()
    refused = post(editor_url(third), settings_form(third, translation_of_id=str(russian.id)))
    assert refused.status_code == 422
    assert english.title in field_error(refused, "translation_of_id")
    db.session.expire_all()
    assert db.session.get(Document, third.id).translation_of_id is None
    # Nor can the Russian version become a second English one.
    refused = post(editor_url(russian), settings_form(russian, language="en", translation_of_id=str(english.id)))
    assert refused.status_code == 422
    # Choosing none unlinks it.
    assert post(editor_url(russian), settings_form(russian, translation_of_id="")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, russian.id).translation_of_id is None


def test_versions_point_at_one_original_whichever_is_chosen(conference, two_versions, make_document, db):
    english, russian = two_versions
    user = conference["secretariat"]
    kazakh = make_document(conference["event"], user, ENGLISH_TEXT, title="Қорытынды", language="kk")
    services.set_translation_of(russian, english, user)
    # Linked to a version, it joins that version's original.
    services.set_translation_of(kazakh, russian, user)
    assert (russian.translation_of, kazakh.translation_of) == (english, english)
    # The original made a version of one of its versions: that one becomes the original of all.
    services.set_translation_of(english, russian, user)
    assert (english.translation_of, russian.translation_of, kazakh.translation_of) == (russian, None, russian)
    # The original taken out: the others stay linked to each other.
    services.set_translation_of(russian, None, user)
    assert russian.translation_of is None and {d.language for d in services.language_versions(english)} == {"en", "kk"}
    # A draft deleted: its versions stay linked.
    services.set_translation_of(russian, english, user)
    db.session.commit()
    services.delete_document(english, user)
    db.session.commit()
    assert {d.language for d in services.language_versions(russian)} == {"ru", "kk"}


def test_a_document_switched_to_russian_gets_the_events_place_and_dates_in_russian(conference, make_document):
    user = conference["secretariat"]
    document = make_document(conference["event"], user, ENGLISH_TEXT)
    assert (document.place, " ".join(document.dates.split())) == ("Almaty, Kazakhstan", "20–21 February 2031")
    services.update_document(document, settings_form(document, language="ru"), user)
    assert (document.place, " ".join(document.dates.split())) == ("Almaty, Казахстан", "20–21 февраля 2031 г.")
    # What the secretariat typed stays as typed.
    services.update_document(document, settings_form(document, language="en", place="Алматы, Казахстан"), user)
    assert document.place == "Алматы, Казахстан" and document.dates.startswith("20–21 February")


# --- The public page and the PDF ----------------------------------------------------------------------


@pytest.fixture
def published_pair(conference, two_versions, make_registration, app, monkeypatch, db):
    """Both versions linked and published (the English first) at the site's public address, with delegates of
    Turkmenistan, Kyrgyzstan and Afghanistan confirmed for the annex."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC_URL)
    english, russian = two_versions
    make_registration(conference["event"], country="KG", organisation_name="State Border Service")
    make_registration(conference["event"], country="TM", organisation_name="State Border Service of Turkmenistan")
    make_registration(conference["event"], country="AF", organisation_name="Afghan Border Police")
    services.set_translation_of(russian, english, conference["secretariat"])
    services.publish(english, conference["secretariat"])
    services.publish(russian, conference["secretariat"])
    db.session.commit()
    return english, russian


def test_each_versions_page_and_pdf_link_to_the_other_in_its_own_language(published_pair, client, tmp_path):
    english, russian = published_pair
    english_url = f"{PUBLIC_URL}/events/{english.event.slug}/documents/{english.slug}"
    russian_url = f"{PUBLIC_URL}/events/{english.event.slug}/documents/{russian.slug}"

    english_page = client.get(f"/events/{english.event.slug}/documents/{english.slug}").text
    russian_page = client.get(f"/events/{english.event.slug}/documents/{russian.slug}").text
    assert re.search(r'<html lang="en">', english_page) and re.search(r'<html lang="ru">', russian_page)
    assert language_links(english_page) == [
        (f"/events/{english.event.slug}/documents/{russian.slug}", "ru", "ru", "Русский")
    ]
    assert language_links(russian_page) == [
        (f"/events/{english.event.slug}/documents/{english.slug}", "en", "en", "English")
    ]
    # The header's switcher to the other language leads to the version in it.
    assert f"/language/en?next=/events/{english.event.slug}/documents/{english.slug}" in html.unescape(russian_page)
    assert f"/language/ru?next=/events/{english.event.slug}/documents/{russian.slug}" in html.unescape(english_page)
    # Search engines learn the alternatives at the public address.
    assert f'<link rel="alternate" hreflang="ru" href="{russian_url}">' in english_page
    assert f'<link rel="alternate" hreflang="en" href="{english_url}">' in russian_page
    # The Russian page's event and dates are in Russian.
    assert "Конференция по вопросам границ" in russian_page and "февраля 2031" in html.unescape(russian_page)

    english_pdf = client.get(f"/events/{english.event.slug}/documents/{english.slug}.pdf").data
    russian_pdf = client.get(f"/events/{english.event.slug}/documents/{russian.slug}.pdf").data
    # The English one was published before the Russian one, and links to it all the same.
    assert russian_url in pdf_links(english_pdf, tmp_path)
    assert english_url in pdf_links(russian_pdf, tmp_path)
    assert "Русский" in pdf_words(english_pdf, tmp_path) and "English" in pdf_words(russian_pdf, tmp_path)


def test_a_russian_documents_pdf_is_in_russian(published_pair, db, tmp_path):
    english, russian = published_pair
    version = russian.latest_version
    assert (pdf_catalogue_language(version.pdf), pdf_catalogue_language(english.latest_version.pdf)) == ("ru", "en")
    text = pdf_words(version.pdf, tmp_path)
    # Dates in Russian (Babel's month names): the event's days, and the day of publication.
    assert "Казахстан, 20–21 февраля 2031 г." in text
    assert " ".join(format_date(version.published_at.date(), "long", locale="ru").split()) in text
    # The annex names the countries as the region does officially, in Russian.
    assert version.content["annex"]["countries"] == ["Афганистан", "Кыргызстан", "Туркменистан"]
    assert "Кыргызстан" in text and "Киргизия" not in text
    assert "Kyrgyzstan" in pdf_words(english.latest_version.pdf, tmp_path)
    info = pdf_info(version.pdf, tmp_path)
    assert info["Title"] == "Итоговые выводы Конференции по вопросам границ"
    assert "Конференция по вопросам границ" in info["Subject"] and "февраля" in info["Subject"]
    assert "Конференция по вопросам границ" in info["Keywords"]


def test_a_russian_documents_word_file_is_marked_russian(conference, two_versions, client, login):
    _english, russian = two_versions
    login(conference["secretariat"])
    exported = client.get(f"{editor_url(russian)}/export.docx")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as docx:
        core = docx.read("docProps/core.xml").decode()
        styles = docx.read("word/styles.xml").decode()
    assert "<dc:language>ru-RU</dc:language>" in core
    assert "Конференция по вопросам границ" in core
    # Word checks spelling in Russian.
    assert re.search(r'<w:lang w:val="ru-RU"', styles)


def test_countries_are_named_in_the_official_form_of_the_region():
    russian = Locale("ru")
    assert locales.country_name("KG", russian) == "Кыргызстан"
    assert [locales.country_name(code, russian) for code in ("KZ", "TJ", "TM", "UZ", "AF")] == [
        "Казахстан",
        "Таджикистан",
        "Туркменистан",
        "Узбекистан",
        "Афганистан",
    ]
    assert locales.country_name("KG", Locale("en")) == "Kyrgyzstan"
    # Sorted among the others under its own name.
    choices = locales._sorted_countries("ru")
    names = [name for _code, name in choices]
    assert names == sorted(names) and dict(choices)["KG"] == "Кыргызстан"


# --- The demo -------------------------------------------------------------------------------------


def test_the_demo_has_the_borovoe_conclusions_in_russian_linked_to_the_english(runner, db):
    from eventmgr.events.models import Event

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    borovoe = db.session.execute(select(Event).where(Event.slug == "issyk-kul-initiative-2018-borovoe")).scalar_one()
    documents = {
        d.language: d for d in db.session.execute(select(Document).where(Document.event_id == borovoe.id)).scalars()
    }
    english, russian = documents["en"], documents["ru"]
    assert russian.translation_of_id == english.id and russian.kind == english.kind == "final_conclusions"
    assert bool(russian.versions) == bool(english.versions)
    content = services.document_content(russian)
    assert content["event"]["title"] == borovoe.translation("ru", "title") != borovoe.title
    assert " ".join(content["dates"].split()) == "24–25 июля 2018 г." and content["place"] == "Боровое, Казахстан"
    text = " ".join(p["body"] + p["lead"] for s in content["sections"] for p in s["paragraphs"])
    assert "Иссык-Кульской инициативы" in text and not re.search(r"[A-Za-z]{4,}", text.replace("FRONTEX", ""))
    assert [s["number"] for s in content["sections"]] == [
        s["number"] for s in services.document_content(english)["sections"]
    ]
    # A second load changes nothing.
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert db.session.execute(select(Document).where(Document.event_id == borovoe.id)).scalars().all().__len__() == 2
