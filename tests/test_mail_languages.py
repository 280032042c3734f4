"""Every mail and calendar file is written in its recipient's language: a delegate's in the one they registered in,
an account holder's in the one their account chose, an announcement in each recipient's when it is written in it.

Without the Russian catalogue, what already differs in Russian is Babel's (dates, month and country names) and the
content organisers write in two languages (an event's title); that the mails' own sentences are marked for
translation is checked on the templates themselves.
"""

import html
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import csrf_token
from flask import template_rendered
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from helpers import IN_PERSON, attachment, body, calendar_part, text_of
from icalendar import Calendar
from jinja2 import nodes
from sqlalchemy import select
from test_update_mails import edit_event, updates

from eventmgr.agenda import services as agenda
from eventmgr.calendar.services import SESSION_SUBJECTS
from eventmgr.events import services as events
from eventmgr.people.services import create_person, send_profile_link
from eventmgr.registration.models import Announcement, Registration
from eventmgr.registration.notifications import SUBJECTS

RUSSIAN_TITLE = "Вызовы границ Центральной Азии"
ENGLISH_TITLE = "Central Asia Border Challenges"
#: In December of next year, so that the long date names the month: "15 декабря" / "15 December".
START = datetime(datetime.now(UTC).year + 1, 12, 15, 4, tzinfo=UTC)
RUSSIAN_DAY = f"15 декабря {START.year}"
ENGLISH_DAY = f"15 December {START.year}"


@pytest.fixture
def conference(app, db, make_event, make_user, monkeypatch):
    """A conference in Astana whose title its organiser also gave in Russian; updates go out at the next run."""
    monkeypatch.setitem(app.config, "CALENDAR_UPDATE_DELAY", 0)
    organiser = make_user(email="olga@example.org", name="Olga Organiser")
    event = make_event(
        organiser=organiser,
        title=ENGLISH_TITLE,
        start_at=START,
        end_at=START + timedelta(hours=8),
        **(IN_PERSON | {"venue_name": "Congress Hall", "venue_city": "Astana", "venue_country": "KZ"}),
    )
    event.set_translation("ru", "title", RUSSIAN_TITLE)
    db.session.commit()
    return event, organiser


def register(app, event, email, headers=None, cookies=None):
    """Register through the form as a browser that asks for a language (its `headers`, the switcher's `cookies`)."""
    client = app.test_client()
    for name, value in (cookies or {}).items():
        client.set_cookie(name, value)
    data = {
        "given_name": "Aida",
        "family_name": "Nurlanova",
        "email": email,
        "country": "KZ",
        "consent": "y",
        "csrf_token": csrf_token(client, "/login"),
    }
    response = client.post(f"/events/{event.slug}/register", data=data, headers=headers or {})
    assert response.status_code == 302, response.text
    return client


def mails_to(mailbox, address: str, subject_start: str = "") -> list:
    """The messages the address got whose subject starts so, after the outbox has sent what it holds."""
    mailbox.deliver()
    return [m for m in mailbox.messages if m["To"] == address and m["Subject"].startswith(subject_start)]


def mail_to(mailbox, address: str, subject_start: str = ""):
    found = mails_to(mailbox, address, subject_start)
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in mailbox.messages]
    return found[0]


def invite_summary(message) -> str:
    """The SUMMARY of the first entry in the message's invite.ics (unfolded, unescaped)."""
    calendar = Calendar.from_ical(attachment(message, "invite.ics").get_content())
    return str(next(iter(calendar.walk("VEVENT")))["SUMMARY"])


@contextmanager
def locales_rendered(app):
    """{template name: the locale it was rendered in} of the templates rendered inside."""
    seen = {}

    def remember(sender, template, context, **extra):
        seen[template.name] = str(get_locale())

    template_rendered.connect(remember, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(remember, app)


# --- A delegate's mail, in the language they registered in ---------------------------------------------------


def test_a_delegate_who_registered_in_russian_gets_mail_in_russian_and_one_in_english_in_english(
    app, db, conference, mailbox
):
    event, organiser = conference
    register(app, event, "aida@example.kz", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    register(app, event, "john@example.org", headers={"Accept-Language": "en-GB,en;q=0.9"})
    languages = dict(db.session.execute(select(Registration.email, Registration.language)).all())
    assert languages == {"aida@example.kz": "ru", "john@example.org": "en"}

    russian = mail_to(mailbox, "aida@example.kz")
    text = body(russian)
    assert RUSSIAN_TITLE in russian["Subject"] and ENGLISH_TITLE not in russian["Subject"]
    assert RUSSIAN_TITLE in text and ENGLISH_TITLE not in text
    assert RUSSIAN_DAY in text  # Babel's Russian: the month's name
    assert "Congress Hall, Astana, Казахстан" in text  # and the country's
    # The invite, made when the message is sent (by the outbox, in no request's language), is in Russian too.
    assert invite_summary(russian) == RUSSIAN_TITLE
    assert "Казахстан" in calendar_part(russian).get_content().replace("\r\n ", "")

    english = mail_to(mailbox, "john@example.org")
    text = body(english)
    assert ENGLISH_TITLE in english["Subject"] and RUSSIAN_TITLE not in english["Subject"]
    assert ENGLISH_TITLE in text and RUSSIAN_TITLE not in text
    assert ENGLISH_DAY in text and "Congress Hall, Astana, Kazakhstan" in text and "декабря" not in text
    assert invite_summary(english) == ENGLISH_TITLE


def test_the_language_switchers_cookie_decides_over_the_browser(app, db, conference, mailbox):
    event, organiser = conference
    register(app, event, "aida@example.kz", headers={"Accept-Language": "en"}, cookies={"language": "ru"})
    assert db.session.execute(select(Registration.language)).scalar_one() == "ru"
    message = mail_to(mailbox, "aida@example.kz")
    assert RUSSIAN_TITLE in message["Subject"] and RUSSIAN_DAY in body(message)


def test_the_link_asked_for_from_another_browser_comes_in_the_registrations_language(app, db, conference, mailbox):
    event, organiser = conference
    register(app, event, "aida@example.kz", headers={"Accept-Language": "ru"})
    client = app.test_client()
    data = {"email": "aida@example.kz", "csrf_token": csrf_token(client, "/login")}
    response = client.post(f"/events/{event.slug}/register/link", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    message = mail_to(mailbox, "aida@example.kz", "Ссылка на вашу регистрацию")
    assert RUSSIAN_TITLE in message["Subject"] and RUSSIAN_DAY in body(message)


def test_an_update_says_what_changed_in_each_delegates_language(
    app, client, post, runner, db, conference, login, mailbox
):
    event, organiser = conference
    register(app, event, "aida@example.kz", headers={"Accept-Language": "ru"})
    register(app, event, "john@example.org", headers={"Accept-Language": "en"})
    mailbox.deliver()
    login(organiser)
    day = (START + timedelta(days=1)).date()
    edit_event(client, post, event, start=f"{day}T10:30", end=f"{day}T18:00")

    (russian,) = updates(runner, mailbox, "aida@example.kz", "Изменения:")
    text = body(russian)
    assert RUSSIAN_TITLE in russian["Subject"] and invite_summary(russian) == RUSSIAN_TITLE
    assert RUSSIAN_DAY in text and f"16 декабря {START.year}" in text  # before → now, both in Russian
    (english,) = updates(runner, mailbox, "john@example.org")
    text = body(english)
    assert ENGLISH_TITLE in english["Subject"] and invite_summary(english) == ENGLISH_TITLE
    assert ENGLISH_DAY in text and f"16 December {START.year}" in text and "декабря" not in text


def test_a_reminder_says_when_in_the_delegates_language(app, db, conference, mailbox):
    from eventmgr.registration.reminders import queue_due_reminders

    event, organiser = conference
    register(app, event, "aida@example.kz", headers={"Accept-Language": "ru"})
    event.reminder_early_minutes = 3 * 24 * 60
    db.session.commit()
    assert queue_due_reminders(START - timedelta(days=2)) == 1
    db.session.commit()
    message = mail_to(mailbox, "aida@example.kz", "Напоминание")
    assert "через 2 дня" in message["Subject"] and "через 2 дня" in body(message)


# --- Announcements, in each recipient's language when written in it ------------------------------------------


def announcements_url(event) -> str:
    return f"/manage/events/{event.id}/announcements"


def hidden(response, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', response.text).group(1)


def test_an_announcement_written_in_both_languages_reaches_each_recipient_in_theirs(
    client, db, conference, make_registration, login, mailbox
):
    event, organiser = conference
    make_registration(event, "aida@example.kz", language="ru")
    make_registration(event, "dina@example.kz", language="ru")
    make_registration(event, "john@example.org", language="en")
    login(organiser)
    url = announcements_url(event)
    data = {
        "csrf_token": csrf_token(client, url),
        "language": "en",
        "subject": "Hall B",
        "body": "We meet in Hall B.",
        "subject_ru": "Зал Б",
        "body_ru": "Встречаемся в зале Б.",
    }
    preview = client.post(url, data=data | {"preview": "1"})
    assert preview.status_code == 200
    page = text_of(preview)
    # Each version that goes out, with how many get it.
    assert "To 3 people: Everyone registered" in page and "Send to 3 people" in page
    assert "English: 1 person" in page and "Russian: 2 people" in page
    shown = [html.unescape(s) for s in re.findall(r"<dt>Subject</dt><dd>(.*?)</dd>", preview.text, re.S)]
    assert shown == [f"Hall B · {ENGLISH_TITLE}", f"Зал Б · {RUSSIAN_TITLE}"]
    assert RUSSIAN_DAY in html.unescape(preview.text)  # the Russian version's footer, in Russian

    # The confirmation covers the translation: changed after the preview, nothing goes out.
    keys = {name: hidden(preview, name) for name in ("audience_key", "content_key")}
    edited = client.post(url, data=data | keys | {"send": "1", "body_ru": "Встречаемся в зале В."})
    assert edited.status_code == 409 and db.session.execute(select(Announcement)).first() is None
    sent = client.post(url, data=data | keys | {"send": "1"})
    assert sent.status_code == 302

    russian = mail_to(mailbox, "aida@example.kz", "Зал Б")
    assert russian["Subject"] == f"Зал Б · {RUSSIAN_TITLE}"
    assert "Встречаемся в зале Б." in body(russian) and RUSSIAN_DAY in body(russian)
    assert "We meet in Hall B." not in body(russian)
    english = mail_to(mailbox, "john@example.org", "Hall B")
    assert english["Subject"] == f"Hall B · {ENGLISH_TITLE}"
    assert "We meet in Hall B." in body(english) and ENGLISH_DAY in body(english)
    announcement = db.session.execute(select(Announcement)).scalar_one()
    assert announcement.original_language == "en" and announcement.translation("ru", "subject") == "Зал Б"


def test_without_a_version_in_their_language_recipients_get_the_original(
    client, db, conference, make_registration, login, mailbox
):
    event, organiser = conference
    make_registration(event, "aida@example.kz", language="ru")
    login(organiser)
    url = announcements_url(event)
    data = {"csrf_token": csrf_token(client, url), "language": "en", "subject": "Hall B", "body": "We meet in Hall B."}
    preview = client.post(url, data=data | {"preview": "1"})
    keys = {name: hidden(preview, name) for name in ("audience_key", "content_key")}
    assert client.post(url, data=data | keys | {"send": "1"}).status_code == 302
    message = mail_to(mailbox, "aida@example.kz", "Hall B")
    # One language throughout: the English message in an English frame, the event's title too.
    assert message["Subject"] == f"Hall B · {ENGLISH_TITLE}" and ENGLISH_DAY in body(message)

    # Half a version is refused, at the field that is missing.
    refused = client.post(url, data=data | {"preview": "1", "subject_ru": "Зал Б"})
    assert refused.status_code == 422
    assert 'id="body_ru-error"' in refused.text


def test_the_form_offers_the_languages_the_message_is_not_written_in(client, conference, login):
    event, organiser = conference
    login(organiser)
    page = client.get(announcements_url(event)).text
    assert re.search(r'<fieldset class="announcement-version" data-language="ru">', page)
    assert re.search(r'<fieldset class="announcement-version" data-language="en" hidden>', page)
    # Written in Russian (the organiser's own language when they read the site in it), English is offered.
    page = client.get(announcements_url(event), headers={"Accept-Language": "ru"}).text
    assert 'data-language="en">' in page and 'data-language="ru" hidden>' in page


# --- Staff mail, in the account's language -------------------------------------------------------------------


def test_staff_mail_follows_the_accounts_language(app, client, db, conference, make_user, mailbox):
    event, organiser = conference
    ivan = make_user(email="ivan@example.kz", name="Иван Петров")
    ivan.language = "ru"
    db.session.commit()
    events.invite_to_role(event, "ivan@example.kz", "organiser", organiser)
    events.invite_to_role(event, "nobody@example.org", "secretariat", organiser)  # no account: the event's language
    db.session.commit()
    russian = mail_to(mailbox, "ivan@example.kz")
    assert RUSSIAN_TITLE in russian["Subject"] and RUSSIAN_TITLE in body(russian)
    english = mail_to(mailbox, "nobody@example.org")
    assert ENGLISH_TITLE in english["Subject"] and RUSSIAN_TITLE not in body(english)

    # A message the outbox makes when it sends it (a password reset) is made in the account's language too.
    with locales_rendered(app) as seen:
        client.post("/password/forgot", data={"email": "ivan@example.kz", "csrf_token": csrf_token(client, "/login")})
        mail_to(mailbox, "ivan@example.kz", "Сброс пароля")
    assert seen["email/password_reset.txt"] == "ru"
    ivan.language = None  # no choice of its own: the language the reset was asked for in
    db.session.commit()
    with locales_rendered(app) as seen:
        client.post("/password/forgot", data={"email": "ivan@example.kz", "csrf_token": csrf_token(client, "/login")})
        mailbox.deliver()
    assert seen["email/password_reset.txt"] == "en_GB"
    with locales_rendered(app) as seen:
        client.post(
            "/password/forgot",
            data={"email": "ivan@example.kz", "csrf_token": csrf_token(client, "/login")},
            headers={"Accept-Language": "ru"},
        )
        mailbox.deliver()
    assert seen["email/password_reset.txt"] == "ru"


def test_a_presenter_with_a_russian_account_gets_profile_link_and_session_invite_in_russian(
    db, conference, make_user, make_session, mailbox
):
    event, organiser = conference
    presenter = make_user(email="aida@bomca.example", name="Aida Bekova")
    presenter.language = "ru"
    person = create_person({"full_name": "Aida Bekova", "email": "aida@bomca.example"}, organiser)
    panel = make_session(event, title="Risk analysis", start_at=START + timedelta(hours=1))
    panel.set_translation("ru", "title", "Анализ рисков")
    db.session.commit()
    agenda.add_participant(panel, person, "speaker", user=organiser)  # a published event: invited at once
    send_profile_link(person, event, organiser)
    db.session.commit()

    invite = mail_to(mailbox, "aida@bomca.example", "Приглашение")
    assert invite["Subject"] == f"Приглашение: Анализ рисков · {RUSSIAN_TITLE}"
    assert invite_summary(invite) == f"Анализ рисков · {RUSSIAN_TITLE}"
    assert "Анализ рисков" in body(invite) and f"декабря {START.year}" in body(invite)
    profile = mail_to(mailbox, "aida@bomca.example", "Просим проверить")
    assert RUSSIAN_TITLE in profile["Subject"] and RUSSIAN_TITLE in body(profile)


# --- Calendar files people download or subscribe to ----------------------------------------------------------


def test_the_event_calendar_is_in_the_language_the_request_asks_for(client, conference):
    event, organiser = conference
    russian = client.get(f"/events/{event.slug}/calendar.ics", headers={"Accept-Language": "ru"})
    english = client.get(f"/events/{event.slug}/calendar.ics", headers={"Accept-Language": "en"})
    summary = [str(next(iter(Calendar.from_ical(r.data).walk("VEVENT")))["SUMMARY"]) for r in (russian, english)]
    assert summary == [RUSSIAN_TITLE, ENGLISH_TITLE]
    assert russian.headers["ETag"] != english.headers["ETag"]  # never the other language's copy


# --- The mails' own text: every sentence marked for translation ----------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "email"
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
#: A string that may be code rather than text for a reader: a key, a mode, an endpoint, a template's name.
CODE = re.compile(r"[a-z_][a-z0-9_./-]*")
#: What passes a value on to be printed ("a" or "b", "a" if x else "b", "a" ~ "b").
PASSING_ON = (nodes.Or, nodes.And, nodes.Concat, nodes.Add, nodes.CondExpr)


def _printed(const: nodes.Const, parents: dict) -> bool:
    """Whether the string is itself printed, not used as a key, a comparison's operand or a function's argument."""
    node = const
    while True:
        parent = parents.get(id(node))
        if isinstance(parent, nodes.Output):
            return True
        if not isinstance(parent, PASSING_ON) or (isinstance(parent, nodes.CondExpr) and node is parent.test):
            return False
        node = parent


def untranslated_text(app, path: Path) -> list[str]:
    """Text of the template a reader would read that does not go through gettext: words between the tags, and
    strings with words that are printed or that are not code (a key, a name) and no gettext call's message."""
    tree = app.jinja_env.parse(path.read_text(), path.name)
    parents = {id(child): node for node in tree.find_all(nodes.Node) for child in node.iter_child_nodes()}
    parents.update({id(child): tree for child in tree.iter_child_nodes()})
    messages = {
        id(arg)
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT
        for arg in call.args
        if isinstance(arg, nodes.Const)
    }
    found = [data.data for data in tree.find_all(nodes.TemplateData) if re.search(r"[^\W\d_]", data.data)]
    found += [
        const.value
        for const in tree.find_all(nodes.Const)
        if isinstance(const.value, str)
        and id(const) not in messages
        and re.search(r"[^\W\d_]", const.value)
        and (_printed(const, parents) or not CODE.fullmatch(const.value))
    ]
    return found


def test_the_untranslated_text_check_finds_bare_english(app, tmp_path):
    bare = tmp_path / "bare.txt"
    bare.write_text(
        'Dear {{ name }},\n{{ _("Marked: %(x)s", x=x) }}\n{{ name or "colleague" }}\n'
        '{% trans %}Marked too{% endtrans %}\n{% if mode == "online" %}{{ ", " }}{% endif %}'
    )
    assert untranslated_text(app, bare) == ["Dear ", "colleague"]


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.txt")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_sentence_of_every_mail_goes_through_gettext(app, path):
    assert untranslated_text(app, path) == []


def test_the_subjects_are_translated_when_the_message_is_composed():
    assert all(isinstance(subject, LazyString) for subject in (*SUBJECTS.values(), *SESSION_SUBJECTS.values()))
    assert all("%(title)s" in str(subject) for subject in (*SUBJECTS.values(), *SESSION_SUBJECTS.values()))
