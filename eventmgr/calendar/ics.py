"""Build iCalendar (RFC 5545) files with the icalendar library: pure functions returning bytes."""

from email.utils import parseaddr

from flask import current_app, url_for
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from eventmgr.database import utcnow
from eventmgr.text import plain_text

PRODID = "-//eventmgr//eventmgr//EN"


def event_uid(event) -> str:
    """Stable for the event's lifetime, so that re-importing updates instead of duplicating."""
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "eventmgr"
    return f"event-{event.id}@{domain}"


def location_text(event) -> str:
    if not event.has_venue:
        return "Online"
    from eventmgr.locales import country_name

    parts = [event.venue_name, event.venue_address, event.venue_city, country_name(event.venue_country)]
    return ", ".join(part for part in parts if part)


def event_to_ics(event, method: str = "PUBLISH", attendee: tuple[str, str] | None = None,
                 include_join_url: bool = False, status: str | None = None) -> bytes:
    """The event as a calendar; REQUEST and CANCEL carry an ORGANIZER and the delegate as ATTENDEE."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", utcnow())
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.calendar_sequence)
    vevent.add("dtstart", event.local_start)
    vevent.add("dtend", event.local_end)
    vevent.add("summary", event.title)
    vevent.add("location", location_text(event))
    page = url_for("events.detail", slug=event.slug, _external=True)
    description = plain_text(event.description, length=2000)
    if include_join_url and event.join_url:
        description = f"Join online: {event.join_url}\n\n{description}"
    vevent.add("description", f"{description}\n\n{page}".strip())
    vevent.add("url", page)
    if status or event.status == "cancelled" or method == "CANCEL":
        vevent.add("status", status or "CANCELLED")
    else:
        vevent.add("status", "CONFIRMED")
    organiser_name, organiser_email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{event.contact_email or organiser_email}")
    organizer.params["cn"] = vText(organiser_name or "eventmgr")
    vevent.add("organizer", organizer)
    if attendee is not None:
        name, email = attendee
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED" if method != "CANCEL" else "DECLINED")
        address.params["rsvp"] = vText("FALSE")
        vevent.add("attendee", address)
    calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return calendar.to_ical()
