"""The programme: sessions and their people, the editor's checks, the public agenda and presenters, the personal
agenda, the PDF and what its renderer may fetch.

Services are called directly where a rule is about data; organisers and readers go through the test client.
"""

import html
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from conftest import csrf_token
from helpers import count, field_errors, flashes, pdf_words, statements_sent, text_of
from PIL import Image
from sqlalchemy import select

from eventmgr.agenda import services
from eventmgr.agenda.models import EventSession, FeaturedPresenter, PersonalAgendaItem, SessionParticipant
from eventmgr.errors import EventMgrError
from eventmgr.people.models import Person
from eventmgr.people.photos import process_photo
from eventmgr.people.services import create_person
from eventmgr.registration import services as registration_services

ALMATY = ZoneInfo("Asia/Almaty")
YEAR = 2030  # 24-25 July 2030 are a Wednesday and a Thursday


# --- Helpers ---------------------------------------------------------------------------------------


def local(day: int, hour: int, minute: int = 0, month: int = 7, tz=ALMATY) -> datetime:
    """A time on a July day of YEAR in the zone, as the UTC moment the database keeps."""
    return datetime(YEAR, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def person(full_name, **fields):
    return create_person({"full_name": full_name} | fields)


def photo_bytes(color=(30, 90, 150), size=(320, 400), kind="JPEG") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, kind)
    return buffer.getvalue()


def input_time(page: str, name: str) -> datetime:
    """The value of a datetime-local input, in either of the forms browsers accept."""
    return datetime.fromisoformat(re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]+)"', page).group(1))


@pytest.fixture
def organiser(make_user, login):
    user = make_user(name="Olga Organiser")
    login(user)
    return user


@pytest.fixture
def borovoe(make_event, organiser):
    """The 3rd Issyk-Kul Initiative conference in Borovoe, 24-25 July, run by the logged-in organiser."""
    return make_event(
        organiser=organiser,
        title="3rd Regional Conference on Border Security in Central Asia",
        kind="conference",
        start_at=local(24, 9),
        end_at=local(25, 18),
        venue_name="Rixos Borovoe",
        venue_city="Borovoe",
        venue_country="KZ",
        description="Thematic panel discussions of the Issyk-Kul Initiative.",
    )


@pytest.fixture
def programme(db, borovoe, make_session):
    """Borovoe's opening, its three thematic panels over two days, a break, and the panels' people."""
    osce = {"position": "Programme Manager, Transnational Threats Department", "organisation_name": "OSCE"}
    sarybay = person("Kairat Sarybay", honorific="Ambassador", country="KZ", email="k.sarybay@example.org")
    abenova = person(
        "Aigerim Abenova",
        position="Head of Risk Analysis",
        organisation_name="Border Service of Kazakhstan",
        country="KZ",
        email="a.abenova@example.kz",
    )
    rahimov = person("Farrukh Rahimov", country="TJ", **osce)
    opening = make_session(borovoe, "", kind="opening", start_at=local(24, 9), end_at=local(24, 9, 30))
    general = make_session(
        borovoe,
        "General challenges of border management in Central Asia and Afghanistan",
        start_at=local(24, 9, 30),
        end_at=local(24, 11),
        room="Hall A",
    )
    coffee = make_session(borovoe, "", kind="break", start_at=local(24, 11), end_at=local(24, 11, 30))
    integrated = make_session(
        borovoe,
        "The integrated border management approach",
        start_at=local(24, 14),
        end_at=local(24, 15, 30),
        room="Hall A",
    )
    capacity = make_session(
        borovoe,
        "Needs and priorities for capacity building",
        start_at=local(25, 9, 30),
        end_at=local(25, 11),
        room="Hall B",
    )
    services.add_participant(opening, sarybay, "host")
    services.add_participant(general, sarybay, "moderator")
    services.add_participant(general, abenova, "speaker", "Risk analysis at the southern border")
    services.add_participant(general, rahimov, "speaker")
    services.add_participant(integrated, rahimov, "chair")
    services.add_participant(capacity, abenova, "discussant")
    db.session.commit()
    return {
        "event": borovoe,
        "opening": opening,
        "general": general,
        "coffee": coffee,
        "integrated": integrated,
        "capacity": capacity,
        "sarybay": sarybay,
        "abenova": abenova,
        "rahimov": rahimov,
    }


# --- Sessions and their rules ----------------------------------------------------------------------


def test_an_organiser_adds_a_session_in_the_events_own_time_and_it_is_kept_in_utc(client, db, borovoe, post):
    url = f"/manage/events/{borovoe.id}/agenda/new"
    response = post(
        url,
        {
            "kind": "panel",
            "title": "The integrated border management approach",
            "description": "Its advantages for **more effective** border management.",
            "start": f"{YEAR}-07-24T14:00",
            "end": f"{YEAR}-07-24T15:30",
            "room": "  Hall   A ",
        },
    )
    assert response.status_code == 302
    created = db.session.execute(select(EventSession)).scalar_one()
    assert response.location == f"/manage/events/{borovoe.id}/agenda/{created.id}"
    assert (created.start_at, created.end_at) == (local(24, 14), local(24, 15, 30))
    assert created.room == "Hall A" and created.kind == "panel"
    # The editor shows the times back in the event's zone, as they were typed.
    page = client.get(response.location).text
    assert input_time(page, "start") == datetime(YEAR, 7, 24, 14) and input_time(page, "end") == datetime(
        YEAR, 7, 24, 15, 30
    )
    # A new session's form starts where the last one ends.
    assert input_time(client.get(url).text, "start") == datetime(YEAR, 7, 24, 15, 30)


def test_opening_remarks_breaks_and_closing_are_named_after_their_kind_when_left_untitled(borovoe, make_session):
    opening = make_session(borovoe, "  ", kind="opening", start_at=local(24, 9), end_at=local(24, 9, 30))
    assert opening.title == "Opening or welcoming remarks"
    with pytest.raises(EventMgrError) as refused:
        make_session(borovoe, "", start_at=local(24, 10), end_at=local(24, 11))
    assert refused.value.field == "title"


@pytest.mark.parametrize(
    "start, end, field, message",
    [
        ("2030-07-24T08:00", "2030-07-24T09:30", "start", "The session must start within the event's time"),
        ("2030-07-25T17:00", "2030-07-25T19:00", "end", "The session must end by the event's end"),
        ("2030-07-24T11:00", "2030-07-24T10:00", "end", "The session must end after it starts."),
        ("2030-07-24T11:00", "2030-07-24T11:00", "end", "The session must end after it starts."),
        ("2030-07-26T10:00", "2030-07-26T11:00", "start", "The session must start within the event's time"),
    ],
)
def test_a_session_outside_the_event_or_ending_before_it_starts_is_refused(
    db, borovoe, post, start, end, field, message
):
    response = post(
        f"/manage/events/{borovoe.id}/agenda/new",
        {"kind": "panel", "title": "Joint risk analysis", "start": start, "end": end},
    )
    assert response.status_code == 422
    assert field_errors(response)[field].startswith(message)
    assert count(db, EventSession) == 0


def test_a_session_moved_outside_the_event_is_refused_and_left_as_it_was(db, programme, post):
    general = programme["general"]
    url = f"/manage/events/{programme['event'].id}/agenda/{general.id}"
    response = post(
        url,
        {
            "kind": "panel",
            "title": general.title,
            "start": f"{YEAR}-07-24T09:30",
            "end": f"{YEAR}-07-26T09:30",
            "room": "Hall A",
        },
    )
    assert response.status_code == 422
    assert field_errors(response)["end"].startswith("The session must end by the event's end")
    db.session.expire_all()
    assert db.session.get(EventSession, general.id).end_at == local(24, 11)


def test_overlaps_in_one_room_and_a_person_in_two_places_are_warnings_not_errors(client, db, programme, post):
    event, rahimov = programme["event"], programme["rahimov"]
    # A side meeting in Hall A during the first panel is saved, with a warning.
    response = post(
        f"/manage/events/{event.id}/agenda/new",
        {
            "kind": "other",
            "title": "Side meeting on FRONTEX cooperation",
            "start": f"{YEAR}-07-24T10:00",
            "end": f"{YEAR}-07-24T10:45",
            "room": "hall  a",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    side = db.session.execute(select(EventSession).filter_by(title="Side meeting on FRONTEX cooperation")).scalar_one()
    assert (
        "“General challenges of border management in Central Asia and Afghanistan” and “Side meeting on "
        "FRONTEX cooperation” overlap in Hall A." in flashes(response)
    )
    # Putting a panellist of the first panel in it is saved too, with a second warning.
    response = post(
        f"/manage/events/{event.id}/agenda/{side.id}/participants",
        {"person_id": rahimov.id, "role": "speaker"},
        token_from=f"/manage/events/{event.id}/agenda",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert any(message.startswith("Farrukh Rahimov is in both") for message in flashes(response))
    assert count(db, SessionParticipant, SessionParticipant.session_id == side.id) == 1
    editor = client.get(f"/manage/events/{event.id}/agenda")
    assert "2 things to check" in editor.text
    assert editor.text.count('class="has-warning"') == 2  # the panel and the side meeting, nothing else

    warnings = services.agenda_warnings(event, services.event_sessions(event))
    assert sorted(w.kind for w in warnings) == ["person", "room"]
    assert all(set(w.session_ids) == {programme["general"].id, side.id} for w in warnings)


def test_sessions_that_only_touch_or_are_in_different_rooms_raise_no_warning(db, programme, make_session):
    event = programme["event"]
    make_session(
        event, "Press briefing", kind="other", start_at=local(24, 10), end_at=local(24, 10, 30), room="Press room"
    )
    make_session(event, "Follow-up in Hall A", start_at=local(24, 11), end_at=local(24, 12), room="Hall A")
    assert services.agenda_warnings(event, services.event_sessions(event)) == []


def test_participants_keep_the_order_and_roles_the_organiser_gives_them(client, db, programme, post):
    event, general = programme["event"], programme["general"]
    base = f"/manage/events/{event.id}/agenda/{general.id}"
    names = lambda: [p.person.full_name for p in services.get_session(event, general.id).participants]  # noqa: E731
    assert names() == ["Kairat Sarybay", "Aigerim Abenova", "Farrukh Rahimov"]
    new = post(
        f"{base}/participants",
        {
            "person-full_name": "Bolat Nurgaliyev",
            "person-honorific": "Ambassador",
            "role": "discussant",
            "talk_title": "Lessons from the CICA space",
        },
        token_from=base,
    )
    assert new.status_code == 302
    db.session.expire_all()
    assert names()[-1] == "Bolat Nurgaliyev"
    rahimov_part = db.session.execute(
        select(SessionParticipant).filter_by(session_id=general.id, person_id=programme["rahimov"].id)
    ).scalar_one()
    assert post(f"{base}/participants/{rahimov_part.id}/up", token_from=base).status_code == 302
    db.session.expire_all()
    assert names() == ["Kairat Sarybay", "Farrukh Rahimov", "Aigerim Abenova", "Bolat Nurgaliyev"]
    sarybay_part = services.get_session(event, general.id).participants[0]
    assert post(f"{base}/participants/{sarybay_part.id}/remove", token_from=base).status_code == 302
    db.session.expire_all()
    parts = services.get_session(event, general.id).participants
    assert [(p.person.full_name, p.role, p.talk_title, p.position) for p in parts] == [
        ("Farrukh Rahimov", "speaker", None, 0),
        ("Aigerim Abenova", "speaker", "Risk analysis at the southern border", 1),
        ("Bolat Nurgaliyev", "discussant", "Lessons from the CICA space", 2),
    ]
    # The same person twice, a role not on the list, or a participant of another session are refused.
    twice = post(f"{base}/participants", {"person_id": programme["abenova"].id, "role": "chair"}, token_from=base)
    assert twice.status_code == 422
    assert field_errors(twice)["person_id"] == "Aigerim Abenova is already in this session."
    assert (
        post(
            f"{base}/participants", {"person_id": programme["sarybay"].id, "role": "keynote"}, token_from=base
        ).status_code
        == 422
    )
    other_part = programme["capacity"].participants[0]
    assert post(f"{base}/participants/{other_part.id}/remove", token_from=base).status_code == 404
    assert count(db, SessionParticipant, SessionParticipant.session_id == general.id) == 3


def test_a_deleted_session_takes_its_people_list_and_delegates_choices_with_it(db, programme, post, make_registration):
    event, general = programme["event"], programme["general"]
    registration = make_registration(event, "aida@example.kz", family_name="Nurlanova")
    services.set_personal_agenda(registration, [general.id])
    db.session.commit()
    general_id, sarybay_id = general.id, programme["sarybay"].id
    url = f"/manage/events/{event.id}/agenda/{general_id}/delete"
    assert post(url, token_from=f"/manage/events/{event.id}/agenda").status_code == 302
    db.session.expire_all()
    assert db.session.get(EventSession, general_id) is None
    assert count(db, SessionParticipant, SessionParticipant.session_id == general_id) == 0
    assert count(db, PersonalAgendaItem) == 0
    assert db.session.get(Person, sarybay_id) is not None  # the people stay in the directory


# --- The public agenda -----------------------------------------------------------------------------


def test_the_agenda_lists_sessions_by_day_in_the_events_zone_with_people_linking_to_their_bios(client, programme):
    event = programme["event"]
    response = client.get(f"/events/{event.slug}/agenda")
    assert response.status_code == 200
    page = response.text
    days = re.findall(r'<h2 id="day-\d+">(.*?)</h2>', page)
    assert days == [f"Wednesday, 24 July {YEAR}", f"Thursday, 25 July {YEAR}"]
    text = text_of(response)
    assert "Times are shown in" in text and "(Asia/Almaty, GMT+0" in text and "the event's own time zone" in text
    # In order, in local time, with rooms, kinds and roles.
    order = [
        text.index(title)
        for title in (
            "Opening or welcoming remarks",
            "General challenges of border management",
            "The integrated border management approach",
            "Needs and priorities for capacity building",
        )
    ]
    assert order == sorted(order)
    assert "09:30–11:00 Hall A" in text and "14:00–15:30 Hall A" in text and "09:30–11:00 Hall B" in text
    sarybay, abenova = programme["sarybay"], programme["abenova"]
    assert f'<a href="/people/{sarybay.id}-kairat-sarybay">Ambassador Kairat Sarybay</a>' in page
    assert "Moderator: Ambassador Kairat Sarybay" in text
    assert (
        "Speaker: Aigerim Abenova , Head of Risk Analysis, Border Service of Kazakhstan · Risk analysis at the "
        "southern border" in text
    )
    assert f'href="/people/{abenova.id}-aigerim-abenova"' in page
    # Private addresses stay private; a break is a plain line; nothing is marked before the event.
    assert "example.org" not in page and "example.kz" not in page
    assert 'class="agenda-item kind-break"' in page
    assert "Happening now" not in page and "Up next" not in page


def test_readers_switch_the_agenda_to_their_own_time_zone_without_javascript(client, programme):
    event = programme["event"]
    page = client.get(f"/events/{event.slug}/agenda").text
    # A plain GET form: it works with scripts off, one click more.
    form = re.search(r'<form method="get" action="(/events/[^"]+/agenda)" class="tz-form".*?</form>', page, re.S)
    assert form and form.group(1) == f"/events/{event.slug}/agenda"
    assert 'name="tz"' in form.group(0) and 'type="submit"' in form.group(0)
    assert '<option value="Europe/Brussels"' in form.group(0)

    brussels = client.get(f"/events/{event.slug}/agenda", query_string={"tz": "Europe/Brussels"})
    text = text_of(brussels)
    start = local(24, 9, 30).astimezone(ZoneInfo("Europe/Brussels"))
    end = local(24, 11).astimezone(ZoneInfo("Europe/Brussels"))
    assert f"{start:%H:%M}–{end:%H:%M} Hall A" in text
    assert "(Europe/Brussels, GMT+02:00)" in text and "or in the event's own time zone" in text
    assert '<option value="Europe/Brussels" selected>' in brussels.text
    assert f'href="/events/{event.slug}/agenda.pdf?tz=Europe/Brussels"' in brussels.text
    # Far enough west, each day's sessions start on the day before.
    los_angeles = client.get(f"/events/{event.slug}/agenda", query_string={"tz": "America/Los_Angeles"})
    assert re.findall(r'<h2 id="day-\d+">(.*?)</h2>', los_angeles.text) == [
        f"Tuesday, 23 July {YEAR}",
        f"Wednesday, 24 July {YEAR}",
    ]

    unknown = client.get(f"/events/{event.slug}/agenda", query_string={"tz": "Mars/Olympus_Mons"})
    assert unknown.status_code == 200
    assert "We do not know that time zone; times are shown in the event's own." in flashes(unknown)
    assert "09:30–11:00 Hall A" in text_of(unknown)


def test_during_the_event_the_current_and_next_sessions_are_marked(client, db, make_event, organiser, make_session):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    event = make_event(
        organiser=organiser,
        title="Central Asia Border Challenges",
        start_at=now - timedelta(hours=2),
        end_at=now + timedelta(hours=4),
    )
    hours = lambda n: now + timedelta(hours=n)  # noqa: E731
    welcome = make_session(event, "", kind="opening", start_at=hours(-2), end_at=hours(-1))
    running = make_session(event, "Cross-border threats", start_at=hours(-0.5), end_at=hours(0.5))
    following = make_session(event, "Foreign terrorist fighters", start_at=hours(1), end_at=hours(2))
    parallel = make_session(event, "Illicit financial flows", start_at=hours(1), end_at=hours(2), room="Second stream")
    later = make_session(event, "", kind="closing", start_at=hours(3), end_at=hours(4))
    page = client.get(f"/events/{event.slug}/agenda").text
    marked = dict(
        re.findall(r'class="agenda-item kind-\w+(?: is-(\w+))?" id="session-(\d+)"', page)[i][::-1] for i in range(5)
    )
    assert marked == {
        str(welcome.id): "",
        str(running.id): "current",
        str(following.id): "next",
        str(parallel.id): "next",
        str(later.id): "",
    }
    assert page.count("Happening now") == 1 and page.count("Up next") == 2
    assert f'id="session-{running.id}" aria-current="time"' in page
    # Before and after the event, and for a cancelled one, nothing is marked.
    assert services.session_marks(event, now - timedelta(hours=3)) == {}
    assert services.session_marks(event, now + timedelta(hours=5)) == {}
    assert services.session_marks(event, now + timedelta(minutes=45)) == {
        following.id: "next",
        parallel.id: "next",
    }


def test_a_sessions_description_is_markdown_rendered_harmless(client, db, programme):
    general = programme["general"]
    services.update_session(
        general,
        {
            "description": "Key topics:\n\n* **Risk analysis**\n* Drug trafficking\n\n"
            "<script>alert('agenda')</script>[Report](javascript:alert(1))"
            '<img src="x" onerror="alert(1)">'
        },
    )
    db.session.commit()
    page = client.get(f"/events/{programme['event'].slug}/agenda").text
    description = re.search(r'<div class="prose agenda-description">(.*?)</div>', page, re.S).group(1)
    assert "<li><strong>Risk analysis</strong></li>" in description
    for harmful in ("<script", "javascript:", "<img", "onerror"):
        assert harmful not in description.lower()


@pytest.mark.parametrize("status, visibility", [("draft", "public"), ("published", "private")])
def test_the_programme_of_a_draft_or_private_event_is_not_found(
    app, client, db, make_event, make_session, status, visibility
):
    event = make_event(status=status, visibility=visibility, title="Closed-door consultations")
    make_session(event, "Closed-door consultations", start_at=event.start_at, end_at=event.end_at)
    stranger = app.test_client()
    for path in ("agenda", "agenda.pdf", "presenters"):
        response = stranger.get(f"/events/{event.slug}/{path}")
        assert response.status_code == 404, path
        assert b"Closed-door" not in response.data


def test_an_old_slug_leads_to_the_agenda_under_the_new_one(client, db, programme):
    from eventmgr.events.services import update_event

    event = programme["event"]
    old = event.slug
    update_event(event, {"slug": "issyk-kul-3-borovoe"}, event.roles[0].user, None)
    db.session.commit()
    response = client.get(f"/events/{old}/agenda", query_string={"tz": "Europe/Brussels"})
    assert response.status_code == 301
    assert response.location == "/events/issyk-kul-3-borovoe/agenda?tz=Europe/Brussels"


# --- Presenters ------------------------------------------------------------------------------------


@pytest.fixture
def webinar(db, make_event, make_organisation, organiser, make_session):
    """The webinar "Central Asia Border Challenges" with its featured presenters and one panel."""
    unodc = make_organisation("United Nations Office on Drugs and Crime", acronym="UNODC", kind="international")
    event = make_event(organiser=organiser, title="Central Asia Border Challenges")
    host = person(
        "Nodira Karimova",
        honorific="Ms.",
        position="Programme Officer",
        organisation_id=unodc.id,
        country="UZ",
        bio="Works on **border security** in Central Asia.",
        email="n.karimova@example.org",
    )
    create = process_photo(photo_bytes())
    from eventmgr.people.services import _store_photo

    _store_photo(host, create)
    expert = person("Erlan Dzhaksybekov", position="Senior Adviser", organisation_name="BOMCA", country="KG")
    speaker = person("Timur Saidov", position="Researcher", organisation_name="Institute of Strategic Studies")
    panel = make_session(event, "Cross-border threats")
    services.add_participant(panel, host, "host")
    services.add_participant(panel, speaker, "speaker", "Illicit financial flows")
    services.add_featured(event, host, "Webinar hosting presenter")
    services.add_featured(event, expert, "Webinar hosting presenter")
    db.session.commit()
    return {"event": event, "host": host, "expert": expert, "speaker": speaker, "panel": panel}


def test_the_presenters_page_shows_featured_presenters_first_then_everyone_in_the_programme(client, webinar):
    event, host = webinar["event"], webinar["host"]
    response = client.get(f"/events/{event.slug}/presenters")
    assert response.status_code == 200
    text = text_of(response)
    featured, others = text.split("Also in the programme")
    assert featured.index("Nodira Karimova") < featured.index("Erlan Dzhaksybekov")
    assert featured.count("Webinar hosting presenter") == 2
    assert (
        "Ms. Nodira Karimova Programme Officer United Nations Office on Drugs and Crime (UNODC) · Uzbekistan "
        "Works on border security in Central Asia." in featured
    )
    assert "Host, Cross-border threats" in featured
    assert "Senior Adviser BOMCA · Kyrgyzstan" in featured
    assert "Timur Saidov" in others and "Nodira Karimova" not in others
    assert "Speaker, Cross-border threats" in others and "Illicit financial flows" in others
    assert "<strong>border security</strong>" in response.text
    photo = f'src="/people/{host.id}/photo/small/{host.photo.url_digest}.jpg"'
    assert photo in response.text
    assert "n.karimova@example.org" not in response.text
    # The event's own page shows the featured presenters too, with their role labels.
    detail = text_of(client.get(f"/events/{event.slug}"))
    assert "Featured presenters" in detail and "Webinar hosting presenter Ms. Nodira Karimova" in detail


def test_an_organiser_features_presenters_labels_and_reorders_them(client, db, webinar, post):
    event = webinar["event"]
    url = f"/manage/events/{event.id}/presenters"
    added = post(url, {"person_id": webinar["speaker"].id, "role_label": "Keynote speaker"})
    assert added.status_code == 302
    db.session.expire_all()
    entries = services.featured_presenters(event)
    assert [(e.person.full_name, e.role_label) for e in entries] == [
        ("Nodira Karimova", "Webinar hosting presenter"),
        ("Erlan Dzhaksybekov", "Webinar hosting presenter"),
        ("Timur Saidov", "Keynote speaker"),
    ]
    assert post(f"{url}/{entries[2].id}/up", token_from=url).status_code == 302
    assert post(f"{url}/{entries[0].id}/label", {"role_label": "  Moderator "}, token_from=url).status_code == 302
    assert post(f"{url}/{entries[1].id}/remove", token_from=url).status_code == 302
    db.session.expire_all()
    assert [(e.person.full_name, e.role_label, e.position) for e in services.featured_presenters(event)] == [
        ("Nodira Karimova", "Moderator", 0),
        ("Timur Saidov", "Keynote speaker", 1),
    ]
    assert db.session.get(Person, webinar["expert"].id) is not None
    # A new person typed into the form is created and featured in one go; featuring anyone twice is refused.
    assert (
        post(
            url,
            {
                "person-full_name": "Gulnara Iskakova",
                "person-position": "Director",
                "role_label": "Webinar hosting presenter",
            },
        ).status_code
        == 302
    )
    twice = post(url, {"person_id": webinar["host"].id, "role_label": "Host"})
    assert twice.status_code == 422 and field_errors(twice)["person_id"] == "Nodira Karimova is already featured."
    page = text_of(client.get(f"/events/{event.slug}/presenters"))
    assert page.index("Nodira Karimova") < page.index("Timur Saidov") < page.index("Gulnara Iskakova")


def test_a_participant_of_another_event_cannot_be_relabelled_through_this_one(db, webinar, make_event, post):
    other = make_event(title="Another webinar")
    foreign = services.add_featured(other, webinar["expert"], "Moderator")
    db.session.commit()
    url = f"/manage/events/{webinar['event'].id}/presenters"
    assert post(f"{url}/{foreign.id}/label", {"role_label": "Hijacked"}, token_from=url).status_code == 404
    db.session.expire_all()
    assert db.session.get(FeaturedPresenter, foreign.id).role_label == "Moderator"


# --- Queries ---------------------------------------------------------------------------------------


def build_programme(
    db,
    make_event,
    make_session,
    make_organisation,
    organiser,
    sessions: int,
    people_per_session: int,
    featured: int,
    photos: bool,
):
    """An event with `sessions` sessions over two days, each with its own people, organisations and photos."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    event = make_event(
        organiser=organiser, title=f"Programme of {sessions}", start_at=start, end_at=start + timedelta(days=2)
    )
    processed = process_photo(photo_bytes()) if photos else None
    from eventmgr.people.services import _store_photo

    people = []
    for n in range(sessions):
        session = make_session(
            event,
            f"Panel {n}",
            start_at=start + timedelta(minutes=90 * n),
            end_at=start + timedelta(minutes=90 * n + 80),
            room=f"Room {n % 3}",
        )
        for k in range(people_per_session):
            organisation = make_organisation(f"Agency {n}-{k}", acronym=f"A{n}{k}") if photos else None
            someone = person(
                f"Speaker {n} {k}",
                position="Head of Department",
                country="KZ",
                organisation_id=organisation.id if organisation else None,
                bio="A **bio**.",
            )
            if processed:
                _store_photo(someone, processed)
            services.add_participant(session, someone, ("chair", "speaker", "discussant", "moderator")[k % 4])
            people.append(someone)
    for someone in people[:featured]:
        services.add_featured(event, someone, "Webinar hosting presenter")
    db.session.commit()
    return event, people


def test_the_agenda_presenters_and_person_pages_take_the_same_number_of_queries_however_big_the_programme(
    app, db, make_event, make_session, make_organisation, organiser
):
    small, small_people = build_programme(
        db,
        make_event,
        make_session,
        make_organisation,
        organiser,
        sessions=2,
        people_per_session=1,
        featured=1,
        photos=False,
    )
    big, big_people = build_programme(
        db,
        make_event,
        make_session,
        make_organisation,
        organiser,
        sessions=30,
        people_per_session=4,
        featured=6,
        photos=True,
    )
    # The busiest person of the big programme is in three sessions of it.
    for session in services.event_sessions(big)[1:3]:
        services.add_participant(session, big_people[0], "speaker")
    db.session.commit()
    reader = app.test_client()

    def queries(path):
        db.session.expire_all()
        with statements_sent(db) as statements:
            response = reader.get(path)
        assert response.status_code == 200, path
        return len(statements), response

    for page in ("agenda", "presenters"):
        small_count, _small = queries(f"/events/{small.slug}/{page}")
        big_count, response = queries(f"/events/{big.slug}/{page}")
        assert big_count == small_count, page
    assert response.text.count('<li class="presenter" id="person-') == 30 * 4  # the big presenters page
    assert response.text.count("/photo/small/") == 30 * 4  # each with their photo
    # A person's page: in three sessions and featured, or in one session only.
    busiest, response = queries(f"/people/{big_people[0].id}-speaker-0-0")
    assert response.text.count("Panel ") == 3 and "Webinar hosting presenter" in response.text
    assert busiest == queries(f"/people/{big_people[-1].id}-speaker-29-3")[0]


# --- Personal agenda -------------------------------------------------------------------------------


def test_a_registered_delegate_marks_the_sessions_they_will_attend_through_their_private_link(
    app, db, programme, make_event, make_session, make_registration
):
    event = programme["event"]
    registration = make_registration(event, "aida@example.kz", family_name="Nurlanova")
    delegate = app.test_client()
    url = f"/events/{event.slug}/registration/{registration.access_token}/agenda"
    manage_page = delegate.get(f"/events/{event.slug}/registration/{registration.access_token}")
    assert f'href="{url}"' in manage_page.text
    page = delegate.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    offered = {int(i) for i in re.findall(r'name="sessions" value="(\d+)"', page.text)}
    coffee = programme["coffee"]
    assert offered == {programme[k].id for k in ("opening", "general", "integrated", "capacity")}  # no break

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    other_event = make_event(title="Another event")
    elsewhere = make_session(other_event, "Elsewhere", start_at=other_event.start_at, end_at=other_event.end_at)
    chosen = [programme["general"].id, programme["capacity"].id, coffee.id, elsewhere.id]
    response = delegate.post(url, data={"csrf_token": token, "sessions": chosen}, follow_redirects=True)
    assert "Your agenda is saved." in flashes(response)
    assert set(re.findall(r'value="(\d+)" id="choose-\d+" checked', response.text)) == {
        str(programme["general"].id),
        str(programme["capacity"].id),
    }
    db.session.expire_all()
    assert services.personal_session_ids(registration) == {programme["general"].id, programme["capacity"].id}
    assert [s.title for s in services.personal_sessions(registration)] == [
        programme["general"].title,
        programme["capacity"].title,
    ]

    delegate.post(url, data={"csrf_token": token, "sessions": [programme["capacity"].id]})
    db.session.expire_all()
    assert services.personal_session_ids(registration) == {programme["capacity"].id}

    # A wrong token, or another event's slug with this token, finds nothing.
    assert delegate.get(f"/events/{event.slug}/registration/{'x' * 43}/agenda").status_code == 404
    other = make_event(title="Central Asia Border Challenges")
    assert delegate.get(f"/events/{other.slug}/registration/{registration.access_token}/agenda").status_code == 404


def test_a_cancelled_registration_cannot_choose_sessions(app, db, programme, make_registration):
    event = programme["event"]
    registration = make_registration(event, "aida@example.kz", family_name="Nurlanova")
    registration_services.cancel(registration)
    db.session.commit()
    with pytest.raises(EventMgrError):
        services.set_personal_agenda(registration, [programme["general"].id])
    delegate = app.test_client()
    url = f"/events/{event.slug}/registration/{registration.access_token}/agenda"
    page = delegate.get(url)
    assert "Your registration is no longer active" in page.text and 'name="sessions"' not in page.text
    response = delegate.post(
        url,
        data={"csrf_token": csrf_token(delegate, "/login"), "sessions": [programme["general"].id]},
        follow_redirects=True,
    )
    assert "Only a registration that is pending, confirmed or on the waiting list has an agenda." in flashes(response)
    assert count(db, PersonalAgendaItem) == 0


# --- PDF and print ---------------------------------------------------------------------------------


def test_the_agenda_pdf_is_typeset_from_the_programme_with_the_featured_presenters_photos(client, webinar, monkeypatch):
    from eventmgr import pdf

    printed, fetched = [], []
    typeset, fetch = pdf.HTML, pdf.AppURLFetcher.fetch
    monkeypatch.setattr(pdf, "HTML", lambda *a, **kw: printed.append(kw["string"]) or typeset(*a, **kw))
    monkeypatch.setattr(pdf.AppURLFetcher, "fetch", lambda self, url, *a: fetched.append(url) or fetch(self, url, *a))

    event, host = webinar["event"], webinar["host"]
    response = client.get(f"/events/{event.slug}/agenda.pdf", query_string={"tz": "Europe/Brussels"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == f'inline; filename="{event.slug}-agenda.pdf"'
    assert response.headers["Cache-Control"] == "public, max-age=300"
    source = html.unescape(printed[0])
    assert "Cross-border threats" in source and "Host:</span> Ms. Nodira Karimova" in source
    assert "Webinar hosting presenter" in source and "All times in" in source and "Europe/Brussels" in source
    assert "n.karimova@example.org" not in source
    photo = f"https://eventmgr.invalid/people/{host.id}/photo/small/{host.photo.url_digest}.jpg"
    assert photo in fetched and "https://eventmgr.invalid/static/pdf/agenda.css" in fetched


def test_the_agenda_pdf_is_built_once_for_each_state_of_the_programme_zone_and_language(
    client, db, programme, make_session, monkeypatch, tmp_path
):
    from eventmgr import pdf

    built = []
    render = pdf.render_pdf
    monkeypatch.setattr(pdf, "render_pdf", lambda *a, **kw: built.append(kw["tz_name"]) or render(*a, **kw))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manage/")})  # a visitor from here on
    event = programme["event"]
    url = f"/events/{event.slug}/agenda.pdf"

    first = client.get(url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF-") and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url)
    assert (again.data, again.headers["ETag"], built) == (first.data, first.headers["ETag"], ["Asia/Almaty"])
    # A reader who has it is answered 304: nothing is built or sent.
    current = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert current.status_code == 304 and not current.data and len(built) == 1

    # Another zone or another language is a file of its own, built once too.
    brussels = client.get(url, query_string={"tz": "Europe/Brussels"})
    russian = client.get(url, headers={"Accept-Language": "ru"})
    assert client.get(url, query_string={"tz": "Europe/Brussels"}).data == brussels.data
    assert built == ["Asia/Almaty", "Europe/Brussels", "Asia/Almaty"]
    assert len({first.headers["ETag"], brussels.headers["ETag"], russian.headers["ETag"]}) == 3
    assert "Europe/Brussels" in pdf_words(brussels.data, tmp_path)

    # Any change to the programme's people, its sessions or the event itself is a new file.
    programme["abenova"].full_name = "Aigerim Abenova-Sarsenova"
    db.session.commit()
    renamed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != first.headers["ETag"] and len(built) == 4
    assert "Aigerim Abenova-Sarsenova" in pdf_words(renamed.data, tmp_path)
    make_session(event, "", kind="closing", start_at=local(25, 17), end_at=local(25, 18))
    closing = client.get(url, headers={"If-None-Match": renamed.headers["ETag"]})
    assert closing.status_code == 200 and "Closing" in pdf_words(closing.data, tmp_path) and len(built) == 5
    event.venue_name = "Burabay Congress Hall"
    db.session.commit()
    moved = client.get(url, headers={"If-None-Match": closing.headers["ETag"]})
    assert moved.status_code == 200 and "Burabay Congress Hall" in pdf_words(moved.data, tmp_path)
    assert client.get(url, headers={"If-None-Match": moved.headers["ETag"]}).status_code == 304
    assert len(built) == 6


def test_a_client_that_has_many_agenda_pdfs_built_is_refused_but_copies_already_built_are_not_counted(
    app, client, programme, monkeypatch
):
    from eventmgr import pdf

    monkeypatch.setitem(app.config, "AGENDA_PDF_RATE_LIMIT", "3 per minute")
    monkeypatch.setattr(pdf, "render_pdf", lambda *a, **kw: b"%PDF-1.7 " + kw["tz_name"].encode())
    url = f"/events/{programme['event'].slug}/agenda.pdf"
    # A venue's delegates behind one address all download the same file: built once, counted once.
    assert {client.get(url).status_code for _ in range(20)} == {200}
    zones = ["Europe/Brussels", "Asia/Tokyo", "America/New_York", "Europe/Moscow"]
    assert [client.get(url, query_string={"tz": zone}).status_code for zone in zones] == [200, 200, 429, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get(url, query_string={"tz": "Asia/Tokyo"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5000/static/eventmgr.css",
        "https://127.0.0.1/static/eventmgr.css",
        "http://eventmgr.invalid/static/eventmgr.css",
        "https://eventmgr.invalid:8443/static/eventmgr.css",
        "https://user@eventmgr.invalid/static/eventmgr.css",
        "https://eventmgr.invalid/static/../../eventmgr/config.py",
        "https://eventmgr.invalid/static/%2e%2e/%2e%2e/setup.cfg",
        "https://eventmgr.invalid/manage/",
        "https://eventmgr.invalid/events/anything/agenda",
        "https://eventmgr.invalid/people/1/photo/small/0000000000000000.jpg",
        "data:text/html,<h1>x</h1>",
        "ftp://eventmgr.invalid/static/eventmgr.css",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_the_apps_static_files_and_stored_photos(app, url):
    from eventmgr.pdf import AppURLFetcher, RefusedURL

    with pytest.raises(RefusedURL):
        AppURLFetcher(app).fetch(url)


def test_the_pdf_fetcher_serves_static_files_and_stored_photos(app, db, webinar):
    from eventmgr.pdf import AppURLFetcher

    host = webinar["host"]
    fetcher = AppURLFetcher(app)
    css = fetcher.fetch("https://eventmgr.invalid/static/pdf/agenda.css")
    assert css.content_type == "text/css" and b"@page" in css.read()
    photo = fetcher.fetch(f"https://eventmgr.invalid/people/{host.id}/photo/large/{host.photo.url_digest}.jpg")
    assert photo.content_type == "image/jpeg"
    assert Image.open(BytesIO(photo.read())).size == (host.photo.width, host.photo.height)


def test_weasyprint_never_reaches_the_network_or_the_file_system_through_the_pdf_renderer(app):
    from weasyprint import HTML

    from eventmgr.pdf import AppURLFetcher, base_url

    hits = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    here = f"http://127.0.0.1:{server.server_port}"
    try:
        source = (
            f'<link rel="stylesheet" href="{here}/style.css"><p>Agenda</p>'
            f'<img src="{here}/tracker.png"><img src="file:///etc/hostname">'
            f'<p style="background: url({here}/background.png)">x</p>'
        )
        with app.test_request_context("/"):
            body = HTML(string=source, base_url=base_url(), url_fetcher=AppURLFetcher()).write_pdf()
    finally:
        server.shutdown()
        server.server_close()
    assert body.startswith(b"%PDF-")
    assert hits == []


def test_the_agenda_has_a_print_stylesheet_without_its_controls(client, programme):
    page = client.get(f"/events/{programme['event'].slug}/agenda").text
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+eventmgr\.css[^"]*)"', page).group(1)
    css = client.get(stylesheet).text
    print_rules = " ".join(re.findall(r"@media print \{(.*?)\n\}", css, re.S))
    for selector in (".agenda-zone", ".agenda-links", ".agenda-mark", ".site-header"):
        assert re.search(rf"{re.escape(selector)}[^{{]*\{{ display: none", print_rules), selector
    assert ".agenda-item { break-inside: avoid" in print_rules
