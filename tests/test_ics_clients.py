"""Calendar files as the clients people use read them: time zones written with yearly rules, and SEQUENCE.

Outlook ignores RDATE in a VTIMEZONE and guesses a yearly rule from a sub-component's first onset, so zones with
daylight saving are written with RRULEs; what a client expands from them must be exactly zoneinfo's changes.
Files are read by icalendar, by vobject (dateutil's tzical expands the rules for it), by dateutil.rrule directly
(UNTIL read as UTC, as RFC 5545 says), and by ical.js, Thunderbird's parser, through node.

Every change of STATUS raises SEQUENCE, of the event and of each of its sessions, in every feed and mail.
"""

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from shutil import which
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import pytest
import vobject
from conftest import missing
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventmgr.agenda import services as agenda
from eventmgr.calendar import services as calendar
from eventmgr.ics import event_to_ics
from eventmgr.people.services import create_person
from eventmgr.vtimezone import vtimezone

#: The zones of our users, and two that test the odd cases: Dublin's negative saving, Morocco's Ramadan.
USERS_ZONES = [
    "Europe/Vienna",
    "Europe/London",
    "Europe/Moscow",  # no daylight saving since 2011, +03 since 2014
    "Asia/Almaty",  # +06 to +05 on 1 March 2024
    "Asia/Tashkent",
    "America/New_York",  # new rules in 2007
    "Australia/Sydney",  # southern: daylight saving over the new year
    "Asia/Tehran",  # daylight saving on fixed days, abolished in 2022
    "Europe/Dublin",
    "Africa/Casablanca",
]
ICAL_JS = Path(__file__).resolve().parent / "ical_read.mjs"
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


# --- Reading zones as clients do ----------------------------------------------------------------------------


def as_file(*components) -> str:
    calendar_ = icalendar.Calendar()
    calendar_.add("prodid", "-//tests//EN")
    calendar_.add("version", "2.0")
    for component in components:
        calendar_.add_component(component)
    return calendar_.to_ical().decode()


def window(first_year: int, last_year: int) -> tuple[int, int]:
    return int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()), int(
        datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()
    )


def zoneinfo_changes(zone: str, first_year: int, last_year: int) -> list[tuple[int, timedelta, timedelta]]:
    """(UTC second, offset before, offset after) of each change of the zone's offset in those years, as zoneinfo has
    them: looked at daily, each change narrowed down to the second."""
    tz, (start, end) = ZoneInfo(zone), window(first_year, last_year)

    def offset(at: int) -> timedelta:
        return datetime.fromtimestamp(at, tz).utcoffset()

    found, here = [], start
    while here < end:
        there = min(here + 86400, end)
        if offset(there) != offset(here):
            low, high = here, there
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == offset(here) else (low, middle)
            found.append((high, offset(low), offset(high)))
            there = high
        here = there
    return found


def expanded_changes(text: str, first_year: int, last_year: int) -> list[tuple[int, timedelta, timedelta]]:
    """The onsets of every sub-component of the file's VTIMEZONE within those years, expanded by dateutil.rrule
    from DTSTART, RRULE and RDATE, with UNTIL read as UTC."""
    start, end = window(first_year, last_year)
    found = set()
    for part in icalendar.Calendar.from_ical(text).walk():
        if part.name not in ("STANDARD", "DAYLIGHT"):
            continue
        first, before, after = part["DTSTART"].dt, part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td
        onsets = {first}
        if "RRULE" in part:
            rule = dict(part["RRULE"])
            until = rule.pop("UNTIL", [None])[0]
            for onset in rrulestr(icalendar.vRecur(rule).to_ical().decode(), dtstart=first):
                if (until and (onset - before).replace(tzinfo=UTC) > until) or onset.year > last_year + 1:
                    break
                onsets.add(onset)
        rdates = part.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            onsets |= {value.dt for value in rdate.dts}
        for onset in onsets:
            at = int((onset - before).replace(tzinfo=UTC).timestamp())
            if start <= at < end:
                found.add((at, before, after))
    return sorted(found)


def wall_times(zone: str, changes, first_year: int, last_year: int) -> list[datetime]:
    """Moments to ask a client for the offset at, as the zone's wall time: around each change, and every 61 days."""
    tz, (start, end) = ZoneInfo(zone), window(first_year, last_year)
    moments = [at + delta for at, _before, _after in changes for delta in (-7200, -3600, -1, 0, 3600, 7200)]
    moments += range(start, end, 61 * 86400)
    return [datetime.fromtimestamp(at, tz) for at in moments]


def check_zone(zone: str, first_year: int, last_year: int) -> str:
    """The zone's VTIMEZONE for those years gives zoneinfo's changes, expanded by dateutil and read by vobject;
    return the file holding it."""
    text = as_file(vtimezone(zone, first_year, last_year))
    changes = zoneinfo_changes(zone, first_year, last_year)
    assert expanded_changes(text, first_year, last_year) == changes, zone
    read = vobject.readOne(text).vtimezone.gettzinfo()
    for wall in wall_times(zone, changes, first_year, last_year):
        # The wall time with its fold, as an event's DTSTART gives it to a client: which offset applies there.
        assert wall.replace(tzinfo=read).utcoffset() == wall.utcoffset(), (zone, wall)
    return text


def read_with_ical_js(files: list[str], offsets: list[tuple[int, str, datetime]] = ()) -> dict:
    """What ical.js (tests/ical_read.mjs) reads in the files: each VEVENT as [uid, sequence, status, start, end],
    and the offset (seconds) of a file's zone at a wall time."""
    node = which("node")
    if node is None or not (NODE_MODULES / "ical.js").is_dir():
        missing("node or ical.js not found; `make test` installs ical.js with npm ci.")
    request = {
        "files": files,
        "offsets": [[index, tzid, wall.strftime("%Y-%m-%dT%H:%M:%S")] for index, tzid, wall in offsets],
    }
    done = subprocess.run(
        [node, str(ICAL_JS)], input=json.dumps(request), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def unambiguous(wall: datetime) -> bool:
    """ical.js has no fold: ask it only of wall times that happen once."""
    return not wall.fold and wall.replace(fold=1).utcoffset() == wall.utcoffset()


# --- Zones -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", USERS_ZONES)
def test_the_rules_give_zoneinfos_changes_from_2000_to_2040(zone):
    check_zone(zone, 2000, 2040)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(sorted(available_timezones())),
    first_year=st.integers(1990, 2040),
    years=st.integers(0, 12),
)
def test_the_rules_give_zoneinfos_changes_in_any_zone_and_years(zone, first_year, years):
    check_zone(zone, first_year, first_year + years)


@pytest.mark.parametrize(
    "zone, since, offset",
    [
        ("Europe/Moscow", datetime(2014, 10, 26, 2, 0), "+0300"),
        ("Asia/Tashkent", datetime(1991, 9, 29, 3, 0), "+0500"),
        ("Asia/Almaty", datetime(2024, 3, 1, 0, 0), "+0500"),
        ("Asia/Tehran", datetime(2022, 9, 22, 0, 0), "+0330"),
        ("Asia/Kolkata", datetime(1970, 1, 1, 0, 0), "+0530"),  # the same since 1945: from 1970, as Thunderbird
    ],
)
def test_a_zone_without_daylight_saving_is_one_standard_time_without_rule(zone, since, offset):
    """As the app writes it for an event in 2027: the offset since the zone's last change."""
    (part,) = vtimezone(zone, 2026, 2028).subcomponents
    assert part.name == "STANDARD" and "RRULE" not in part and "RDATE" not in part
    assert (part["DTSTART"].dt, part["TZOFFSETTO"].to_ical()) == (since, offset)


def test_zones_are_written_as_outlook_and_thunderbird_write_them_one_per_tzid(
    client, db, make_event, make_user, make_session
):
    """A presenter's feed: two sessions in Vienna either side of the end of summer time, one in Moscow. One
    VTIMEZONE per zone; Vienna's a STANDARD and a DAYLIGHT with yearly rules, Moscow's one STANDARD."""
    organiser = make_user()
    vienna, moscow = ZoneInfo("Europe/Vienna"), ZoneInfo("Europe/Moscow")
    conference = make_event(
        organiser=organiser,
        title="Border Management Conference",
        timezone="Europe/Vienna",
        start_at=datetime(2027, 10, 30, 9, 0, tzinfo=vienna),
        end_at=datetime(2027, 10, 31, 18, 0, tzinfo=vienna),
    )
    meeting = make_event(
        organiser=organiser,
        title="Expert meeting",
        timezone="Europe/Moscow",
        start_at=datetime(2027, 11, 15, 10, 0, tzinfo=moscow),
        end_at=datetime(2027, 11, 15, 17, 0, tzinfo=moscow),
    )
    starts = {
        "Summer": datetime(2027, 10, 30, 10, 0, tzinfo=vienna),  # UTC+2
        "Winter": datetime(2027, 10, 31, 10, 0, tzinfo=vienna),  # UTC+1
        "Moscow": datetime(2027, 11, 15, 11, 0, tzinfo=moscow),  # UTC+3
    }
    person, expected = create_person({"full_name": "Aida Nurlanovna"}, organiser), {}
    for title, start in starts.items():
        event = meeting if title == "Moscow" else conference
        agenda.add_participant(make_session(event, title, start_at=start, user=organiser), person, "speaker")
        expected[f"{title} · {event.title}"] = start
    db.session.commit()

    feed = client.get(f"/people/{person.id}/calendar.ics").text
    event_file = client.get(f"/events/{conference.slug}/calendar.ics").text
    assert feed.count("BEGIN:VTIMEZONE") == 2 and event_file.count("BEGIN:VTIMEZONE") == 1
    zones = {str(tz["TZID"]): tz for tz in icalendar.Calendar.from_ical(feed).walk("VTIMEZONE")}
    assert set(zones) == {"Europe/Vienna", "Europe/Moscow"}

    daylight, standard = (zones["Europe/Vienna"].walk(name)[0] for name in ("DAYLIGHT", "STANDARD"))
    assert len(zones["Europe/Vienna"].subcomponents) == 2 and "RDATE" not in feed
    assert dict(daylight["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert dict(standard["RRULE"]) == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    # Each rule's first onset, in the wall time before the change: 02:00 in spring, 03:00 in autumn.
    assert daylight["DTSTART"].dt == datetime(1981, 3, 29, 2, 0) and standard["DTSTART"].dt == datetime(1996, 10, 27, 3)
    assert [
        (p["TZOFFSETFROM"].to_ical(), p["TZOFFSETTO"].to_ical(), str(p["TZNAME"])) for p in (daylight, standard)
    ] == [
        ("+0100", "+0200", "CEST"),
        ("+0200", "+0100", "CET"),
    ]
    (moscow_time,) = zones["Europe/Moscow"].subcomponents
    assert moscow_time.name == "STANDARD" and "RRULE" not in moscow_time
    assert moscow_time["TZOFFSETTO"].to_ical() == "+0300"

    # vobject (dateutil's tzical) and ical.js put each session at its moment.
    read = {vevent.summary.value: vevent.dtstart.value for vevent in vobject.readOne(feed).vevent_list}
    assert read == expected
    assert all(start.utcoffset() == expected[title].utcoffset() for title, start in read.items())
    (events,) = read_with_ical_js([feed])["events"]
    assert sorted(start for _uid, _seq, _status, start, _end in events) == sorted(
        int(start.timestamp()) for start in starts.values()
    )


def test_ical_js_reads_zoneinfos_offsets_in_our_users_zones_from_2000_to_2040():
    files, offsets = [], []
    for index, zone in enumerate(USERS_ZONES):
        files.append(as_file(vtimezone(zone, 2000, 2040)))
        changes = zoneinfo_changes(zone, 2000, 2040)
        offsets += [(index, zone, wall) for wall in wall_times(zone, changes, 2000, 2040) if unambiguous(wall)]
    answers = read_with_ical_js(files, offsets)["offsets"]
    wrong = [
        (zone, wall, answer)
        for (_index, zone, wall), answer in zip(offsets, answers, strict=True)
        if answer != wall.utcoffset().total_seconds()
    ]
    assert wrong == [] and len(answers) > 1000


# --- SEQUENCE on a change of STATUS -----------------------------------------------------------------------------


def sequences(text: str) -> dict[str, tuple[int, str]]:
    """{UID: (SEQUENCE, STATUS)} of a file's entries."""
    return {
        str(vevent["UID"]): (int(vevent["SEQUENCE"]), str(vevent["STATUS"]))
        for vevent in icalendar.Calendar.from_ical(text).walk("VEVENT")
    }


def invites(mailbox, to: str) -> list[tuple[str, str, int, str]]:
    """(METHOD, UID, SEQUENCE, STATUS) of the invites mailed to `to`, in order: one a message, whether it carries
    the calendar once or twice (inline, and attached for the clients that need a file)."""
    found = []
    for message in mailbox.messages:
        parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        if message["To"] == to and parts:
            cal = icalendar.Calendar.from_ical(parts[0].get_content())
            (vevent,) = cal.walk("VEVENT")
            found.append((str(cal["METHOD"]), str(vevent["UID"]), int(vevent["SEQUENCE"]), str(vevent["STATUS"])))
    return found


def test_cancelling_an_event_raises_the_sequence_of_its_entry_and_of_each_sessions_everywhere(
    client, db, make_event, make_user, make_session, make_registration, mailbox
):
    """Public feed, the sessions' own files, the presenter's and the delegate's feeds, and the CANCEL mails: every
    entry goes out CANCELLED with a SEQUENCE above the one it had, the same number everywhere."""
    from eventmgr.events.services import cancel_event

    organiser = make_user()
    event = make_event(organiser=organiser, title="Border Management Conference", timezone="Europe/Vienna")
    first = make_session(event, "Opening", user=organiser)
    second = make_session(event, "Panel", start_at=event.start_at + timedelta(hours=1), user=organiser)
    presenter = create_person({"full_name": "Erik Berg", "email": "erik@frontex.example"}, organiser)
    agenda.add_participant(first, presenter, "speaker", user=organiser)
    delegate = make_registration(event, "delegate@example.kz")
    agenda.set_personal_agenda(delegate, [second.id])
    db.session.commit()
    mailbox.deliver()
    feeds = {
        "public": f"/events/{event.slug}/calendar.ics",
        "first": f"/events/{event.slug}/sessions/{first.id}.ics",
        "second": f"/events/{event.slug}/sessions/{second.id}.ics",
        "presenter": f"/people/{presenter.id}/calendar.ics",
        "delegate": f"/events/{event.slug}/registration/{delegate.access_token}/calendar.ics",
    }
    before = {name: sequences(client.get(url).text) for name, url in feeds.items()}
    assert len(before["public"]) == 3 and {status for _seq, status in before["public"].values()} == {"CONFIRMED"}
    held = {
        uid: seq
        for _method, uid, seq, _status in invites(mailbox, "erik@frontex.example") + invites(mailbox, delegate.email)
    }

    cancel_event(event, organiser, "Postponed.")
    db.session.commit()
    public = client.get(feeds["public"]).text
    after = {name: sequences(client.get(url).text) for name, url in feeds.items()}
    for name, entries in after.items():
        assert entries.keys() == before[name].keys(), name
        for uid, (sequence, status) in entries.items():
            assert status == "CANCELLED" and sequence > before[name][uid][0], (name, uid)
            assert sequence == after["public"][uid][0], (name, uid)  # one number for the entry, in every feed
    (read,) = read_with_ical_js([public])["events"]
    assert {uid: (seq, status) for uid, seq, status, _start, _end in read} == after["public"]

    # The mails: the delegate's event and chosen session, the presenter's session, each CANCEL at that number.
    calendar.queue_calendar_updates(now=datetime.now(UTC) + timedelta(hours=1))
    mailbox.deliver()
    cancels = {
        (to, uid): (seq, status)
        for to in ("erik@frontex.example", delegate.email)
        for method, uid, seq, status in invites(mailbox, to)
        if method == "CANCEL"
    }
    uid = {name: next(u for u in after[name] if u.startswith("session-")) for name in ("first", "second")}
    event_uid = next(u for u in after["public"] if u.startswith("event-"))
    assert cancels == {
        ("erik@frontex.example", uid["first"]): (after["public"][uid["first"]][0], "CANCELLED"),
        (delegate.email, uid["second"]): (after["public"][uid["second"]][0], "CANCELLED"),
        (delegate.email, event_uid): (after["public"][event_uid][0], "CANCELLED"),
    }
    assert all(seq > held[u] for (_to, u), (seq, _status) in cancels.items() if u in held)
    assert held.keys() >= {uid["first"], event_uid}  # the invites they had, which the CANCELs outrank


def test_publishing_a_draft_raises_the_sequence_of_its_tentative_entries(
    db, make_event, make_user, make_session, mailbox
):
    from eventmgr.events.services import publish_event

    organiser = make_user()
    draft = make_event(organiser=organiser, status="draft")
    session = make_session(draft, "Keynote", kind="keynote", user=organiser)
    agenda.add_participant(
        session, create_person({"full_name": "Erik Berg", "email": "erik@frontex.example"}), "speaker", user=organiser
    )
    db.session.commit()
    drafted = sequences(event_to_ics(draft, sessions=[session]).decode())
    assert {status for _seq, status in drafted.values()} == {"TENTATIVE"}

    publish_event(draft, organiser)
    db.session.commit()
    published = sequences(event_to_ics(draft, sessions=[session]).decode())
    assert published.keys() == drafted.keys()
    for uid, (sequence, status) in published.items():
        assert status == "CONFIRMED" and sequence > drafted[uid][0], uid
    mailbox.deliver()
    ((method, uid, sequence, _status),) = invites(mailbox, "erik@frontex.example")
    assert method == "REQUEST" and sequence == published[uid][0]
