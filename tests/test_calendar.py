"""Calendar files and invites: valid for two independent parsers, right in every zone, private where they must be.

Every file is read back with icalendar and with vobject: a file only one of them accepts would not reach
every calendar. Zones: Europe/Brussels across the end of summer time, Asia/Almaty, Asia/Dushanbe.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from helpers import wait_for

from eventmgr.agenda import services as agenda
from eventmgr.agenda.models import EventSession
from eventmgr.calendar import services as calendar
from eventmgr.calendar.views import built_files
from eventmgr.people.services import create_person
from eventmgr.registration import services as registration

JOIN = "https://zoom.example.org/j/8675309"
CYRILLIC_TITLE = "Региональное сотрудничество в области безопасности границ"


def parse(body: bytes | str) -> icalendar.Calendar:
    """Both parsers must accept the file; return icalendar's reading of it."""
    text = body.decode() if isinstance(body, bytes) else body
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines must be folded at 75 octets"
    for component in vobject.readComponents(text):
        assert component.name == "VCALENDAR"
        for vevent in getattr(component, "vevent_list", []):
            assert vevent.dtstart.value and vevent.uid.value
    return icalendar.Calendar.from_ical(text)


def vevents(cal: icalendar.Calendar) -> list:
    return [c for c in cal.walk("VEVENT")]


def assert_zones_complete(cal: icalendar.Calendar) -> None:
    """A VTIMEZONE for every TZID used, and no abbreviation posing as a zone."""
    used = {
        prop.params["TZID"]
        for vevent in vevents(cal)
        for prop in (vevent["DTSTART"], vevent["DTEND"])
        if "TZID" in prop.params
    }
    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert used and used <= defined
    assert all("/" in tzid for tzid in used), used


@pytest.fixture
def programme(db, make_event, make_user, make_session):
    """A two-day conference in Brussels across the end of summer time, with two sessions and a presenter."""
    organiser = make_user(name="Olga Organiser")
    brussels = ZoneInfo("Europe/Brussels")
    start = datetime(2027, 10, 30, 9, 0, tzinfo=brussels).astimezone(UTC)
    end = datetime(2027, 10, 31, 18, 0, tzinfo=brussels).astimezone(UTC)
    event = make_event(
        organiser=organiser,
        title="Border Management Conference",
        kind="conference",
        format="hybrid",
        timezone="Europe/Brussels",
        start_at=start,
        end_at=end,
        venue_name="Egmont Palace",
        venue_city="Brussels",
        venue_country="BE",
        online_platform="Zoom Webinars",
        join_url=JOIN,
        registration_closes_at=start - timedelta(days=1),
    )
    saturday = make_session(
        event,
        "Lessons learned",
        start_at=datetime(2027, 10, 30, 10, 0, tzinfo=brussels),
        end_at=datetime(2027, 10, 30, 11, 30, tzinfo=brussels),
        user=organiser,
        description="Cross-border *cooperation*.",
        room="Hall A",
    )
    # Sunday 31 October 2027: clocks go back at 03:00, so 10:00 is UTC+1 (it was UTC+2 the day before).
    sunday = make_session(
        event,
        "Way forward",
        start_at=datetime(2027, 10, 31, 10, 0, tzinfo=brussels),
        end_at=datetime(2027, 10, 31, 11, 0, tzinfo=brussels),
        user=organiser,
    )
    presenter = create_person(
        {
            "full_name": "Aida Nurlanovna",
            "honorific": "Dr.",
            "email": "aida@bomca.example",
            "position": "Programme Manager",
            "organisation_name": "BOMCA",
        },
        organiser,
    )
    agenda.add_participant(saturday, presenter, "moderator", "Data sharing at the border", organiser)
    db.session.commit()
    return {"event": event, "organiser": organiser, "saturday": saturday, "sunday": sunday, "presenter": presenter}


# --- The event's file --------------------------------------------------------------------------------


def test_the_event_file_holds_the_event_and_each_session_at_the_right_moment(client, programme):
    response = client.get(f"/events/{programme['event'].slug}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="border-management-conference.ics"' in response.headers["Content-Disposition"]
    cal = parse(response.data)
    assert_zones_complete(cal)
    assert str(cal["METHOD"]) == "PUBLISH"
    entries = {str(v["SUMMARY"]): v for v in vevents(cal)}
    assert set(entries) == {
        "Border Management Conference",
        "Lessons learned · Border Management Conference",
        "Way forward · Border Management Conference",
    }
    saturday, sunday = (
        entries["Lessons learned · Border Management Conference"],
        entries["Way forward · Border Management Conference"],
    )
    assert saturday["DTSTART"].dt.astimezone(UTC) == datetime(2027, 10, 30, 8, 0, tzinfo=UTC)  # UTC+2
    assert sunday["DTSTART"].dt.astimezone(UTC) == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # UTC+1
    assert saturday["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert str(saturday["LOCATION"]) == "Hall A, Egmont Palace, Brussels, Belgium and online (Zoom Webinars)"
    description = str(saturday["DESCRIPTION"])
    assert "Moderator: Dr. Aida Nurlanovna (Programme Manager, BOMCA), “Data sharing at the border”" in description
    assert "Cross-border cooperation." in description and "*" not in description
    assert str(saturday["URL"]).endswith(f"/events/{programme['event'].slug}/agenda#session-{programme['saturday'].id}")
    uids = [str(v["UID"]) for v in vevents(cal)]
    assert len(set(uids)) == 3
    for vevent in vevents(cal):
        for name in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "ORGANIZER", "STATUS"):
            assert name in vevent, name
    # The join link is for delegates holding a seat, never in a public file; nor are presenters' addresses.
    assert JOIN not in response.text and "aida@bomca.example" not in response.text


def test_the_same_uids_come_back_so_a_reimport_updates(client, programme, db):
    url = f"/events/{programme['event'].slug}/calendar.ics"
    before = {str(v["UID"]) for v in vevents(parse(client.get(url).data))}
    agenda.update_session(programme["sunday"], {"title": "Way forward: the next programme"}, programme["organiser"])
    db.session.commit()
    after = parse(client.get(url).data)
    assert {str(v["UID"]) for v in vevents(after)} == before
    changed = next(v for v in vevents(after) if str(v["SUMMARY"]).startswith("Way forward: the next"))
    assert changed["SEQUENCE"] == 1


def test_a_session_sequence_rises_with_time_place_or_title_only(programme, db):
    session, organiser = programme["saturday"], programme["organiser"]
    agenda.update_session(session, {"description": "A new theme."}, organiser)
    assert session.calendar_sequence == 0
    agenda.update_session(session, {"room": "Hall B"}, organiser)
    agenda.update_session(session, {"start_at": session.start_at + timedelta(minutes=15)}, organiser)
    assert session.calendar_sequence == 2


def test_each_day_can_be_its_own_all_day_entry(client, programme):
    cal = parse(client.get(f"/events/{programme['event'].slug}/calendar.ics?layout=days").data)
    days = vevents(cal)
    assert [v["DTSTART"].dt for v in days] == [datetime(2027, 10, 30).date(), datetime(2027, 10, 31).date()]
    assert [str(v["SUMMARY"]) for v in days] == [
        "Border Management Conference (day 1 of 2)",
        "Border Management Conference (day 2 of 2)",
    ]


@pytest.mark.parametrize(
    "zone, local_start, utc_start",
    [
        ("Asia/Almaty", datetime(2027, 7, 24, 9, 30), datetime(2027, 7, 24, 4, 30, tzinfo=UTC)),  # UTC+5 since 2024
        ("Asia/Dushanbe", datetime(2027, 2, 28, 10, 0), datetime(2027, 2, 28, 5, 0, tzinfo=UTC)),
    ],
)
def test_central_asian_zones_with_cyrillic_and_a_long_description(client, make_event, zone, local_start, utc_start):
    description = "Делегации обсудили **обмен информацией** на границе. " * 120
    event = make_event(
        title=CYRILLIC_TITLE,
        timezone=zone,
        description=description,
        start_at=local_start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC),
    )
    response = client.get(f"/events/{event.slug}/calendar.ics")
    cal = parse(response.data)
    assert_zones_complete(cal)
    (vevent,) = vevents(cal)
    assert str(vevent["SUMMARY"]) == CYRILLIC_TITLE
    assert vevent["DTSTART"].params["TZID"] == zone
    assert vevent["DTSTART"].dt.astimezone(UTC) == utc_start
    assert "обмен информацией" in str(vevent["DESCRIPTION"])
    assert 1000 < len(str(vevent["DESCRIPTION"])) < 2000  # a plain-text excerpt, with the page's address
    assert "BEGIN:VTIMEZONE" in response.text and "TZID:GMT" not in response.text


def test_user_text_cannot_add_lines_or_properties(client, make_event, db, make_user, make_session):
    organiser = make_user()
    event = make_event(organiser=organiser, title="Panel")
    make_session(
        event,
        "Trap\r\nATTENDEE:mailto:evil@example.org",
        user=organiser,
        description="Line\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected",
        room="Hall;A,1\\",
    )
    cal = parse(client.get(f"/events/{event.slug}/calendar.ics").data)
    assert len(vevents(cal)) == 2
    assert all("ATTENDEE" not in v for v in vevents(cal))
    session_entry = next(v for v in vevents(cal) if "Trap" in str(v["SUMMARY"]))
    assert str(session_entry["LOCATION"]).startswith("Hall;A,1\\, ")


# --- Conditional GET and the cache -------------------------------------------------------------------


def test_pollers_get_304_until_the_programme_changes(client, programme, db):
    url = f"/events/{programme['event'].slug}/calendar.ics"
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.headers["ETag"] == etag and not head.data

    # Any change to the programme, even a participant's, gives a new file.
    person = create_person({"full_name": "Timur Rahimov", "organisation_name": "Drug Control Agency"})
    agenda.add_participant(programme["sunday"], person, "speaker")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Speaker: Timur Rahimov" in str(
        next(v for v in vevents(parse(changed.data)) if "Way forward" in str(v["SUMMARY"]))["DESCRIPTION"]
    )
    person.full_name = "Timur Rakhimov"
    db.session.commit()
    renamed = client.get(url, headers={"If-None-Match": changed.headers["ETag"]})
    assert renamed.status_code == 200 and "Timur Rakhimov" in renamed.text


def test_an_unchanged_file_is_built_once(client, programme, monkeypatch):
    from eventmgr.calendar import views

    built = []
    real = views.event_to_ics
    monkeypatch.setattr(views, "event_to_ics", lambda *a, **kw: built.append(1) or real(*a, **kw))
    built_files.clear()
    url = f"/events/{programme['event'].slug}/calendar.ics"
    bodies = {client.get(url).data for _ in range(3)}
    assert len(built) == 1 and len(bodies) == 1


# --- Sessions and people -----------------------------------------------------------------------------


def test_one_session_alone_and_a_presenters_sessions(client, programme, db, make_event):
    event, saturday = programme["event"], programme["saturday"]
    one = parse(client.get(f"/events/{event.slug}/sessions/{saturday.id}.ics").data)
    assert [str(v["SUMMARY"]) for v in vevents(one)] == ["Lessons learned · Border Management Conference"]
    assert_zones_complete(one)
    other = make_event(title="Another event")
    assert client.get(f"/events/{other.slug}/sessions/{saturday.id}.ics").status_code == 404

    person = programme["presenter"]
    response = client.get(f"/people/{person.id}/calendar.ics")
    feed = parse(response.data)
    assert str(feed["X-WR-CALNAME"]) == "Dr. Aida Nurlanovna"
    assert [str(v["SUMMARY"]) for v in vevents(feed)] == ["Lessons learned · Border Management Conference"]
    assert JOIN not in response.text and "aida@bomca.example" not in response.text


def test_every_session_and_presenter_offers_their_calendar(client, programme):
    event, saturday = programme["event"], programme["saturday"]
    agenda_page = client.get(f"/events/{event.slug}/agenda").text
    assert f'href="/events/{event.slug}/sessions/{saturday.id}.ics"' in agenda_page
    assert "calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Lessons+learned" in agenda_page
    assert "ctz=Europe%2FBrussels" in agenda_page and "outlook.office.com" in agenda_page
    person_page = client.get(f"/people/{programme['presenter'].id}", follow_redirects=True).text
    assert f"webcal://localhost/people/{programme['presenter'].id}/calendar.ics" in person_page
    event_page = client.get(f"/events/{event.slug}").text
    assert f"webcal://localhost/events/{event.slug}/calendar.ics" in event_page


def test_a_presenters_sessions_in_private_events_stay_hidden(client, db, make_event, make_user, make_session):
    organiser = make_user()
    hidden = make_event(organiser=organiser, visibility="private", title="Closed meeting")
    session = make_session(hidden, "Closed panel", user=organiser)
    person = create_person({"full_name": "Kanat Bekov"}, organiser)
    agenda.add_participant(session, person, "speaker", user=organiser)
    db.session.commit()
    assert client.get(f"/people/{person.id}/calendar.ics").status_code == 404
    assert client.get(f"/events/{hidden.slug}/sessions/{session.id}.ics").status_code == 404


def test_a_delegates_feed_holds_their_event_and_chosen_sessions_and_nothing_of_others(
    client, programme, db, make_registration
):
    event = programme["event"]
    mine = make_registration(event, "delegate@example.kz", attendance_mode="online")
    theirs = make_registration(event, "other@example.tj", given_name="Farrukh")
    agenda.set_personal_agenda(mine, [programme["sunday"].id])
    agenda.set_personal_agenda(theirs, [programme["saturday"].id])
    db.session.commit()
    url = f"/events/{event.slug}/registration/{mine.access_token}/calendar.ics"
    response = client.get(url)
    assert response.headers["Cache-Control"].startswith("private") or "private" in response.headers["Cache-Control"]
    cal = parse(response.data)
    assert [str(v["SUMMARY"]) for v in vevents(cal)] == [
        "Border Management Conference",
        "Way forward · Border Management Conference",
    ]
    assert JOIN in response.text  # a confirmed delegate's own feed carries the join link
    assert "Farrukh" not in response.text and "other@example.tj" not in response.text
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304

    registration.cancel(mine)
    db.session.commit()
    cancelled = parse(client.get(url).data)
    assert {str(v["STATUS"]) for v in vevents(cancelled)} == {"CANCELLED"}
    assert JOIN not in client.get(url).text
    assert client.get(f"/events/{event.slug}/registration/{'x' * 43}/calendar.ics").status_code == 404


def test_the_delegates_page_offers_a_subscription(client, programme, db, make_registration):
    mine = make_registration(programme["event"], "delegate@example.kz")
    page = client.get(f"/events/{programme['event'].slug}/registration/{mine.access_token}").text
    assert f"webcal://localhost/events/{programme['event'].slug}/registration/{mine.access_token}/calendar.ics" in page


# --- Invites by e-mail -------------------------------------------------------------------------------


def calendar_parts(message) -> list:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def invite_of(message) -> icalendar.Calendar:
    (part,) = calendar_parts(message)
    cal = parse(part.get_content())
    assert part.get_param("method") == str(cal["METHOD"]), "the MIME part's method must match the body's"
    return cal


def test_request_update_and_cancel_arrive_over_smtp_in_order(app, client, programme, db, mailbox, make_registration):
    """A delegate confirms, the organiser edits the time twice, then cancels: REQUEST, one update, CANCEL."""
    from eventmgr.events.services import cancel_event, update_event

    event, organiser = programme["event"], programme["organiser"]
    delegate = make_registration(event, "delegate@example.kz", attendance_mode="online")
    mailbox.deliver()
    first = invite_of(next(m for m in mailbox.messages if m["To"] == delegate.email))
    (entry,) = vevents(first)
    assert str(first["METHOD"]) == "REQUEST" and entry["SEQUENCE"] == 1  # publication raised the draft's 0
    assert str(entry["ATTENDEE"]) == "mailto:delegate@example.kz" and "ORGANIZER" in entry
    assert JOIN in str(entry["DESCRIPTION"])

    for minutes in (30, 60):
        update_event(
            event, {"start_at": event.start_at + timedelta(minutes=minutes)}, organiser, expected_version=event.version
        )
        db.session.commit()
    assert calendar.queue_calendar_updates() == 0  # not before the organiser has stopped for a while
    assert calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1)) == 1
    cancel_event(event, organiser, "Postponed.")
    db.session.commit()
    calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1))
    mailbox.deliver()

    to_delegate = [invite_of(m) for m in mailbox.messages if m["To"] == delegate.email][1:]
    event_entries = [
        (str(cal["METHOD"]), vevents(cal)[0]) for cal in to_delegate if str(vevents(cal)[0]["UID"]) == str(entry["UID"])
    ]
    assert [(method, v["SEQUENCE"]) for method, v in event_entries] == [("REQUEST", 3), ("CANCEL", 4)]
    assert str(event_entries[-1][1]["STATUS"]) == "CANCELLED"


def test_presenters_get_invites_updates_and_cancellations_for_their_sessions(
    client, programme, db, mailbox, make_registration
):
    event, organiser, saturday = programme["event"], programme["organiser"], programme["saturday"]
    mailbox.deliver()
    invite = invite_of(next(m for m in mailbox.messages if m["To"] == "aida@bomca.example"))
    (entry,) = vevents(invite)
    assert str(invite["METHOD"]) == "REQUEST" and str(entry["UID"]).startswith(f"session-{saturday.id}@")
    assert "mailto:aida@bomca.example" == str(entry["ATTENDEE"])

    # A delegate who chose the session follows it too; one who did not hears nothing.
    follower = make_registration(event, "delegate@example.kz")
    bystander = make_registration(event, "else@example.kg", given_name="Bakyt")
    agenda.set_personal_agenda(follower, [saturday.id])
    db.session.commit()
    mailbox.deliver()
    received = len(mailbox.messages)

    planned = saturday.start_at
    for minutes in (15, 30, 45):  # a burst of edits, each raising the SEQUENCE, but one update in all
        agenda.update_session(saturday, {"start_at": planned + timedelta(minutes=minutes)}, organiser)
        db.session.commit()
    assert calendar.queue_calendar_updates() == 0  # not before the organiser has stopped for a while
    assert calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1)) == 2
    mailbox.deliver()
    updates = mailbox.messages[received:]
    assert sorted(m["To"] for m in updates) == ["aida@bomca.example", "delegate@example.kz"]
    assert all(vevents(invite_of(m))[0]["SEQUENCE"] == 3 for m in updates)
    assert bystander.email not in [m["To"] for m in updates]

    received = len(mailbox.messages)
    agenda.delete_session(saturday, organiser)
    db.session.commit()
    mailbox.deliver()
    cancels = [invite_of(m) for m in mailbox.messages[received:]]
    assert len(cancels) == 2 and {str(cal["METHOD"]) for cal in cancels} == {"CANCEL"}


def test_presenters_of_a_draft_are_invited_when_it_is_published(db, make_event, make_user, make_session, mailbox):
    from eventmgr.events.services import publish_event

    organiser = make_user()
    draft = make_event(organiser=organiser, status="draft")
    session = make_session(draft, "Keynote", kind="keynote", user=organiser)
    agenda.add_participant(
        session, create_person({"full_name": "Erik Berg", "email": "erik@frontex.example"}), "speaker", user=organiser
    )
    db.session.commit()
    mailbox.deliver()
    assert mailbox.messages == []
    publish_event(draft, organiser)
    db.session.commit()
    mailbox.deliver()
    (message,) = mailbox.messages
    assert message["To"] == "erik@frontex.example" and str(invite_of(message)["METHOD"]) == "REQUEST"


# --- What a review found ------------------------------------------------------------------------------


def test_every_change_to_the_programme_gives_a_new_file(client, programme, db, make_organisation):
    """Reordering people, renaming an organisation, merging people: each changes what the file shows."""
    from eventmgr.people.services import merge_people

    event, saturday, organiser = programme["event"], programme["saturday"], programme["organiser"]
    url = f"/events/{event.slug}/calendar.ics"
    agency = make_organisation(name="Border Service", acronym="BS")
    speaker = create_person({"full_name": "Timur Rahimov", "organisation_id": agency.id})
    agenda.add_participant(saturday, speaker, "speaker", user=organiser)
    db.session.commit()

    def saturday_text(response):
        return str(next(v for v in vevents(parse(response.data)) if "Lessons" in str(v["SUMMARY"]))["DESCRIPTION"])

    before = client.get(url)
    assert saturday_text(before).index("Aida") < saturday_text(before).index("Timur")
    moved = next(p for p in saturday.participants if p.person_id == speaker.id)
    agenda.move_participant(saturday, moved, "up", organiser)
    db.session.commit()
    reordered = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert reordered.status_code == 200
    assert saturday_text(reordered).index("Timur") < saturday_text(reordered).index("Aida")

    agency.name = "Border Guard Service"
    db.session.commit()
    renamed = client.get(url, headers={"If-None-Match": reordered.headers["ETag"]})
    assert renamed.status_code == 200 and "Border Guard Service" in saturday_text(renamed)

    duplicate = create_person({"full_name": "T. Rahimov"})
    agenda.add_participant(programme["sunday"], duplicate, "speaker", user=organiser)
    db.session.commit()
    merged_before = client.get(url)
    merge_people(speaker, duplicate, organiser, event)
    db.session.commit()
    merged = client.get(url, headers={"If-None-Match": merged_before.headers["ETag"]})
    assert merged.status_code == 200 and "T. Rahimov" not in merged.text


def test_a_delegates_feed_changes_when_they_drop_a_session_even_for_date_pollers(
    client, programme, db, make_registration
):
    event = programme["event"]
    mine = make_registration(event, "delegate@example.kz")
    agenda.set_personal_agenda(mine, [programme["saturday"].id, programme["sunday"].id])
    db.session.commit()
    url = f"/events/{event.slug}/registration/{mine.access_token}/calendar.ics"
    first = client.get(url)
    assert len(vevents(parse(first.data))) == 3
    agenda.set_personal_agenda(mine, [programme["sunday"].id])
    db.session.commit()
    # A client that polls with a date only must not be told "not modified".
    later = client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert later.status_code == 200 and len(vevents(parse(later.data))) == 2
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def session_mail(mailbox, since: int, to: str) -> list[tuple[str, str, int]]:
    """(method, UID, SEQUENCE) of the session invites mailed to `to` after the first `since` messages."""
    found = []
    for message in mailbox.messages[since:]:
        if message["To"] == to and calendar_parts(message):
            cal = invite_of(message)
            entry = vevents(cal)[0]
            if str(entry["UID"]).startswith("session-"):
                found.append((str(cal["METHOD"]), str(entry["UID"]).split("@")[0], int(entry["SEQUENCE"])))
    return found


def move_session(session, organiser, db, minutes: int = 30) -> None:
    """Move the session and let the calendar update go out."""
    agenda.update_session(session, {"start_at": session.start_at + timedelta(minutes=minutes)}, organiser)
    db.session.commit()
    calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1))
    db.session.commit()


def test_a_delegate_who_drops_a_session_an_update_put_in_their_calendar_gets_its_cancellation(
    programme, db, make_registration, mailbox
):
    event, organiser, saturday, sunday = (programme[k] for k in ("event", "organiser", "saturday", "sunday"))
    delegate = make_registration(event, "delegate@example.kz")
    agenda.set_personal_agenda(delegate, [saturday.id, sunday.id])
    db.session.commit()
    move_session(saturday, organiser, db)
    mailbox.deliver()
    assert session_mail(mailbox, 0, delegate.email) == [("REQUEST", f"session-{saturday.id}", 1)]

    seen = len(mailbox.messages)
    agenda.set_personal_agenda(delegate, [])  # Sunday's entry never reached their calendar by mail
    db.session.commit()
    mailbox.deliver()
    assert session_mail(mailbox, seen, delegate.email) == [("CANCEL", f"session-{saturday.id}", 2)]
    (withdrawn,) = [m for m in mailbox.messages[seen:] if m["To"] == delegate.email]
    assert withdrawn["Subject"] == "Removed from your agenda: Lessons learned · Border Management Conference"
    assert "still takes place" in withdrawn.get_body(("plain",)).get_content()
    assert session_mail(mailbox, seen, "aida@bomca.example") == []  # the presenter keeps the session

    seen = len(mailbox.messages)
    move_session(saturday, organiser, db)  # no longer theirs: no update, and no second cancellation
    agenda.set_personal_agenda(delegate, [])
    db.session.commit()
    mailbox.deliver()
    assert session_mail(mailbox, seen, delegate.email) == []
    assert session_mail(mailbox, seen, "aida@bomca.example") == [("REQUEST", f"session-{saturday.id}", 3)]


def test_a_cancelled_registration_takes_the_mailed_sessions_out_of_the_calendar_too(
    programme, db, mailbox, make_registration
):
    event, organiser, saturday = programme["event"], programme["organiser"], programme["saturday"]
    delegate = make_registration(event, "delegate@example.kz")
    agenda.set_personal_agenda(delegate, [saturday.id])
    db.session.commit()
    move_session(saturday, organiser, db)
    mailbox.deliver()
    seen = len(mailbox.messages)
    registration.cancel(delegate)
    db.session.commit()
    mailbox.deliver()
    assert session_mail(mailbox, seen, delegate.email) == [("CANCEL", f"session-{saturday.id}", 2)]
    event_cancel = [
        invite_of(m)
        for m in mailbox.messages[seen:]
        if m["To"] == delegate.email and str(vevents(invite_of(m))[0]["UID"]).startswith("event-")
    ]
    assert [str(cal["METHOD"]) for cal in event_cancel] == ["CANCEL"]


def test_a_delegate_who_presents_the_session_under_the_same_address_keeps_it(programme, db, mailbox, make_registration):
    event, organiser, saturday = programme["event"], programme["organiser"], programme["saturday"]
    presenter_too = make_registration(event, "aida@bomca.example", given_name="Aida")
    agenda.set_personal_agenda(presenter_too, [saturday.id])
    db.session.commit()
    mailbox.deliver()
    seen = len(mailbox.messages)
    move_session(saturday, organiser, db)
    mailbox.deliver()
    assert session_mail(mailbox, seen, "aida@bomca.example") == [("REQUEST", f"session-{saturday.id}", 1)]
    seen = len(mailbox.messages)
    agenda.set_personal_agenda(presenter_too, [])
    db.session.commit()
    mailbox.deliver()
    assert session_mail(mailbox, seen, "aida@bomca.example") == []


def test_a_delegates_links_survive_a_new_slug(client, programme, db, make_registration):
    from eventmgr.events.services import update_event

    event = programme["event"]
    mine = make_registration(event, "delegate@example.kz")
    old_slug = event.slug
    update_event(
        event, {"slug": "border-management-conference-2027"}, programme["organiser"], expected_version=event.version
    )
    db.session.commit()
    for path in ("calendar.ics", "invite.ics", ""):
        response = client.get(f"/events/{old_slug}/registration/{mine.access_token}/{path}".rstrip("/"))
        assert response.status_code == 200, path


def test_cancellations_are_newer_than_the_invites_they_cancel(programme, db, mailbox):
    saturday, organiser = programme["saturday"], programme["organiser"]
    mailbox.deliver()
    (invite,) = [invite_of(m) for m in mailbox.messages if m["To"] == "aida@bomca.example"]
    part = next(p for p in saturday.participants if p.person.email == "aida@bomca.example")
    agenda.move_participant(saturday, part, "remove", organiser)
    db.session.commit()
    mailbox.deliver()
    cancel = invite_of(mailbox.messages[-1])
    assert str(cancel["METHOD"]) == "CANCEL"
    assert vevents(cancel)[0]["SEQUENCE"] > vevents(invite)[0]["SEQUENCE"]
    assert str(vevents(cancel)[0]["UID"]) == str(vevents(invite)[0]["UID"])


def test_presenters_hear_of_a_new_event_title_in_their_session_entries(programme, db, mailbox):
    from eventmgr.events.services import update_event

    event = programme["event"]
    mailbox.deliver()
    received = len(mailbox.messages)
    update_event(
        event, {"title": "Border Management Conference 2027"}, programme["organiser"], expected_version=event.version
    )
    db.session.commit()
    calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1))
    mailbox.deliver()
    (update,) = [m for m in mailbox.messages[received:] if m["To"] == "aida@bomca.example"]
    entry = vevents(invite_of(update))[0]
    assert str(entry["SUMMARY"]) == "Lessons learned · Border Management Conference 2027"
    assert entry["SEQUENCE"] == 1


@pytest.mark.postgresql  # row locks
def test_two_workers_never_take_the_same_update_and_an_edit_meanwhile_is_not_lost(app, programme, db, monkeypatch):
    """Worker A holds the session it is working on; worker B skips it; the organiser's edit waits, then owes."""
    import threading

    from sqlalchemy import text

    sessions = [programme["saturday"], programme["sunday"]]
    for event_session in sessions:
        agenda.add_participant(
            event_session,
            create_person({"full_name": f"P{event_session.id}", "email": f"p{event_session.id}@example.org"}),
            "speaker",
            user=programme["organiser"],
        )
        agenda.update_session(event_session, {"title": event_session.title + "!"}, programme["organiser"])
    db.session.commit()
    ids = sorted(s.id for s in sessions)
    due = datetime.now(UTC) + timedelta(hours=1)
    seen, editor, engine = {}, None, db.engine

    def edit_meanwhile():
        with engine.connect() as conn:  # blocks on A's row lock until A commits
            conn.execute(
                text(
                    "UPDATE event_sessions SET calendar_sequence = calendar_sequence + 1, "
                    "calendar_update_due_at = :due WHERE id = :id"
                ),
                {"due": due, "id": ids[1]},
            )
            conn.commit()

    real = calendar.queue_session_invite

    def spy(event_session, *args, **kwargs):
        nonlocal editor
        if event_session.id == ids[1] and editor is None:
            with db.engine.connect() as worker_b:
                seen["b"] = (
                    worker_b.execute(
                        text(
                            "SELECT id FROM event_sessions WHERE calendar_update_due_at <= :now "
                            "AND calendar_sent_sequence < calendar_sequence FOR UPDATE SKIP LOCKED"
                        ),
                        {"now": due},
                    )
                    .scalars()
                    .all()
                )
                worker_b.rollback()
            editor = threading.Thread(target=edit_meanwhile)
            editor.start()
        return real(event_session, *args, **kwargs)

    monkeypatch.setattr(calendar, "queue_session_invite", spy)
    calendar.queue_calendar_updates(now=due)
    editor.join(timeout=10)
    assert ids[1] not in seen["b"]
    with db.engine.connect() as conn:
        sequence, sent, owed_at = conn.execute(
            text(
                "SELECT calendar_sequence, calendar_sent_sequence, calendar_update_due_at FROM event_sessions "
                "WHERE id = :id"
            ),
            {"id": ids[1]},
        ).one()
    assert sent < sequence and owed_at is not None  # the edit made meanwhile is still owed


@pytest.mark.postgresql  # row locks
def test_two_edits_at_once_raise_a_sessions_sequence_twice(app, programme, db):
    """Two organisers change the same session at the same moment: the second reads the row before the first
    commits and waits on its row lock, and still gets a SEQUENCE of its own."""
    import threading

    from sqlalchemy import text

    session_id = programme["saturday"].id
    before = programme["saturday"].calendar_sequence
    first_flushed, first_may_commit = threading.Event(), threading.Event()
    read, raised = {}, {}

    def edit(name):
        with app.app_context():
            event_session = db.session.get(EventSession, session_id)
            read[name] = event_session.calendar_sequence
            calendar.schedule_session_update(event_session)
            raised[name] = event_session.calendar_sequence
            if name == "first":
                first_flushed.set()
                first_may_commit.wait(timeout=10)
            db.session.commit()
            db.session.remove()

    def edits_waiting_on_a_lock() -> int:
        with db.engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()

    first = threading.Thread(target=edit, args=("first",))
    first.start()
    assert first_flushed.wait(timeout=10)
    second = threading.Thread(target=edit, args=("second",))
    second.start()
    try:
        wait_for(edits_waiting_on_a_lock, what="the second edit waiting on the first one's row lock")
    finally:
        first_may_commit.set()
        first.join(timeout=10)
        second.join(timeout=10)
    assert read == {"first": before, "second": before}  # both read the row as it was before either edit
    assert raised == {"first": before + 1, "second": before + 2}
    db.session.expire_all()
    assert db.session.get(EventSession, session_id).calendar_sequence == before + 2


# --- Subscriptions ----------------------------------------------------------------------------------------


def test_the_app_subscribes_calendar_to_every_change_once_however_many_apps_are_made(app, tmp_path):
    """Events, agendas and registrations only announce their changes; the factory connects calendar to them.

    What each receiver does is checked above, through the services that send the signal:
    event_changed (test_request_update_and_cancel_arrive_over_smtp_in_order,
    test_presenters_hear_of_a_new_event_title_in_their_session_entries), event_published
    (test_presenters_of_a_draft_are_invited_when_it_is_published), event_cancelled
    (test_request_update_and_cancel_arrive_over_smtp_in_order), session_changed
    (test_a_session_sequence_rises_with_time_place_or_title_only), session_deleting and participant_added
    (test_presenters_get_invites_updates_and_cancellations_for_their_sessions), participant_removing
    (test_cancellations_are_newer_than_the_invites_they_cancel), agenda_sessions_dropping
    (test_a_delegate_who_drops_a_session_an_update_put_in_their_calendar_gets_its_cancellation),
    registration_cancelled (test_a_cancelled_registration_takes_the_mailed_sessions_out_of_the_calendar_too).
    """
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    from eventmgr import create_app
    from eventmgr.agenda import changes
    from eventmgr.agenda import signals as agenda_signals
    from eventmgr.calendar import receivers
    from eventmgr.events import signals as event_signals
    from eventmgr.registration import receivers as registration_receivers
    from eventmgr.registration import seats
    from eventmgr.registration import signals as registration_signals

    signals = {
        signal.name: signal
        for module in (event_signals, agenda_signals, registration_signals)
        for signal in vars(module).values()
        if hasattr(signal, "receivers")
    }
    assert len(signals) == 9
    # Registration listens to event changes too (a format that would strand delegates is refused).
    also = {"event-changed": [registration_receivers.event_changed]}
    for name, signal in signals.items():
        expected = [getattr(receivers, name.replace("-", "_"))] + also.get(name, [])
        assert sorted(signal.receivers_for(None), key=id) == sorted(expected, key=id), name

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/second.sqlite", "SECRET_KEY": "x"})
    for name, signal in signals.items():
        assert len(signal.receivers) == 1 + len(also.get(name, [])), name
    assert sa_event.contains(Session, "before_flush", changes.raise_programme_versions)
    assert sa_event.contains(Session, "before_flush", seats.count_seats)
