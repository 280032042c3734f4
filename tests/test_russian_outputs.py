"""What eventmgr writes for a Russian reader, read as that reader's programs read it: the mail and its calendar
invite, the agenda PDF, the outcome document's PDF and Word file. Their fixed words come from the Russian catalogue:
nothing English is left (the event, its sessions, people and delegates are given in Russian, so any English word
would be one of ours)."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from conftest import csrf_token
from helpers import attachment, body, english_words, pdf_text
from icalendar import Calendar

from eventmgr.documents import services as documents
from eventmgr.languages import LANGUAGE_COOKIE

START = datetime(2031, 2, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def russian_conference(make_event, make_user, make_session, db):
    organiser = make_user(name="Ольга Организатор", email="olga@example.kz")
    event = make_event(
        organiser=organiser,
        title="Безопасность границ в Центральной Азии",
        description="Региональная конференция пограничных ведомств.",
        original_language="ru",
        kind="conference",
        format="hybrid",
        venue_name="Гостиница «Достык»",
        venue_city="Алматы",
        venue_country="KZ",
        online_platform="Zoom",
        join_url="https://zoom.example.org/j/2031",
        capacity=40,
        start_at=START,
        end_at=START + timedelta(days=1, hours=8),
    )
    make_session(event, title="Обмен данными о рисках", kind="panel", start_at=START, end_at=START + timedelta(hours=2))
    make_session(event, title="Перерыв на кофе", kind="break", start_at=START + timedelta(hours=2))
    db.session.commit()
    return organiser, event


def test_a_russian_delegates_mail_and_invite_are_in_russian(client, russian_conference, mailbox):
    _organiser, event = russian_conference
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    response = client.post(
        f"/events/{event.slug}/register",
        data={
            "given_name": "Айгуль",
            "family_name": "Нурланова",
            "email": "aigul@example.kz",
            "country": "KZ",
            "attendance_mode": "in_person",
            "consent": "y",
            "csrf_token": csrf_token(client, f"/events/{event.slug}/register"),
        },
    )
    assert response.status_code == 302
    mailbox.deliver()
    [message] = mailbox.messages
    assert "Безопасность границ" in message["Subject"]
    assert english_words(message["Subject"]) == []
    text = body(message)
    assert "Айгуль" in text and "февраля 2031" in text
    assert english_words(text) == [], text
    invite = Calendar.from_ical(attachment(message, "invite.ics").get_content())
    [vevent] = invite.walk("VEVENT")
    written = "\n".join(str(vevent.get(name, "")) for name in ("SUMMARY", "DESCRIPTION", "LOCATION"))
    assert "Безопасность границ" in written
    assert english_words(written) == [], written


def test_the_agenda_pdf_is_in_russian(client, russian_conference, tmp_path):
    _organiser, event = russian_conference
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    response = client.get(f"/events/{event.slug}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Обмен данными о рисках" in text and "Страница 1 из" in text
    # The page's address may break at a slash, at the end of a line.
    assert english_words(text.replace("/\n", "/")) == [], text


RECOMMENDATIONS = """Рекомендации

Участники конференции

1. Рекомендуют пограничным ведомствам обмениваться данными о рисках.
2. Предлагают провести следующую конференцию в 2032 году.
"""


def test_a_russian_documents_pdf_and_word_file_are_in_russian(
    client, russian_conference, make_document, login, db, tmp_path
):
    organiser, event = russian_conference
    document = make_document(
        event, organiser, RECOMMENDATIONS, kind="recommendations", title="Рекомендации", language="ru"
    )
    version = documents.publish(document, organiser)
    db.session.commit()
    text = pdf_text(version.pdf, tmp_path)
    assert "Рекомендуют пограничным ведомствам" in text
    assert english_words(text) == [], text

    login(organiser)
    exported = client.get(f"/manage/events/{event.id}/documents/{document.id}/export.docx")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as docx:
        xml = docx.read("word/document.xml").decode()
    words = " ".join(part.split("<", 1)[0] for part in xml.split(">")[1:])
    assert "Рекомендуют" in words
    assert english_words(words) == [], words
