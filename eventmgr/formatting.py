"""Formatting for templates: dates and times in an event's zone, zones, money, form fields, page links."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_timezone_gmt,
    get_timezone_name,
)
from babel.lists import format_list
from babel.numbers import format_currency
from flask import request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from eventmgr.database import utcnow
from eventmgr.locales import country_name


def event_dates(event) -> str:
    """The days of an event in its own zone, e.g. '24–25 July 2019'."""
    start, end, locale = event.local_start, event.local_end, get_locale()
    if start.date() == end.date():
        return format_date(start, "long", locale=locale)
    # Babel has no interval pattern with full month names; both our languages write the day first.
    last = format_date(end, "long", locale=locale)
    if (start.year, start.month) == (end.year, end.month):
        return f"{format_date(start, 'd', locale=locale)}–{last}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale=locale)} – {last}"
    return f"{format_date(start, 'long', locale=locale)} – {last}"


def event_times(event) -> str:
    """Start and end in the event's zone: '24 July 2019, 09:00–18:00' or '24 July 2019, 09:00 – 25 July 2019, 18:00'."""
    locale = get_locale()
    start, end = event.local_start, event.local_end
    start_text = f"{format_date(start, 'long', locale=locale)}, {format_time(start, 'short', locale=locale)}"
    if start.date() == end.date():
        return f"{start_text}–{format_time(end, 'short', locale=locale)}"
    return f"{start_text} – {format_date(end, 'long', locale=locale)}, {format_time(end, 'short', locale=locale)}"


def event_place(event, mode: str | None = None, short: bool = False) -> str:
    """Where the event happens, for everyone (mode None) or for a delegate attending in that mode.

    "Rixos Borovoe, Borovoe, Kazakhstan"; "Online (Zoom Webinars)"; "Hotel Karven, Cholpon-Ata, Kyrgyzstan
    and online (Zoom)". `short` names the city, not the venue, and no platform: "Hybrid: in
    Cholpon-Ata and online", for cards and lists. In the reader's language (a calendar file's, a mail's too).
    """
    locale = get_locale()
    named = () if short else (event.venue_name, event.venue_address)
    parts = (*named, event.venue_city, country_name(event.venue_country, locale))
    venue = ", ".join(part for part in parts if part)
    platform = "" if short or not event.online_platform else f" ({event.online_platform})"
    if mode == "online" or event.format == "online":
        return _("Online") + platform
    if mode == "in_person" or event.format == "in_person":
        return venue
    if short:
        return _("Hybrid: in %(place)s and online", place=event.venue_city or venue)
    return _("%(place)s and online", place=venue) + platform


def zone_name(tz_name: str, moment: datetime | None = None) -> str:
    """A zone named in full with its offset at `moment` (now by default): 'Central European Time (Europe/Brussels,
    GMT+01:00)'."""
    local = (moment or utcnow()).astimezone(ZoneInfo(tz_name))
    name = get_timezone_name(local, width="long", locale=get_locale())
    return f"{name} ({tz_name}, {get_timezone_gmt(local, width='long', locale=get_locale())})"


def zone_label(event, moment: datetime | None = None) -> str:
    """The event's zone named in full with its offset at its start, e.g. 'East Kazakhstan Time (Asia/Almaty,
    GMT+05:00)'."""
    return zone_name(event.timezone, moment or event.start_at)


def session_times(event_session, tz_name: str) -> str:
    """'09:30–10:15' in the given zone; the end's date is added when the session runs past midnight."""
    tz = ZoneInfo(tz_name)
    start, end = event_session.start_at.astimezone(tz), event_session.end_at.astimezone(tz)
    locale = get_locale()
    text = f"{format_time(start, 'short', locale=locale)}–{format_time(end, 'short', locale=locale)}"
    if end.date() != start.date():
        text += f" ({format_date(end, 'medium', locale=locale)})"
    return text


def agenda_day(day) -> str:
    """'Tuesday, 24 July 2018'."""
    return format_date(day, "full", locale=get_locale())


def local_datetime(moment: datetime | None, timezone: str = "UTC") -> str:
    """The one way a date and time is shown: in the zone given, in the reader's locale, naming the zone.

    '3 Dec 2026, 00:06 (Asia/Almaty)'; '3 дек. 2026 г., 00:06 (Asia/Almaty)'. '' for no moment.
    """
    if moment is None:
        return ""
    locale = get_locale()
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = get_datetime_format("medium", locale=locale)
    text = pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale)
    )
    return f"{text} ({timezone})"


def spoken_list(items) -> str:
    """Items joined as the reader's language writes a list in a sentence: 'title, time and place'."""
    return format_list([str(item) for item in items], locale=get_locale()) if items else ""


def money(amount, currency: str) -> str:
    return format_currency(amount or 0, currency, locale=get_locale())


def price(event) -> str:
    if event.is_free:
        return _("Free")
    return format_currency(event.fee, event.currency, locale=get_locale())


def field_attrs(field) -> dict:
    """ARIA attributes tying a form input to its help text and errors."""
    described = [f"{field.id}-help"] if field.description else []
    if field.errors:
        described.append(f"{field.id}-error")
    attrs = {"aria-describedby": " ".join(described)} if described else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def invalid_fields(form) -> list[tuple[str | None, str, str]]:
    """(input id, label, errors) of each field of the form that was refused, in the form's order, for the summary
    that links to them; the id is None where there is nothing to go to (a hidden field, the CSRF token)."""
    found = []
    for field in form:
        if field.type in ("FieldList", "FormField"):
            found.extend(invalid_fields(field))
        elif field.errors and all(isinstance(error, str) for error in field.errors):
            target = None if field.type in ("HiddenField", "CSRFTokenField") else field.id
            found.append((target, field.label.text, " ".join(field.errors)))
    return found


def url_for_page(page: int) -> str:
    """The current page's URL with the same query, at another page number."""
    return url_for(request.endpoint, **(request.view_args or {}), **without_page(request.args), page=page)


def without_page(args) -> dict:
    """A query's arguments but the page number, for a search form that starts again at page 1."""
    return {k: v for k, v in args.items() if k != "page"}
