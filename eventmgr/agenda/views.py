"""Public pages of the programme: the agenda (HTML and PDF), the presenters, and a delegate's personal agenda."""

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from eventmgr import locales
from eventmgr.agenda import services
from eventmgr.agenda.forms import PersonalAgendaForm
from eventmgr.builtfiles import built_file_response
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.events.links import visible_event_or_redirect
from eventmgr.events.permissions import can_manage_event
from eventmgr.extensions import db, limiter
from eventmgr.pagecache import cached_public_page
from eventmgr.registration.services import registration_for_link

bp = Blueprint("agenda", __name__)


def _reader_timezone(event) -> tuple[str, bool]:
    """The zone the reader chose with ?tz= (validated), else the event's; and whether a bad one was asked for."""
    asked = request.args.get("tz", "").strip()
    if not asked or asked == event.timezone:
        return event.timezone, False
    if locales.is_timezone(asked):
        return asked, False
    return event.timezone, True


@bp.route("/events/<slug>/agenda")
@cached_public_page
def agenda(slug: str):
    """Show the programme by day, in the event's zone or the reader's, with what is on now and next."""
    event, moved = visible_event_or_redirect(slug, "agenda.agenda")
    if moved:
        return moved
    tz_name, bad_zone = _reader_timezone(event)
    if bad_zone:
        flash(_("We do not know that time zone; times are shown in the event's own."), "error")
    zone = ZoneInfo(tz_name)
    return render_template(
        "agenda/agenda.html",
        event=event,
        # Read only when the page's rendered programme is not kept (eventmgr.fragments).
        programme=lambda: services.by_day(services.event_sessions(event), zone),
        tz_name=tz_name,
        marks=services.session_marks(event, utcnow()),
        timezones=locales.timezone_choices,
        can_manage=can_manage_event(current_user, event),
    )


def _agenda_pdf_limit() -> str:
    return current_app.config["AGENDA_PDF_RATE_LIMIT"]


def _agenda_pdf_was_built(response) -> bool:
    return g.get("agenda_pdf_built", False)


def _build_agenda_pdf(event, tz_name: str) -> bytes:
    """Typeset the programme; about 170 ms, hence kept (see agenda_pdf)."""
    from eventmgr.pdf import render_pdf  # WeasyPrint loads only in workers that print

    g.agenda_pdf_built = True
    sessions = services.event_sessions(event)
    # The featured entries themselves: the template prints each one's role label.
    return render_pdf(
        "agenda.html",
        event=event,
        days=services.by_day(sessions, ZoneInfo(tz_name)),
        tz_name=tz_name,
        featured=services.featured_presenters(event),
        generated_at=utcnow(),
    )


@bp.route("/events/<slug>/agenda.pdf")
@limiter.limit(_agenda_pdf_limit, deduct_when=_agenda_pdf_was_built)
@cached_public_page
def agenda_pdf(slug: str):
    """The programme as a printable PDF (A4), in the event's zone or the reader's.

    Built once for each state of the event and its programme, zone and language, then served from the
    worker's copy, or answered 304 when the reader has it.
    """
    event, moved = visible_event_or_redirect(slug, "agenda.agenda_pdf")
    if moved:
        return moved
    tz_name, _bad_zone = _reader_timezone(event)
    # Everything the file shows: the event (its version rises with a change of time or place, updated_at with any
    # other), the programme with its people (programme_version), the zone, the language and the link printed.
    parts = (
        "agenda.pdf",
        event.id,
        event.created_at,
        event.updated_at,
        event.version,
        event.programme_version,
        tz_name,
        str(get_locale()),
        current_app.config["PUBLIC_URL"],
    )
    # Public events' programmes may sit in shared caches for a while; others' only in the reader's browser.
    return built_file_response(
        lambda: _build_agenda_pdf(event, tz_name),
        parts,
        "application/pdf",
        f"{event.slug}-agenda.pdf",
        inline=True,
        private=not event.is_listed,
        max_age=300 if event.is_listed else 60,
    )


@bp.route("/events/<slug>/presenters")
@cached_public_page
def presenters(slug: str):
    """Show the featured presenters first, then everyone else in the programme, with bios."""
    event, moved = visible_event_or_redirect(slug, "agenda.presenters")
    if moved:
        return moved
    return render_template(
        "agenda/presenters.html",
        event=event,
        # Read only when the page's rendered list is not kept (eventmgr.fragments).
        presenters=lambda: services.presenters(event),
        can_manage=can_manage_event(current_user, event),
    )


@bp.route("/events/<slug>/registration/<token>/agenda", methods=["GET", "POST"])
def personal_agenda(slug: str, token: str):
    """Let a registered delegate tick the sessions they will attend."""
    registration = registration_for_link(slug, token)
    if registration is None:
        abort(404)
    event = registration.event
    sessions = [s for s in services.event_sessions(event) if not s.is_break]
    form = PersonalAgendaForm()
    if form.validate_on_submit():
        try:
            services.set_personal_agenda(registration, form.sessions.data or [])
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your agenda is saved."), "success")
        return redirect(url_for("agenda.personal_agenda", slug=event.slug, token=token))
    chosen = services.personal_session_ids(registration)
    response = current_app.make_response(
        render_template(
            "agenda/personal.html",
            event=event,
            registration=registration,
            token=token,
            form=form,
            days=services.by_day(sessions, event.tz),
            chosen=chosen,
            tz_name=event.timezone,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- Template helpers (registered in eventmgr.templating) --------------------------------------------


def event_has_agenda(event) -> bool:
    """Whether the event has any session (to show links to its agenda)."""
    cache = g.setdefault("event_has_agenda", {})
    if event.id not in cache:
        cache[event.id] = services.has_sessions(event)
    return cache[event.id]


def event_featured_presenters(event) -> list:
    """The event's featured presenters, for the event page."""
    cache = g.setdefault("event_featured_presenters", {})
    if event.id not in cache:
        cache[event.id] = services.featured_presenters(event)
    return cache[event.id]
