"""Content in two languages: organisers give titles, descriptions, positions and bios in English and Russian through
the forms; readers see their own language and, where it is missing, the original, marked with its language."""

import re
from datetime import timedelta

import pytest
from helpers import field_error, flashes, log_in_browser, pdf_text, text_of
from sqlalchemy import select
from test_events import DAY, event_form, form_values, replace

from eventmgr.agenda.services import add_participant, create_session
from eventmgr.audit.models import AuditEntry
from eventmgr.calendar.services import event_changes
from eventmgr.errors import EventMgrError
from eventmgr.events import services
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.languages import in_language
from eventmgr.people import services as people_services
from eventmgr.people.models import Person

TITLE_EN = "Border Security in Central Asia"
TITLE_RU = "Безопасность границ в Центральной Азии"
ABOUT_EN = "Experts discuss **cross-border** cooperation."
ABOUT_RU = "Эксперты обсуждают **трансграничное** сотрудничество."


@pytest.fixture
def organiser(make_user, login):
    user = make_user(name="Olga Organiser")
    login(user)
    return user


def reader(app, language: str | None):
    """A visitor's browser that chose `language` with the switcher (its cookie); None: no choice, English."""
    client = app.test_client()
    if language:
        client.set_cookie("language", language)
    return client


def element(page: str, tag: str, text: str) -> str:
    """The opening tag of the `tag` element whose content starts with `text` (to read its attributes)."""
    match = re.search(rf"<{tag}\b[^>]*>\s*(?:<[^>]+>\s*)*{re.escape(text)}", page)
    assert match, f"no <{tag}> with {text!r}"
    return match.group(0)


def create_bilingual_event(post, **overrides) -> Event:
    """An organiser's new event through the form: written in English, with its Russian title and description."""
    response = post(
        "/manage/events/new",
        event_form(
            title=TITLE_EN,
            description=ABOUT_EN,
            original_language="en",
            title_ru=TITLE_RU,
            description_ru=ABOUT_RU,
        )
        | overrides,
    )
    assert response.status_code == 302, response.text
    event_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return reloaded(event_id)


def reloaded(event_id: int) -> Event:
    """The event as it is stored now."""
    db.session.expire_all()
    return db.session.get(Event, event_id)


def publish(post, event: Event) -> None:
    page = f"/manage/events/{event.id}"
    assert post(f"{page}/publish", token_from=page).status_code == 302


# --- The organiser's forms -------------------------------------------------------------------------


def test_the_event_form_asks_for_the_language_written_in_and_the_texts_in_the_others(client, organiser):
    page = client.get("/manage/events/new").text
    language = re.search(r'<select[^>]*name="original_language"[^>]*>(.*?)</select>', page, re.S)
    assert language, "no choice of the language the event is written in"
    options = dict(re.findall(r'<option[^>]*value="(\w+)"[^>]*>([^<]+)</option>', language.group(1)))
    assert options == {"en": "English", "ru": "Русский"}  # each named in itself
    assert re.search(r'<option[^>]*selected[^>]*value="en"|<option[^>]*value="en"[^>]*selected', language.group(1))
    assert "In other languages" in page
    assert re.search(r'<fieldset class="translation" data-language="ru">\s*<legend lang="ru">Русский</legend>', page)
    # The same limits as the original's: a title of 300 characters, typed in Russian.
    assert re.search(r'<input[^>]*id="title_ru"[^>]*lang="ru"[^>]*maxlength="300"', page)
    assert 'name="description_ru"' in page


def test_a_russian_organiser_writes_in_russian_by_default(client, organiser):
    client.set_cookie("language", "ru")
    page = client.get("/manage/events/new").text
    language = re.search(r'<select[^>]*name="original_language"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option[^>]*selected[^>]*value="ru"|<option[^>]*value="ru"[^>]*selected', language)


def test_an_event_keeps_its_original_and_its_russian_texts(client, organiser, post):
    event = create_bilingual_event(post)
    assert (event.title, event.description, event.original_language) == (TITLE_EN, ABOUT_EN, "en")
    assert event.translations == {"ru": {"title": TITLE_RU, "description": ABOUT_RU}}
    # The fieldset of the original's own language, shown when the page has no script, is not saved.
    other = create_bilingual_event(post, title="Second", title_en="Ignored", slug="second")
    assert "en" not in other.translations


def test_a_translation_longer_than_its_field_is_refused_at_that_field(client, organiser, post):
    response = post("/manage/events/new", event_form(title=TITLE_EN, title_ru="Б" * 301))
    assert response.status_code == 422
    assert "300" in field_error(response, "title_ru")
    assert reloaded(1) is None  # nothing half-saved


def test_the_services_refuse_an_overlong_translation_too(organiser, make_event):
    with pytest.raises(EventMgrError) as refused:
        make_event(organiser=organiser, translations={"ru": {"title": "Б" * 301}})
    assert refused.value.field == "title_ru"


def test_editing_in_the_russian_interface_keeps_the_original(client, organiser, post):
    event = create_bilingual_event(post)
    client.set_cookie("language", "ru")
    url = f"/manage/events/{event.id}/edit"
    page = client.get(url).text
    form = form_values(page)
    # The form shows what the organiser typed, not what a Russian reader would see.
    assert form["title"] == TITLE_EN and form["description"] == ABOUT_EN
    assert form["original_language"] == "en"
    assert form["title_ru"] == TITLE_RU and form["description_ru"] == ABOUT_RU
    assert form["title_en"] == "" and form["description_en"] == ""
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert "Ничего не изменено." in flashes(client.get(response.headers["Location"]))
    event = reloaded(event.id)
    assert (event.title, event.description) == (TITLE_EN, ABOUT_EN)
    assert event.translations == {"ru": {"title": TITLE_RU, "description": ABOUT_RU}}


def test_a_changed_translation_is_a_change_of_the_event(client, organiser, post, db):
    event = create_bilingual_event(post)
    publish(post, event)
    event = reloaded(event.id)
    version, sequence = event.version, event.calendar_sequence
    url = f"/manage/events/{event.id}/edit"
    form = replace(form_values(client.get(url).text), title_ru="Безопасность границ: новое название")
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert "Saved." in flashes(client.get(response.headers["Location"]))
    event = reloaded(event.id)
    assert event.title == TITLE_EN
    assert event.translation("ru", "title") == "Безопасность границ: новое название"
    assert event.version > version
    # Calendars made in Russian show the title: they are owed an update.
    assert event.calendar_sequence == sequence + 1
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.event_id == event.id, AuditEntry.action == "event.update")
    ).scalar_one()
    assert entry.changes == {"title (ru)": [TITLE_RU, "Безопасность границ: новое название"]}
    log = client.get(f"/manage/events/{event.id}/log").text
    assert "title (ru)" in log


def test_clearing_a_translation_removes_it(client, organiser, post):
    event = create_bilingual_event(post)
    assert event.translations
    url = f"/manage/events/{event.id}/edit"
    client.post(url, data=replace(form_values(client.get(url).text), title_ru="", description_ru=""))
    assert reloaded(event.id).translations == {}


def test_the_conflict_page_names_a_translation_someone_else_changed(client, organiser, post):
    event = create_bilingual_event(post)
    url = f"/manage/events/{event.id}/edit"
    mine = form_values(client.get(url).text)
    services.update_event(reloaded(event.id), {"translations": {"ru": {"title": "Их название"}}}, organiser, None)
    db.session.commit()
    response = client.post(url, data=replace(mine, title_ru="Моё название"))
    assert response.status_code == 409
    assert "Title (Русский)" in response.text and "Их название" in response.text
    # Saving again knowingly goes through.
    again = client.post(url, data=form_values(response.text))
    assert again.status_code == 302
    assert reloaded(event.id).translation("ru", "title") == "Моё название"


def test_the_written_in_language_can_change(client, organiser, post):
    event = create_bilingual_event(post)
    url = f"/manage/events/{event.id}/edit"
    # The organiser wrote Russian in the main fields after all, and gives the English below.
    form = replace(
        form_values(client.get(url).text),
        original_language="ru",
        title=TITLE_RU,
        description=ABOUT_RU,
        title_en=TITLE_EN,
        description_en=ABOUT_EN,
    )
    assert client.post(url, data=form).status_code == 302
    event = reloaded(event.id)
    assert (event.original_language, event.title) == ("ru", TITLE_RU)
    assert event.translations == {"en": {"title": TITLE_EN, "description": ABOUT_EN}}


def test_a_copy_for_the_next_edition_keeps_the_translations(client, organiser, post, db):
    series = services.create_series("Border Security Series", "", organiser)
    db.session.commit()
    event = create_bilingual_event(post, series_id=str(series.id), edition="1")
    page = f"/manage/events/{event.id}"
    response = post(f"{page}/copy", token_from=page)
    assert response.status_code == 302
    copy = db.session.execute(select(Event).where(Event.edition == 2)).scalar_one()
    assert copy.original_language == "en"
    assert copy.translations == {"ru": {"title": TITLE_RU, "description": ABOUT_RU}}


# --- What readers see ------------------------------------------------------------------------------


def test_readers_see_the_event_in_their_language(app, client, organiser, post):
    event = create_bilingual_event(post)
    publish(post, event)
    russian, english = reader(app, "ru"), reader(app, None)

    listing = russian.get("/").text
    assert TITLE_RU in listing and TITLE_EN not in listing
    assert TITLE_EN in english.get("/").text and TITLE_RU not in english.get("/").text

    page = russian.get(f"/events/{event.slug}").text
    assert f"<title>{TITLE_RU} ·" in page
    assert element(page, "h1", TITLE_RU) == f"<h1>{TITLE_RU}"  # in the page's own language: no mark
    assert "трансграничное" in text_of(russian.get(f"/events/{event.slug}"))
    assert f'<meta property="og:title" content="{TITLE_RU}">' in page
    assert 'content="Эксперты обсуждают трансграничное сотрудничество."' in page
    assert TITLE_EN not in page

    page = english.get(f"/events/{event.slug}").text
    assert f"<h1>{TITLE_EN}</h1>" in page and TITLE_RU not in page
    assert "cross-border" in page

    for url in (f"/events/{event.slug}/register", f"/events/{event.slug}/agenda"):
        assert TITLE_RU in russian.get(url).text, url
        assert TITLE_EN in english.get(url).text, url


def test_what_is_only_in_english_shows_in_english_marked_as_such(app, make_event):
    event = make_event(title="Only in English", description="An English description.")
    page = reader(app, "ru").get(f"/events/{event.slug}").text
    assert '<html lang="ru">' in page
    assert '<h1 lang="en">Only in English</h1>' in page
    assert re.search(r'<div class="prose" lang="en">\s*<p>An English description.</p>', page)
    card = reader(app, "ru").get("/").text
    assert re.search(r'<a href="/events/[^"]+" lang="en">Only in English</a>', card)
    # In English it is the page's own language: nothing to mark.
    assert "<h1>Only in English</h1>" in reader(app, "en").get(f"/events/{event.slug}").text


def test_an_event_written_in_russian_falls_back_to_russian_for_english_readers(app, make_event):
    event = make_event(title=TITLE_RU, original_language="ru")
    page = reader(app, None).get(f"/events/{event.slug}").text
    assert f'<h1 lang="ru">{TITLE_RU}</h1>' in page


def test_the_agenda_shows_sessions_in_the_readers_language(app, client, organiser, post, make_session):
    event = create_bilingual_event(post)
    publish(post, event)
    event = reloaded(event.id)
    response = post(
        f"/manage/events/{event.id}/agenda/new",
        {
            "kind": "panel",
            "title": "Data sharing between border agencies",
            "description": "How agencies share data.",
            "title_ru": "Обмен данными между пограничными ведомствами",
            "description_ru": "Как ведомства обмениваются данными.",
            "start": f"{DAY}T09:00",
            "end": f"{DAY}T10:00",
        },
    )
    assert response.status_code == 302, response.text
    # The session's form asks only for the languages other than its event's, which it is written in.
    session_page = client.get(response.headers["Location"]).text
    assert 'name="title_ru"' in session_page and 'name="title_en"' not in session_page

    russian = reader(app, "ru").get(f"/events/{event.slug}/agenda").text
    assert "Обмен данными между пограничными ведомствами" in russian
    assert "Как ведомства обмениваются данными." in russian
    assert "Data sharing between border agencies" not in russian
    english = reader(app, None).get(f"/events/{event.slug}/agenda").text
    assert "Data sharing between border agencies" in english and "Обмен данными" not in english

    # A session with an English title only: shown in English, marked, on the Russian page.
    make_session(
        event, title="Closing remarks by the chair", kind="closing", start_at=event.start_at + timedelta(hours=2)
    )
    russian = reader(app, "ru").get(f"/events/{event.slug}/agenda").text
    assert '<span lang="en">Closing remarks by the chair</span>' in russian


def test_the_agenda_pdf_and_calendar_are_in_the_readers_language(app, organiser, post, make_session, tmp_path):
    event = create_bilingual_event(post)
    publish(post, event)
    event = reloaded(event.id)
    make_session(event, title="Opening panel", translations={"ru": {"title": "Открывающая панель"}})
    russian = reader(app, "ru")
    pdf = russian.get(f"/events/{event.slug}/agenda.pdf")
    assert pdf.status_code == 200
    words = " ".join(pdf_text(pdf.data, tmp_path).split())
    assert "Открывающая панель" in words and TITLE_RU in words
    english_words = " ".join(pdf_text(reader(app, None).get(f"/events/{event.slug}/agenda.pdf").data, tmp_path).split())
    assert "Opening panel" in english_words and "Открывающая" not in english_words

    ics = russian.get(f"/events/{event.slug}/calendar.ics").data.decode()
    unfolded = ics.replace("\r\n ", "")
    assert f"SUMMARY:{TITLE_RU}" in unfolded
    assert "Открывающая панель" in unfolded
    assert f"SUMMARY:{TITLE_EN}" in reader(app, None).get(f"/events/{event.slug}/calendar.ics").data.decode()


def test_presenters_show_their_position_and_bio_in_the_readers_language(app, client, organiser, post, make_event):
    event = make_event(organiser=organiser)
    event_session = create_session(
        event, {"kind": "panel", "title": "Panel", "start_at": event.start_at, "end_at": event.end_at}
    )
    person = people_services.create_person({"full_name": "Aigerim Nurlanova"}, organiser)
    add_participant(event_session, person, "speaker")
    db.session.commit()

    url = f"/manage/events/{event.id}/people/{person.id}"
    page = client.get(url).text
    assert 'name="bio_ru"' in page and 'name="position_ru"' in page and 'name="original_language"' in page
    form = replace(
        form_values(page, "panel"),
        position="Head of the Border Data Unit",
        bio="Aigerim leads the **data unit**.",
        original_language="en",
        position_ru="Руководитель отдела пограничных данных",
        bio_ru="Айгерим руководит **отделом данных**.",
    )
    response = client.post(url, data=form)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.translations == {
        "ru": {"position": "Руководитель отдела пограничных данных", "bio": "Айгерим руководит **отделом данных**."}
    }
    # The log names the change, not the bio itself.
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "person.update")).scalar_one()
    assert "position (ru)" in entry.changes and "bio (ru)" not in entry.changes

    for path in (f"/events/{event.slug}/presenters", f"/people/{person.id}-{person.slug}"):
        russian = reader(app, "ru").get(path).text
        assert "Руководитель отдела пограничных данных" in russian, path
        assert "Айгерим руководит <strong>отделом данных</strong>." in russian, path
        assert "data unit" not in russian, path
        english = reader(app, None).get(path).text
        assert "Aigerim leads the <strong>data unit</strong>." in english and "Айгерим" not in english, path
    # The agenda's line under the speaker's name too.
    assert "Руководитель отдела пограничных данных" in reader(app, "ru").get(f"/events/{event.slug}/agenda").text


def test_a_presenter_gives_their_russian_bio_through_their_own_link(app, make_event, make_session, db):
    event = make_event()
    event_session = make_session(event)
    person = people_services.create_person({"full_name": "Timur Saidov", "email": "timur@example.org", "bio": "Timur."})
    add_participant(event_session, person, "speaker")
    db.session.commit()
    url = f"/people/{person.id}/profile/{people_services.profile_token(person)}"
    client = app.test_client()
    page = client.get(url).text
    assert 'name="bio_ru"' in page
    form = replace(form_values(page, "panel"), bio_ru="Тимур — эксперт.")
    response = client.post(url, data=form)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.bio == "Timur." and person.translation("ru", "bio") == "Тимур — эксперт."
    assert "Тимур — эксперт." in reader(app, "ru").get(f"/people/{person.id}-{person.slug}").text


# --- Search ----------------------------------------------------------------------------------------


def test_the_event_search_finds_words_of_the_translations(app, client, organiser, post):
    event = create_bilingual_event(post)
    publish(post, event)
    visitor = reader(app, None)
    for words in ("Безопасность", "центральной азии", "ТРАНСГРАНИЧНОЕ сотрудничество", "Border"):
        assert TITLE_EN in visitor.get("/", query_string={"q": words}).text, words
    found = reader(app, "ru").get("/", query_string={"q": "трансграничное"}).text
    assert TITLE_RU in found
    assert TITLE_EN not in visitor.get("/", query_string={"q": "таможня"}).text


# --- The forms' words reach the catalogue ----------------------------------------------------------


def test_a_calendar_update_says_how_the_title_changed_in_the_language_it_is_written_in(organiser, make_event, db):
    event = make_event(organiser=organiser, title=TITLE_EN, translations={"ru": {"title": TITLE_RU}})
    services.update_event(event, {"translations": {"ru": {"title": "Новое название"}}}, organiser, None)
    db.session.commit()
    with in_language("ru"):
        assert event_changes(event) == {"title": (TITLE_RU, "Новое название")}
    with in_language("en"):
        assert event_changes(event) == {}  # English calendars show the English title, which stays
    services.update_event(event, {"title": "New title"}, organiser, None)
    with in_language("en"):
        assert event_changes(event) == {"title": (TITLE_EN, "New title")}
    with in_language("ru"):
        assert event_changes(event) == {"title": (TITLE_RU, "Новое название")}


def test_in_the_browser_the_form_asks_only_for_the_languages_other_than_the_one_written_in(page, make_user):
    log_in_browser(page, make_user())
    page.goto("/manage/events/new")
    english, russian = page.locator('fieldset[data-language="en"]'), page.locator('fieldset[data-language="ru"]')
    assert russian.is_visible() and english.is_hidden()
    assert page.locator(".translations-no-script").is_hidden()  # a note for pages without the script
    page.select_option("#original_language", "ru")
    assert english.is_visible() and russian.is_hidden()


def test_a_delegates_own_pages_are_in_their_language(app, make_event, make_session, make_registration):
    event = make_event(title=TITLE_EN, translations={"ru": {"title": TITLE_RU}})
    make_session(event, title="Opening panel", translations={"ru": {"title": "Открывающая панель"}})
    registration = make_registration(event)
    russian = reader(app, "ru")
    for path in ("", "/agenda"):
        page = russian.get(f"/events/{event.slug}/registration/{registration.access_token}{path}").text
        assert TITLE_RU in page and TITLE_EN not in page, path
    agenda = russian.get(f"/events/{event.slug}/registration/{registration.access_token}/agenda").text
    assert "Открывающая панель" in agenda and "Opening panel" not in agenda
