"""Build iCalendar (RFC 5545) files with the icalendar library: pure functions returning bytes.

They read events and sessions as plain objects (their attributes only), so any feature may build a file
without importing the features that store them: registration's mails as well as calendar's feeds.

Every TZID used gets one VTIMEZONE, made from the zoneinfo database for the years around the entries (cached)
with the yearly rules Outlook reads (eventmgr.vtimezone), so files never carry a hand-written zone.
User text goes through the library's property types, which escape it: a title cannot add lines.

Files are written in the current language (`languages.in_language` for a message to someone else): the labels go
through gettext, titles and descriptions are read `.translated`, places and dates in the locale's own words.
"""

from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import NamedTuple
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from eventmgr.database import utcnow
from eventmgr.formatting import event_place
from eventmgr.text import plain_text
from eventmgr.urls import external_url
from eventmgr.vtimezone import vtimezone

PRODID = "-//eventmgr//eventmgr//EN"


def _domain() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "eventmgr"


def event_uid(event) -> str:
    """Stable for the event's lifetime, so that re-importing updates instead of duplicating."""
    return f"event-{event.id}@{_domain()}"


def location_text(event, mode: str | None = None, join_url: bool = False) -> str:
    """Where the event is, in one line, for everyone or for a delegate attending in `mode`: the venue, or
    online on its platform, or both; for an online delegate with `join_url`, the link itself, which calendar
    clients make clickable."""
    place = event_place(event, mode)
    return f"{place}: {event.join_url}" if join_url and mode == "online" and event.join_url else place


def _joins(event, mode: str | None, include_join_url: bool) -> bool:
    """Whether a delegate's entry carries the join link: asked for, and they follow online (or may)."""
    return include_join_url and bool(event.join_url) and event.is_online and mode != "in_person"


def _status(event, cancelled: bool = False) -> str:
    """The STATUS of the event's entries and its sessions': CANCELLED (for everyone, or for this reader), TENTATIVE
    while a draft, else CONFIRMED. Each change of it raises their SEQUENCE (calendar.services.status_changed)."""
    if cancelled or event.status == "cancelled":
        return "CANCELLED"
    return "TENTATIVE" if event.status == "draft" else "CONFIRMED"


def session_uid(event_session) -> str:
    return f"session-{event_session.id}@{_domain()}"


def session_location(event_session, mode: str | None = None) -> str:
    """The room or stream, then the event's place."""
    place = location_text(event_session.event, mode)
    return f"{event_session.room}, {place}" if event_session.room else place


def session_title(event_session) -> str:
    """'Panel discussion · Central Asia Border Challenges', in the reader's language."""
    return f"{event_session.translated.title} · {event_session.event.translated.title}"


def session_description(event_session) -> str:
    """Plain text: the kind, who takes part and in what role, the theme, and where to read more."""
    lines = [] if event_session.kind_label == event_session.title else [_(event_session.kind_label)]
    for part in event_session.participants:
        person = part.person
        line = f"{_(part.role_label)}: {person.display_name}"
        affiliation = ", ".join(filter(None, (person.translated.position, person.organisation_display)))
        if affiliation:
            line += f" ({affiliation})"
        if part.talk_title:
            line += f", “{part.talk_title}”"
        lines.append(line)
    text = plain_text(event_session.translated.description, length=1500)
    return "\n".join(filter(None, ["\n".join(lines), text])).strip()


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
            calendar.subcomponents.insert(position, vtimezone(tzid, first_year, last_year))
    return calendar.to_ical()


class Organiser(NamedTuple):
    """Who runs an event, as its calendar entries and the mail sent for it name them."""

    #: The event's first host organisation, else whoever created the event, else the site.
    name: str
    #: Where to write to them: the event's contact address, else the site's own.
    address: str
    #: The site's address when it is not theirs: it sends on their behalf (SENT-BY, Sender).
    sent_by: str | None


def organiser(event) -> Organiser:
    """The event's organiser: its first host organisation's name, else its creator's, else the site's; at the
    event's contact address, else the site's."""
    site_name, site_address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    hosts = event.hosts
    creator = None if hosts else event.created_by
    name = hosts[0].name if hosts else (creator.name if creator is not None else None)
    address = event.contact_email or site_address
    sent_by = site_address if address.lower() != site_address.lower() else None
    return Organiser(name or site_name or "eventmgr", address, sent_by)


def _organizer(event) -> vCalAddress:
    """ORGANIZER, with SENT-BY the site's address when the organiser's is another (RFC 5545, 3.2.18)."""
    who = organiser(event)
    organizer = vCalAddress(f"mailto:{who.address}")
    organizer.params["cn"] = vText(who.name)
    if who.sent_by:
        organizer.params["sent-by"] = vText(f"mailto:{who.sent_by}")
    return organizer


def _attendee(name: str, email: str, method: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("DECLINED" if method == "CANCEL" else "ACCEPTED")
    address.params["rsvp"] = vText("FALSE")
    return address


def event_component(
    event,
    method: str = "PUBLISH",
    attendee: tuple[str, str] | None = None,
    include_join_url: bool = False,
    cancelled: bool = False,
    mode: str | None = None,
) -> VEvent:
    """One VEVENT for the whole event, in its own time zone; `mode`: the attendee's, for where and how to join."""
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", utcnow())
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.calendar_sequence)
    vevent.add("dtstart", event.local_start)
    vevent.add("dtend", event.local_end)
    vevent.add("summary", event.translated.title)
    joins = _joins(event, mode, include_join_url)
    vevent.add("location", location_text(event, mode, joins))
    page = external_url("events.detail", slug=event.slug)
    description = plain_text(event.translated.description, length=1500)
    if joins:
        description = _("Join online: %(link)s", link=event.join_url) + f"\n\n{description}"
    vevent.add("description", f"{description}\n\n{page}".strip())
    vevent.add("url", page)
    vevent.add("status", _status(event, cancelled or method == "CANCEL"))
    vevent.add("transp", "OPAQUE")
    vevent.add("organizer", _organizer(event))
    if attendee is not None:
        vevent.add("attendee", _attendee(*attendee, method))
    return vevent


def session_component(
    event_session,
    method: str = "PUBLISH",
    attendee: tuple[str, str] | None = None,
    include_join_url: bool = False,
    cancelled: bool = False,
    mode: str | None = None,
) -> VEvent:
    """One VEVENT for a session of the programme, in the event's time zone."""
    event = event_session.event
    vevent = VEvent()
    vevent.add("uid", session_uid(event_session))
    vevent.add("dtstamp", utcnow())
    vevent.add("created", event_session.created_at)
    vevent.add("last-modified", event_session.updated_at)
    vevent.add("sequence", event_session.calendar_sequence)
    vevent.add("dtstart", event_session.start_at.astimezone(event.tz))
    vevent.add("dtend", event_session.end_at.astimezone(event.tz))
    vevent.add("summary", session_title(event_session))
    joins = _joins(event, mode, include_join_url)
    vevent.add("location", session_location(event_session, mode))
    page = external_url("agenda.agenda", slug=event.slug, _anchor=f"session-{event_session.id}")
    description = session_description(event_session)
    if joins:
        description = _("Join online: %(link)s", link=event.join_url) + f"\n\n{description}"
    vevent.add("description", f"{description}\n\n{page}".strip())
    vevent.add("url", page)
    vevent.add("status", _status(event, cancelled or method == "CANCEL"))
    # Breaks do not make the reader look busy to colleagues.
    vevent.add("transp", "TRANSPARENT" if event_session.is_break else "OPAQUE")
    vevent.add("organizer", _organizer(event))
    if attendee is not None:
        vevent.add("attendee", _attendee(*attendee, method))
    return vevent


def event_to_ics(
    event,
    method: str = "PUBLISH",
    attendee: tuple[str, str] | None = None,
    include_join_url: bool = False,
    cancelled: bool = False,
    sessions=(),
    mode: str | None = None,
) -> bytes:
    """The event, and after it each of `sessions` as its own entry; REQUEST and CANCEL carry ATTENDEE. `mode`:
    the attendee's attendance mode, which decides the LOCATION and whether the join link is given."""
    calendar = _new_calendar(method, event.translated.title)
    calendar.add_component(event_component(event, method, attendee, include_join_url, cancelled, mode))
    moments = [event.local_start, event.local_end]
    for event_session in sessions:
        calendar.add_component(session_component(event_session, method, attendee, include_join_url, cancelled, mode))
        moments += [event_session.start_at.astimezone(event.tz), event_session.end_at.astimezone(event.tz)]
    return _finish(calendar, moments)


def sessions_to_ics(
    name: str,
    sessions,
    method: str = "PUBLISH",
    attendee: tuple[str, str] | None = None,
    include_join_url: bool = False,
) -> bytes:
    """Sessions of any events as one calendar (a presenter's sessions, one session alone, an invite)."""
    calendar = _new_calendar(method, name)
    moments = []
    for event_session in sessions:
        calendar.add_component(session_component(event_session, method, attendee, include_join_url))
        tz = event_session.event.tz
        moments += [event_session.start_at.astimezone(tz), event_session.end_at.astimezone(tz)]
    return _finish(calendar, moments)


def event_days_to_ics(event) -> bytes:
    """A multi-day event as one all-day entry per day, so it does not fill a calendar as one block."""
    title = event.translated.title
    calendar = _new_calendar("PUBLISH", title)
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
        summary = _("%(title)s (day %(day)d of %(days)d)", title=title, day=n + 1, days=days) if days > 1 else title
        vevent.add("summary", summary)
        vevent.add("location", location_text(event))
        vevent.add("description", page)
        vevent.add("url", page)
        vevent.add("transp", "TRANSPARENT")
        vevent.add("status", _status(event))
        vevent.add("organizer", _organizer(event))
        calendar.add_component(vevent)
    return calendar.to_ical()


def _entry(item) -> tuple[str, str, str]:
    """(title, page, location) of an event or a session, for the web calendars' forms."""
    if hasattr(item, "event"):  # a session of an event
        return (
            session_title(item),
            external_url("agenda.agenda", slug=item.event.slug, _anchor=f"session-{item.id}"),
            session_location(item),
        )
    return item.translated.title, external_url("events.detail", slug=item.slug), location_text(item)


def google_calendar_url(item) -> str:
    """A link that opens Google Calendar's form filled with the event or session."""
    fmt = "%Y%m%dT%H%M%SZ"
    title, page, location = _entry(item)
    query = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{item.start_at.strftime(fmt)}/{item.end_at.strftime(fmt)}",
        "ctz": getattr(item, "timezone", None) or item.event.timezone,
        "details": page,
        "location": location,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_calendar_url(item) -> str:
    """A link that opens Outlook on the web's form filled with the event or session."""
    title, page, location = _entry(item)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": item.start_at.isoformat(),
        "enddt": item.end_at.isoformat(),
        "body": page,
        "location": location,
    }
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(query)
