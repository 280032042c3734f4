"""Calendar downloads: text/calendar with a file name, ETag and Last-Modified so pollers get 304."""

import hashlib

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from eventmgr.auth.permissions import can_view_event
from eventmgr.calendar.ics import event_days_to_ics, event_to_ics
from eventmgr.events.services import event_by_slug

bp = Blueprint("calendar", __name__)


def calendar_response(body: bytes, filename: str, etag_parts: tuple, last_modified, private: bool = False):
    """Wrap iCalendar bytes: a file name, validators for conditional GET, and caching rules."""
    response = current_app.response_class(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(hashlib.sha256(repr(etag_parts).encode()).hexdigest()[:32])
    response.last_modified = last_modified
    response.cache_control.no_cache = True  # revalidate every time: cheap with the ETag
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    return response.make_conditional(request)


@bp.route("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    """The event (one entry, or one all-day entry per day with ?layout=days) for any calendar."""
    event, moved_to = event_by_slug(slug)
    if event is None:
        if moved_to:
            return redirect(url_for("calendar.event_calendar", slug=moved_to, **request.args), 301)
        abort(404)
    if not can_view_event(current_user, event):
        abort(404)
    days = request.args.get("layout") == "days"
    body = event_days_to_ics(event) if days else event_to_ics(event)
    filename = f"{event.slug}-days.ics" if days else f"{event.slug}.ics"
    return calendar_response(body, filename, ("event", event.id, event.version, event.calendar_sequence, days),
                             event.updated_at)
