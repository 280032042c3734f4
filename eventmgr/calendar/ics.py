"""Build iCalendar (RFC 5545) files with the icalendar library: pure functions returning bytes.

Every TZID used gets a VTIMEZONE that the library builds from the zoneinfo database over a narrow
window of years around the event (cached), so files stay small and never carry a hand-written zone.
User text goes through the library's property types, which escape it: a title cannot add lines.
"""

from datetime import date, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlencode

from babel import Locale
from flask import current_app
from icalendar import Calendar, Timezone, vCalAddress, vText
from icalendar import Event as VEvent

from eventmgr.database import utcnow
from eventmgr.locales import country_name
from eventmgr.text import plain_text
from eventmgr.urls import external_url

PRODID = "-//eventmgr//eventmgr//EN"
ENGLISH = Locale("en")


def _domain() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "eventmgr"


def event_uid(event) -> str:
    """Stable for the event's lifetime, so that re-importing updates instead of duplicating."""
    return f"event-{event.id}@{_domain()}"


def location_text(event) -> str:
    """The venue in one line, or "Online"."""
    if not event.has_venue:
        return "Online"
    parts = [event.venue_name, event.venue_address, event.venue_city, country_name(event.venue_country, ENGLISH)]
    place = ", ".join(part for part in parts if part)
    return f"{place} and online" if event.kind == "hybrid" else place


@lru_cache(maxsize=256)
def timezone_component(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of one zone over a few years, built by icalendar from zoneinfo."""
    return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))


def _new_calendar(method: str | None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _finish(calendar: Calendar, moments: list[datetime]) -> bytes:
    """Add one VTIMEZONE per TZID used, first in the file, and serialise."""
    zones = sorted({m.tzinfo.key for m in moments if getattr(m.tzinfo, "key", None)})
    if moments:
        first_year = min(m.year for m in moments) - 1
        last_year = max(m.year for m in moments) + 1
        for position, tzid in enumerate(zones):
            calendar.subcomponents.insert(position, timezone_component(tzid, first_year, last_year))
    return calendar.to_ical()


def _organizer(event) -> vCalAddress:
    name, email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{event.contact_email or email}")
    organizer.params["cn"] = vText(name or "eventmgr")
    return organizer


def _attendee(name: str, email: str, method: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("DECLINED" if method == "CANCEL" else "ACCEPTED")
    address.params["rsvp"] = vText("FALSE")
    return address


def event_component(event, method: str = "PUBLISH", attendee: tuple[str, str] | None = None,
                    include_join_url: bool = False, cancelled: bool = False) -> VEvent:
    """One VEVENT for the whole event, in its own time zone."""
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", utcnow())
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.calendar_sequence)
    vevent.add("dtstart", event.local_start)
    vevent.add("dtend", event.local_end)
    vevent.add("summary", event.title)
    vevent.add("location", location_text(event))
    page = external_url("events.detail", slug=event.slug)
    description = plain_text(event.description, length=1500)
    if include_join_url and event.join_url:
        description = f"Join online: {event.join_url}\n\n{description}"
    vevent.add("description", f"{description}\n\n{page}".strip())
    vevent.add("url", page)
    is_cancelled = cancelled or method == "CANCEL" or event.status == "cancelled"
    vevent.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    vevent.add("organizer", _organizer(event))
    if attendee is not None:
        vevent.add("attendee", _attendee(*attendee, method))
    return vevent


def event_to_ics(event, method: str = "PUBLISH", attendee: tuple[str, str] | None = None,
                 include_join_url: bool = False, cancelled: bool = False, extra=()) -> bytes:
    """The event as a calendar file; REQUEST and CANCEL carry the delegate as ATTENDEE.

    `extra` adds further VEVENTs (sessions) with their start and end moments: [(vevent, start, end)].
    """
    calendar = _new_calendar(method, event.title)
    calendar.add_component(event_component(event, method, attendee, include_join_url, cancelled))
    moments = [event.local_start, event.local_end]
    for vevent, start, end in extra:
        calendar.add_component(vevent)
        moments += [start, end]
    return _finish(calendar, moments)


def event_days_to_ics(event) -> bytes:
    """A multi-day event as one all-day entry per day, so it does not fill a calendar as one block."""
    calendar = _new_calendar("PUBLISH", event.title)
    first, last = event.local_start.date(), event.local_end.date()
    days = (last - first).days + 1
    page = external_url("events.detail", slug=event.slug)
    for n in range(days):
        day = first + timedelta(days=n)
        vevent = VEvent()
        vevent.add("uid", f"event-{event.id}-day-{day.isoformat()}@{_domain()}")
        vevent.add("dtstamp", utcnow())
        vevent.add("last-modified", event.updated_at)
        vevent.add("sequence", event.calendar_sequence)
        vevent.add("dtstart", day)
        vevent.add("dtend", day + timedelta(days=1))
        vevent.add("summary", f"{event.title} (day {n + 1} of {days})" if days > 1 else event.title)
        vevent.add("location", location_text(event))
        vevent.add("description", page)
        vevent.add("url", page)
        vevent.add("transp", "TRANSPARENT")
        vevent.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        calendar.add_component(vevent)
    return calendar.to_ical()


def google_calendar_url(event) -> str:
    """A link that opens Google Calendar's form filled with the event."""
    fmt = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{event.start_at.strftime(fmt)}/{event.end_at.strftime(fmt)}",
        "ctz": event.timezone,
        "details": external_url("events.detail", slug=event.slug),
        "location": location_text(event),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(event) -> str:
    """A link that opens Outlook on the web's form filled with the event."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.start_at.isoformat(),
        "enddt": event.end_at.isoformat(),
        "body": external_url("events.detail", slug=event.slug),
        "location": location_text(event),
    }
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(query)
