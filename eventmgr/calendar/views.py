"""Calendar downloads and feeds: text/calendar with a file name, ETag and Last-Modified so pollers get 304.

Building the .ics of a large programme costs far more than finding out whether it changed (one
aggregate query), so files are kept per worker, keyed by what they are built from, and a poller
whose copy is current gets 304 without anything being built.

Public files are written in the language of the request (the switcher's cookie, the browser's wish); a
delegate's own feed in the language they registered in, whoever polls it.
"""

import hashlib
from collections.abc import Callable

from flask import Blueprint, abort, current_app, request

from eventmgr.agenda.models import EventSession
from eventmgr.agenda.services import personal_sessions
from eventmgr.builtfiles import built_files
from eventmgr.calendar import services
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.extensions import db
from eventmgr.ics import event_days_to_ics, event_to_ics, sessions_to_ics
from eventmgr.languages import current_language, in_language
from eventmgr.pagecache import cached_public_page
from eventmgr.people.models import Person
from eventmgr.registration.services import registration_for_link
from eventmgr.urls import external_url

bp = Blueprint("calendar", __name__)


def _etag(parts: tuple) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def calendar_response(
    build: Callable[[], bytes],
    filename: str,
    etag_parts: tuple,
    last_modified=None,
    private: bool = False,
    cache: bool = False,
):
    """Answer with the file `build` makes, or 304 when the client's copy is current (nothing is built then).

    `cache` keeps the built file for the next client (public files only: etag_parts must name everything
    the file is built from). `last_modified` only where it rises with every change: a client that polls
    with If-Modified-Since alone would otherwise keep an old copy (the ETag always works).
    """
    # Built files hold absolute links and are written in a language: the public address they point at and the
    # language are part of what they are built from.
    etag = _etag((current_app.config["PUBLIC_URL"], current_language(), *etag_parts))
    response = current_app.response_class(content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.no_cache = True  # revalidate every time: cheap with the ETag
    if private:
        response.cache_control.private = True
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.cache_control.public = True
        response.vary.update(("Accept-Language", "Cookie"))  # the language it is written in
    if request.if_none_match.contains(etag):
        return response.make_conditional(request)
    response.set_data(built_files.get_or_build(etag, build) if cache else build())
    return response.make_conditional(request)


def _identity(event) -> tuple:
    """What tells one state of an event and its programme from every other, even one that reuses a deleted
    event's id (programme_version rises with any change to its sessions, their people and organisations)."""
    return (
        event.id,
        event.created_at,
        event.updated_at,
        event.version,
        event.calendar_sequence,
        event.programme_version,
    )


def _changed_at(event):
    """When the event or its programme last changed: both only ever move forward."""
    return max(filter(None, [event.updated_at, event.programme_changed_at]))


@bp.route("/events/<slug>/calendar.ics")
@cached_public_page
def event_calendar(slug: str):
    """The event and its sessions, or with ?layout=days one all-day entry per day, for any calendar."""
    event, moved = visible_event_or_redirect(slug, "calendar.event_calendar")
    if moved:
        return moved
    if request.args.get("layout") == "days":
        return calendar_response(
            lambda: event_days_to_ics(event),
            f"{event.slug}-days.ics",
            ("days", *_identity(event)),
            event.updated_at,
            cache=True,
        )
    return calendar_response(
        lambda: event_to_ics(event, sessions=services.calendar_sessions(event)),
        f"{event.slug}.ics",
        ("event", *_identity(event)),
        _changed_at(event),
        cache=True,
    )


@bp.route("/events/<slug>/sessions/<int:session_id>.ics")
@cached_public_page
def session_calendar(slug: str, session_id: int):
    """One session of the programme."""
    event, moved = visible_event_or_redirect(slug, "calendar.session_calendar", session_id=session_id)
    if moved:
        return moved
    event_session = db.session.get(EventSession, session_id)
    if event_session is None or event_session.event_id != event.id:
        abort(404)
    return calendar_response(
        lambda: sessions_to_ics(event.translated.title, [event_session]),
        f"{event.slug}-session-{event_session.id}.ics",
        ("session", event_session.id, *_identity(event)),
        _changed_at(event),
    )


@bp.route("/people/<int:person_id>/calendar.ics")
@cached_public_page
def person_calendar(person_id: int):
    """A presenter's sessions in public events, to follow by subscription."""
    person = db.get_or_404(Person, person_id)
    sessions = services.person_sessions(person)
    if not sessions:
        abort(404)
    parts = (
        "person",
        person.id,
        person.created_at,
        person.updated_at,
        tuple((s.id, *_identity(s.event)) for s in sessions),
    )
    return calendar_response(lambda: sessions_to_ics(person.display_name, sessions), f"{person.slug}.ics", parts)


@bp.route("/events/<slug>/registration/<token>/calendar.ics")
@bp.route("/events/<slug>/registration/<token>/invite.ics", endpoint="invite_ics")  # the address older mails gave
def personal_calendar(slug: str, token: str):
    """A delegate's own feed, by their private link: the event (with the join link once they hold a seat) and the
    sessions they put on their agenda. Nothing of anyone else's.

    It lives with calendar, above registration and agenda, because it joins the two.
    """
    registration = registration_for_link(slug, token)
    if registration is None:
        abort(404)
    event = registration.event
    sessions = personal_sessions(registration)
    confirmed = registration.status == "confirmed"
    withdrawn = registration.status in ("cancelled", "declined")
    parts = (
        "personal",
        registration.id,
        registration.status,
        registration.attendance_mode,
        registration.updated_at,
        *_identity(event),
        tuple(s.id for s in sessions),
    )
    # The calendar that polls the feed says nothing of its reader: the feed is in the delegate's language.
    with in_language(registration.language):
        return calendar_response(
            lambda: event_to_ics(
                event,
                include_join_url=confirmed,
                cancelled=withdrawn,
                sessions=sessions,
                mode=registration.attendance_mode,
            ),
            f"{event.slug}.ics",
            parts,
            private=True,
        )


def webcal_url(endpoint: str, **values) -> str:
    """The feed's URL at the public address with the webcal: scheme, which calendars open as a subscription."""
    url = external_url(endpoint, **values)
    return "webcal:" + url.partition(":")[2]
