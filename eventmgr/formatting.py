"""Template helpers: dates in an event's zone, money, countries, Markdown."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import (
    format_date,
    format_datetime,
    format_time,
    get_timezone_gmt,
    get_timezone_name,
)
from babel.numbers import format_currency
from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from eventmgr import locales
from eventmgr.auth import permissions
from eventmgr.calendar.ics import google_calendar_url, outlook_calendar_url
from eventmgr.database import utcnow
from eventmgr.text import plain_text, render_markdown
from eventmgr.urls import external_url


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


def zone_label(event, moment: datetime | None = None) -> str:
    """The event's zone named in full with its offset, e.g. 'East Kazakhstan Time (Asia/Almaty, GMT+05:00)'."""
    moment = moment or event.start_at
    tz = ZoneInfo(event.timezone)
    local = moment.astimezone(tz)
    name = get_timezone_name(local, width="long", locale=get_locale())
    offset = get_timezone_gmt(local, width="long", locale=get_locale())
    return f"{name} ({event.timezone}, {offset})"


def local_datetime(moment: datetime | None, timezone: str = "UTC", fmt: str = "medium") -> str:
    if moment is None:
        return ""
    return format_datetime(moment, fmt, tzinfo=ZoneInfo(timezone), locale=get_locale())


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


def url_for_page(page: int) -> str:
    """The current page's URL with the same query, at another page number."""
    args = {k: v for k, v in request.args.items() if k != "page"} | {"page": page}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.filters.update(
        markdown=render_markdown,
        excerpt=plain_text,
        event_dates=event_dates,
        event_times=event_times,
        zone_label=zone_label,
        local_datetime=local_datetime,
        price=price,
        money=money,
        country_name=locales.country_name,
        language_name=locales.language_name,
        dict_without_page=lambda args: {k: v for k, v in args.items() if k != "page"},
    )

    app.jinja_env.globals.update(field_attrs=field_attrs, permissions=permissions, get_locale=get_locale,
                                  url_for_page=url_for_page, google_calendar_url=google_calendar_url,
                                  outlook_calendar_url=outlook_calendar_url, external_url=external_url)

    @app.context_processor
    def template_globals():
        return {"now": utcnow()}
