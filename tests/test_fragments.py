"""Parts of pages kept rendered between requests (eventmgr.fragments): the agenda's days, the presenters, an event's
description, facts, featured presenters and organisations.

A kept part must never show what has changed since: every change an organiser or a presenter can make to what the
part shows is made here after the part was kept, and the next reader must see it. A kept part must also be what the
page would be without it, and reading a page whose parts are kept must cost the event's query, not the programme's.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import statements_sent
from PIL import Image

from eventmgr.agenda import services as agenda
from eventmgr.events import services as events
from eventmgr.fragments import fragments, kept
from eventmgr.languages import in_language
from eventmgr.organisations.services import FIELDS, update_organisation
from eventmgr.people.services import create_person, update_person

START = datetime(2031, 9, 10, 4, 0, tzinfo=UTC)  # 10:00 in Almaty


@pytest.fixture
def conference(db, make_event, make_user, make_session, make_organisation):
    """A published conference with two panels, three people (one in an organisation of the directory), a featured
    presenter and a partner organisation."""
    organiser = make_user(name="Olga Organiser")
    border_service = make_organisation("Border Service of Kazakhstan", acronym="BSK")
    partner = make_organisation("Border Management Staff College", acronym="BMSC")
    event = make_event(
        organiser=organiser,
        title="Regional Conference on Border Security",
        kind="conference",
        start_at=START,
        end_at=START + timedelta(days=1, hours=8),
        description="Panels on **risk analysis** and trade corridors.",
        venue_name="Conference Centre",
        venue_city="Borovoe",
        venue_country="KZ",
    )
    events.set_organisations(event, [(border_service.id, "host"), (partner.id, "partner")], organiser)
    first = make_session(event, "Risk analysis across borders", start_at=START, end_at=START + timedelta(hours=1))
    second = make_session(
        event, "Trade corridors", start_at=START + timedelta(hours=2), end_at=START + timedelta(hours=3)
    )
    abenova = create_person(
        {"full_name": "Aigerim Abenova", "position": "Head of Risk Analysis", "organisation_id": border_service.id}
    )
    rahimov = create_person({"full_name": "Farrukh Rahimov", "bio": "Works on *trade facilitation*."})
    sarybay = create_person({"full_name": "Kairat Sarybay", "honorific": "Ambassador"})
    agenda.add_participant(first, abenova, "speaker")
    agenda.add_participant(first, rahimov, "moderator")
    agenda.add_participant(second, sarybay, "chair")
    agenda.add_featured(event, sarybay, "Keynote speaker")
    db.session.commit()
    return {
        "event": event,
        "organiser": organiser,
        "sessions": (first, second),
        "people": (abenova, rahimov, sarybay),
        "organisations": (border_service, partner),
    }


def pages(client, event) -> dict[str, str]:
    return {
        name: client.get(path).text
        for name, path in (
            ("event", f"/events/{event.slug}"),
            ("agenda", f"/events/{event.slug}/agenda"),
            ("presenters", f"/events/{event.slug}/presenters"),
        )
    }


def rename(organisation, name: str) -> None:
    update_organisation(organisation, {key: getattr(organisation, key) for key in FIELDS} | {"name": name})


def photo() -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", (300, 300), (40, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_every_change_to_what_a_kept_part_shows_reaches_the_next_reader(app, db, conference):
    event, organiser = conference["event"], conference["organiser"]
    first, second = conference["sessions"]
    abenova, rahimov, sarybay = conference["people"]
    border_service, partner = conference["organisations"]
    reader = app.test_client()
    seen = pages(reader, event)
    assert "Risk analysis across borders" in seen["agenda"] and "Keynote speaker" in seen["event"]
    assert len(fragments) > 0  # the parts are kept from now on

    def change(make, *expected, absent=()):
        make()
        db.session.commit()
        now = pages(reader, event)
        for page, text in expected:
            assert text in now[page], (page, text)
        for page, text in absent:
            assert text not in now[page], (page, text)

    # A session: its title, time and room.
    change(
        lambda: agenda.update_session(first, {"title": "Risk analysis and data sharing", "room": "Hall B"}),
        ("agenda", "Risk analysis and data sharing"),
        ("agenda", "Hall B"),
        ("presenters", "Risk analysis and data sharing"),
        absent=[("agenda", "Risk analysis across borders")],
    )
    # A person: name, position, bio, photo; their organisation's name.
    change(
        lambda: update_person(abenova, {"full_name": "Aigerim Abenova-Sultan", "position": "Director"}),
        ("agenda", "Aigerim Abenova-Sultan"),
        ("presenters", "Director"),
        absent=[("agenda", "Head of Risk Analysis")],
    )
    change(lambda: update_person(rahimov, {"bio": "Leads the *customs* reform."}), ("presenters", "<em>customs</em>"))
    change(
        lambda: update_person(sarybay, {}, photo=photo()), ("presenters", "/photo/small/"), ("event", "/photo/small/")
    )
    change(
        lambda: rename(border_service, "State Border Service"),
        ("agenda", "State Border Service"),
        absent=[("agenda", "Border Service of Kazakhstan")],
    )
    # The people on a session, the featured presenters, the presenters' order.
    change(
        lambda: agenda.add_participant(second, rahimov, "speaker"),
        ("agenda", "Trade corridors"),
    )
    assert pages(reader, event)["presenters"].count("Trade corridors") == 2
    change(
        lambda: agenda.add_featured(event, rahimov, "Panel moderator"),
        ("event", "Panel moderator"),
        ("presenters", "Panel moderator"),
    )
    order = pages(reader, event)["presenters"]
    assert order.index("Farrukh Rahimov") < order.index("Aigerim Abenova-Sultan")
    agenda.change_featured(event, agenda.featured_presenters(event)[1], "remove")
    agenda.move_presenter(event, abenova, "up")
    db.session.commit()
    order = pages(reader, event)["presenters"]
    assert order.index("Aigerim Abenova-Sultan") < order.index("Farrukh Rahimov")
    # The event: its description, its place, its partners.
    change(
        lambda: events.update_event(
            event, {"description": "Panels on *customs*.", "venue_name": "Rixos Borovoe"}, organiser, event.version
        ),
        ("event", "<em>customs</em>"),
        ("event", "Rixos Borovoe"),
        absent=[("event", "trade corridors.")],
    )
    change(
        lambda: rename(partner, "OSCE Border Management Staff College"),
        ("event", "OSCE Border Management Staff College"),
    )
    # A translation, read in its language; the session's end, read in another zone.
    change(lambda: first.set_translation("ru", "title", "Анализ рисков"))
    reader.set_cookie("language", "ru")
    assert "Анализ рисков" in reader.get(f"/events/{event.slug}/agenda").text
    reader.delete_cookie("language")
    assert "Анализ рисков" not in reader.get(f"/events/{event.slug}/agenda").text
    vienna = f"/events/{event.slug}/agenda?tz=Europe/Vienna"
    assert "08:00–09:00" in reader.get(vienna).text  # CEST: UTC+2
    change(lambda: agenda.update_session(second, {"end_at": START + timedelta(hours=2, minutes=45)}))
    assert "08:00–08:45" in reader.get(vienna).text
    # Cancelled: the sessions lose their calendar links.
    change(
        lambda: events.cancel_event(event, organiser, "Postponed."),
        ("event", "This event is cancelled."),
    )


def test_a_kept_part_is_what_the_page_would_be_without_it(app, db, conference):
    event = conference["event"]
    reader = app.test_client()
    kept_once, kept_twice = pages(reader, event), pages(reader, event)
    app.config["FRAGMENT_CACHE_BYTES"] = 0
    fragments.clear()
    try:
        whole = pages(reader, event)
    finally:
        app.config["FRAGMENT_CACHE_BYTES"] = 16 * 1024 * 1024
    assert len(fragments) == 0  # with no room, nothing was kept
    assert kept_once == kept_twice == whole


def test_a_page_whose_parts_are_kept_reads_the_event_and_not_its_programme(app, db, conference):
    event = conference["event"]
    reader = app.test_client()

    def statements(path):
        db.session.expire_all()
        with statements_sent(db) as sent:
            assert reader.get(path).status_code == 200
        return len(sent)

    for path, reads in (
        (f"/events/{event.slug}/agenda", 1),  # the event
        (f"/events/{event.slug}/presenters", 1),
        (f"/events/{event.slug}", 3),  # the event, related events, published documents
    ):
        first = statements(path)
        assert statements(path) == reads < first, path


def test_the_store_is_bounded_and_knows_the_readers_language(app):
    app.config["FRAGMENT_CACHE_BYTES"] = 10_000
    built = []

    def build(text):
        built.append(text)
        return text

    try:
        with app.test_request_context("/"):
            assert kept(("part", 1), lambda: build("a" * 6000)) == "a" * 6000
            assert kept(("part", 1), lambda: build("never")) == "a" * 6000  # kept
            kept(("part", 2), lambda: build("b" * 6000))  # pushes the first out: 12,000 bytes > 10,000
            assert kept(("part", 1), lambda: build("again")) == "again"
            kept(("huge",), lambda: build("c" * 20_000))  # bigger than the store: built, never kept
            assert kept(("huge",), lambda: build("d")) == "d"
        with app.test_request_context("/"), in_language("ru"):
            assert kept(("part", 1), lambda: build("по-русски")) == "по-русски"
    finally:
        app.config["FRAGMENT_CACHE_BYTES"] = 16 * 1024 * 1024
    assert built == ["a" * 6000, "b" * 6000, "again", "c" * 20_000, "d", "по-русски"]


def test_a_select_draws_its_kept_options_as_wtforms_would(app):
    from wtforms import SelectField
    from wtforms.fields.choices import SelectChoice
    from wtforms.widgets import Select

    from eventmgr.forms import KEPT_OPTIONS_SELECT, Form, select_choices

    class Choices(Form):
        country = SelectField(
            "Country", choices=select_choices([("", "Choose…"), ("KZ", "Kazakhstan"), ("AT", "Austria & <co>")])
        )
        organisation = SelectField("Organisation", coerce=lambda v: int(v) if v else None)
        kind = SelectField("Kind", choices=select_choices({"a": "First", "b": None}))
        zone = SelectField(
            "Zone",
            choices=[
                SelectChoice("Asia/Almaty", "Almaty", optgroup="Asia"),
                SelectChoice("Europe/Vienna", "Vienna", optgroup="Europe"),
            ],
        )

    with app.test_request_context("/"):
        for data in ({}, {"country": "AT", "organisation": 2, "kind": "b", "zone": "Europe/Vienna"}):
            form = Choices(meta={"csrf": False}, data=data)
            form.organisation.choices = lambda: select_choices([("", "(not in the list)"), (1, "OSCE"), (2, "UNODC")])
            for field in form:
                assert field.widget is KEPT_OPTIONS_SELECT
                kept_twice = (field(class_="wide"), field(class_="wide"))
                assert kept_twice[0] == kept_twice[1] == Select()(field, class_="wide"), field.name
            assert ('<option selected value="AT">' in form.country()) == bool(data)


def test_the_event_pages_published_documents_follow_each_new_version(app, db, conference):
    from eventmgr.documents import services as documents

    event, organiser = conference["event"], conference["organiser"]
    reader = app.test_client()
    assert "Outcome documents" not in reader.get(f"/events/{event.slug}").text
    document = documents.create_document(event, {"title": "Final conclusions", "reference": "RC/1"}, organiser)
    documents.import_text(document, "# Final conclusions\n\n(1) The participants agreed to meet again.", organiser)
    documents.publish(document, organiser)
    db.session.commit()
    page = reader.get(f"/events/{event.slug}").text
    assert "Final conclusions" in page and "version 2" not in page
    documents.update_document(
        document, {"kind": document.kind, "title": "Final recommendations", "language": "en"}, organiser
    )
    documents.publish(document, organiser, note="The title says what the document is.")
    db.session.commit()
    page = reader.get(f"/events/{event.slug}").text
    assert "Final recommendations" in page and "version 2" in page


def test_a_blank_registration_form_is_kept_but_its_token_and_what_it_asks_are_not(
    app, db, conference, make_organisation
):
    from eventmgr.registration import services as registration

    event = conference["event"]
    path = f"/events/{event.slug}/register"
    first, second = app.test_client(), app.test_client()

    def token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    one, other = first.get(path).text, second.get(path).text
    assert token(one) != token(other)  # each visitor's own, drawn outside the kept fields
    assert one.replace(token(one), "") == other.replace(token(other), "")
    registration.add_question(event, {"label": "Which panel will you speak on?", "kind": "short_text"})
    make_organisation("Customs Committee of Kazakhstan")
    db.session.commit()
    page = first.get(path).text
    assert "Which panel will you speak on?" in page and "Customs Committee of Kazakhstan" in page
    # A form that holds something is drawn for its reader alone.
    assert 'value="aida@example.kz"' in first.get(path + "?email=aida@example.kz").text
    assert 'value="aida@example.kz"' not in second.get(path).text
