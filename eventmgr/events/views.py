"""Public pages: the event list, an event, a series."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventmgr import locales
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.events.models import EVENT_FORMATS, EVENT_KINDS, Series
from eventmgr.events.permissions import can_find_event, can_manage_event
from eventmgr.events.services import related_events, search_public_events
from eventmgr.extensions import db
from eventmgr.limits import page_number
from eventmgr.pagecache import cached_public_page

bp = Blueprint("events", __name__)


def _date_arg(name: str, end_of_day: bool = False) -> datetime | None:
    raw = request.args.get(name, "")
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    # Dates in the search box are read in UTC; a day's events anywhere on earth overlap it by a few hours.
    return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=ZoneInfo("UTC"))


@bp.route("/")
@cached_public_page
def index():
    """List upcoming and recent public events, with search."""
    filters = {
        "text": request.args.get("q", "").strip()[:200] or None,
        "country": request.args.get("country") if request.args.get("country") in locales.country_codes() else None,
        "kind": request.args.get("kind") if request.args.get("kind") in EVENT_KINDS else None,
        "format": request.args.get("format") if request.args.get("format") in EVENT_FORMATS else None,
        "date_from": _date_arg("from"),
        "date_to": _date_arg("to", end_of_day=True),
    }
    searching = any(filters.values())
    errors = {}
    if filters["date_from"] and filters["date_to"] and filters["date_from"] > filters["date_to"]:
        # Said at the field: a range that ends before it starts would silently find nothing.
        errors["to"] = _("This date is before the “From” date: choose one on or after it.")
    page = request.args.get("page", 1, type=page_number)
    per_page = current_app.config["EVENTS_PER_PAGE"]
    if errors:
        results = upcoming = recent = None
    elif searching:
        results = search_public_events(**filters, when="all", page=page, per_page=per_page)
        upcoming = recent = None
    else:
        results = None
        upcoming = search_public_events(when="upcoming", page=page, per_page=per_page)
        recent = search_public_events(when="past", page=1, per_page=6) if page == 1 else None
    return render_template(
        "events/index.html",
        filters=filters,
        errors=errors,
        searching=searching,
        results=results,
        upcoming=upcoming,
        recent=recent,
        kinds=EVENT_KINDS,
        formats=EVENT_FORMATS,
        countries=locales.country_choices(),
    ), 422 if errors else 200


@bp.route("/events/<slug>")
@cached_public_page
def detail(slug: str):
    """Show an event: about, dates in its own zone, venue or online, price, hosts, related events."""
    event, moved = visible_event_or_redirect(slug, "events.detail")
    if moved:
        return moved
    return render_template(
        "events/detail.html",
        event=event,
        related=related_events(event) if event.status != "draft" else [],
        can_manage=can_manage_event(current_user, event),
    )


@bp.route("/series/<slug>")
@cached_public_page
def series(slug: str):
    """List the editions of a series that the reader may see."""
    found = db.first_or_404(select(Series).where(Series.slug == slug))
    editions = [e for e in found.events if can_find_event(current_user, e)]
    editions.sort(key=lambda e: e.start_at, reverse=True)
    return render_template("events/series.html", series=found, editions=editions)
