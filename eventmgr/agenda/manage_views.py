"""The organisers' agenda editor: sessions and their people, featured presenters, profiles, duplicates."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from eventmgr.agenda import services
from eventmgr.agenda.forms import LOCAL_TIME_FIELDS, FeaturedForm, ParticipantForm, SessionForm
from eventmgr.agenda.forms import add_language_fields as add_session_language_fields
from eventmgr.agenda.models import (
    FEATURED_ROLE_SUGGESTIONS,
    PARTICIPANT_ROLES,
    SESSION_KINDS,
    FeaturedPresenter,
    SessionParticipant,
)
from eventmgr.errors import EventMgrError
from eventmgr.events.permissions import can_manage_event, get_event_or_404
from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.limits import accepts_upload
from eventmgr.people import services as people_services
from eventmgr.people.forms import MergeForm, PersonForm
from eventmgr.people.forms import add_language_fields as add_person_language_fields
from eventmgr.people.models import Person
from eventmgr.people.permissions import can_edit_person, can_find_person, can_merge_people, editable_people
from eventmgr.people.photos import UPLOAD_REQUEST_LIMIT, read_upload

bp = Blueprint("agenda_manage", __name__, url_prefix="/manage/events/<int:event_id>")

#: The person fields of the nested form a service error may name (the photo is checked by the view).
PERSON_FIELD_NAMES = (*people_services.PERSON_FIELDS, "photo")


@bp.record_once
def _ask_in_every_language(state) -> None:
    """Sessions and profiles take their texts in each of the app's languages."""
    add_session_language_fields(state.app.config["LANGUAGES"])
    add_person_language_fields(state.app.config["LANGUAGES"])


@bp.before_request
@login_required
def require_login():
    """Every page of the agenda editor needs an account."""


def _show_error(form, error: EventMgrError) -> None:
    """Put a service's error at its field (a nested person field if it is one), or at the top of the page."""
    if "person" in form and error.field in PERSON_FIELD_NAMES and error.field in form.person.form:
        show_error(form.person.form, error)
    else:
        show_error(form, error, {attr: name for name, attr in LOCAL_TIME_FIELDS.items()})


def _flash_warnings(event, event_session) -> None:
    warnings = services.agenda_warnings(event, services.event_sessions(event))
    for warning in services.warnings_for(warnings, event_session):
        flash(warning.message, "warning")


def _people_choices(event, text: str | None = None) -> list[SelectChoice]:
    """People to choose from: those in this event first, then the rest of the directory the user may find (or
    those matching): people of listed events and of events they work on, never another organiser's private ones."""
    in_event = people_services.event_people(event)
    in_event_ids = {p.id for p in in_event}
    others = [p for p in people_services.search_people(text, current_user, limit=300) if p.id not in in_event_ids]
    if text:
        needle = text.strip().lower()
        in_event = [p for p in in_event if needle in f"{p.full_name} {p.affiliation}".lower()]

    def label(person):
        return f"{person.display_name} · {person.affiliation}" if person.affiliation else person.display_name

    return [SelectChoice(p.id, label(p), optgroup=_("In this event")) for p in in_event] + [
        SelectChoice(p.id, label(p), optgroup=_("Others in the directory")) for p in others
    ]


def _chosen_or_new_person(form, event):
    """The person picked in the form, or the one its new-person fields describe (found again or created)."""
    if form.person_id.data is not None:
        person = db.session.get(Person, form.person_id.data)
        if person is None or not can_find_person(current_user, person):
            raise EventMgrError(_("Choose a person from the list."), field="person_id")
        return person, False
    upload = form.person.uploaded_photo()
    photo = read_upload(upload.stream) if upload is not None else None
    return people_services.find_or_create_person(form.person.person_data(), current_user, photo, event)


def _flash_found(person) -> None:
    """Say that the new-person fields described someone already in the directory, and what became of them."""
    if can_edit_person(current_user, person):
        flash(
            _(
                "%(name)s was already in the directory: their profile is used, and only its empty fields were "
                "filled in.",
                name=person.display_name,
            ),
            "info",
        )
    else:
        flash(
            _(
                "%(name)s was already in the directory: their profile is used as it is, since it is shared with "
                "events you do not run. You can ask them to update it.",
                name=person.display_name,
            ),
            "info",
        )


# --- The agenda -------------------------------------------------------------------------------------


@bp.route("/agenda")
def index(event_id: int):
    """List the event's sessions by day, with the warnings the programme raises."""
    event = get_event_or_404(event_id)
    sessions = services.event_sessions(event)
    warnings = services.agenda_warnings(event, sessions)
    return render_template(
        "agenda/manage/index.html",
        event=event,
        days=services.by_day(sessions, event.tz),
        warnings=warnings,
        warned_ids={i for w in warnings for i in w.session_ids},
        # Translated once here, not once per session and person of the programme.
        kind_labels={code: str(label) for code, label in SESSION_KINDS.items()},
        role_labels={code: str(label).lower() for code, label in PARTICIPANT_ROLES.items()},
        confirm_form=ConfirmForm(),
    )


@bp.route("/agenda/new", methods=["GET", "POST"])
def new_session(event_id: int):
    """Add a session to the programme."""
    event = get_event_or_404(event_id)
    form = SessionForm()
    if request.method == "GET":
        start = services.next_free_start(event)
        form.start.data = start.astimezone(event.tz).replace(tzinfo=None)
        form.end.data = min(start + timedelta(hours=1), event.end_at).astimezone(event.tz).replace(tzinfo=None)
    if form.validate_on_submit():
        try:
            event_session = services.create_session(event, form.session_data(event.tz), current_user)
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Session added. Add its people below."), "success")
            _flash_warnings(event, event_session)
            return redirect(url_for("agenda_manage.edit_session", event_id=event.id, session_id=event_session.id))
    return render_template(
        "agenda/manage/session_form.html", event=event, form=form, event_session=None
    ), 422 if form.errors else 200


def _session_or_404(event, session_id: int):
    event_session = services.get_session(event, session_id)
    if event_session is None:
        abort(404)
    return event_session


def _render_session_page(event, event_session, form=None, participant_form=None, status=200):
    search = request.args.get("q", "").strip()[:100]
    form = form or SessionForm()
    if form.start.data is None and not form.errors:
        form.fill_from(event_session, event.tz)
    participant_form = participant_form or ParticipantForm(formdata=None, people_choices=_people_choices(event, search))
    sessions = services.event_sessions(event)
    warnings = services.warnings_for(services.agenda_warnings(event, sessions), event_session)
    return render_template(
        "agenda/manage/session.html",
        event=event,
        event_session=event_session,
        form=form,
        participant_form=participant_form,
        warnings=warnings,
        search=search,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/agenda/<int:session_id>", methods=["GET", "POST"])
def edit_session(event_id: int, session_id: int):
    """Change a session and manage its people."""
    event = get_event_or_404(event_id)
    event_session = _session_or_404(event, session_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            changes = services.update_session(event_session, form.session_data(event.tz), current_user)
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            _flash_warnings(event, event_session)
            return redirect(url_for("agenda_manage.edit_session", event_id=event.id, session_id=event_session.id))
    return _render_session_page(event, event_session, form=form, status=422 if form.errors else 200)


@bp.route("/agenda/<int:session_id>/delete", methods=["POST"])
def delete_session(event_id: int, session_id: int):
    """Remove a session from the programme."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    event_session = _session_or_404(event, session_id)
    services.delete_session(event_session, current_user)
    db.session.commit()
    flash(_("The session is deleted."), "success")
    return redirect(url_for("agenda_manage.index", event_id=event.id))


@bp.route("/agenda/<int:session_id>/participants", methods=["POST"])
@accepts_upload(UPLOAD_REQUEST_LIMIT)
def add_participant(event_id: int, session_id: int):
    """Put a person, chosen or new, in a session."""
    event = get_event_or_404(event_id)
    event_session = _session_or_404(event, session_id)
    form = ParticipantForm(people_choices=_people_choices(event))
    if form.validate_on_submit():
        try:
            person, created = _chosen_or_new_person(form, event)
            services.add_participant(event_session, person, form.role.data, form.talk_title.data, current_user)
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            if form.person_id.data is None and not created:
                _flash_found(person)
            flash(_("%(name)s added.", name=person.display_name), "success")
            _flash_warnings(event, event_session)
            return redirect(
                url_for("agenda_manage.edit_session", event_id=event.id, session_id=event_session.id)
                + "#people-heading"
            )
    return _render_session_page(event, event_session, participant_form=form, status=422)


@bp.route("/agenda/<int:session_id>/participants/<int:participant_id>/<action>", methods=["POST"])
def participant_action(event_id: int, session_id: int, participant_id: int, action: str):
    """Move a participant up or down, or remove them from the session."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit() or action not in ("up", "down", "remove"):
        abort(400)
    event_session = _session_or_404(event, session_id)
    participant = db.session.get(SessionParticipant, participant_id)
    if participant is None or participant.session_id != event_session.id:
        abort(404)
    services.move_participant(event_session, participant, action, current_user)
    db.session.commit()
    return redirect(
        url_for("agenda_manage.edit_session", event_id=event.id, session_id=event_session.id) + "#people-heading"
    )


# --- Featured presenters and profiles ---------------------------------------------------------------


def _render_presenters(event, form, status=200):
    # The programme's people in the event's presenter order, then those only featured.
    ordered = services.presenter_order(event)
    in_programme = [person.id for person in ordered]
    people = ordered + [p for p in people_services.event_people(event) if p.id not in set(in_programme)]
    return render_template(
        "agenda/manage/presenters.html",
        event=event,
        form=form,
        featured=services.featured_presenters(event),
        people=people,
        in_programme=in_programme,
        editable=editable_people(current_user, people),
        suggestions=FEATURED_ROLE_SUGGESTIONS,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/presenters", methods=["GET", "POST"])
@accepts_upload(UPLOAD_REQUEST_LIMIT)
def presenters(event_id: int):
    """Feature presenters on the event's pages, in order, with role labels; list everyone in the programme."""
    event = get_event_or_404(event_id)
    search = request.args.get("q", "").strip()[:100]
    form = FeaturedForm(people_choices=_people_choices(event, search))
    if form.validate_on_submit():
        try:
            person, created = _chosen_or_new_person(form, event)
            services.add_featured(event, person, form.role_label.data, current_user)
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            if form.person_id.data is None and not created:
                _flash_found(person)
            flash(_("%(name)s is featured.", name=person.display_name), "success")
            return redirect(url_for("agenda_manage.presenters", event_id=event.id))
    return _render_presenters(event, form, 422 if form.errors else 200)


@bp.route("/presenters/<int:featured_id>/<action>", methods=["POST"])
def featured_action(event_id: int, featured_id: int, action: str):
    """Move a featured presenter up or down, change their role label, or stop featuring them."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit() or action not in ("up", "down", "remove", "label"):
        abort(400)
    entry = db.session.get(FeaturedPresenter, featured_id)
    if entry is None or entry.event_id != event.id:
        abort(404)
    try:
        services.change_featured(event, entry, action, request.form.get("role_label"), current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if action == "label":
            flash(_("Role label saved."), "success")
    return redirect(url_for("agenda_manage.presenters", event_id=event.id))


@bp.route("/presenters/order/<int:person_id>/<any(up, down):action>", methods=["POST"])
def move_presenter(event_id: int, person_id: int, action: str):
    """Move someone up or down the event's list of presenters."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    person = _event_person_or_404(event, person_id)
    try:
        services.move_presenter(event, person, action, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("agenda_manage.presenters", event_id=event.id) + "#everyone-heading")


def _event_person_or_404(event, person_id: int) -> Person:
    person = db.get_or_404(Person, person_id)
    if not people_services.takes_part_in(person, event):
        abort(404)
    return person


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@accepts_upload(UPLOAD_REQUEST_LIMIT)
def edit_person(event_id: int, person_id: int):
    """Change the profile of someone in the event's programme (it is the same profile on every event).

    Only who runs every event the person is in may change it; others see it and may ask the person to update it.
    """
    event = get_event_or_404(event_id)
    person = _event_person_or_404(event, person_id)
    events = people_services.person_events(person)
    if not can_edit_person(current_user, person):
        if request.method == "POST":
            abort(403)
        return render_template(
            "agenda/manage/person_shared.html",
            event=event,
            person=person,
            own_events=[e for e in events if can_manage_event(current_user, e)],
            others=sum(1 for e in events if not can_manage_event(current_user, e)),
            confirm_form=ConfirmForm(),
        )
    form = PersonForm()
    if request.method == "GET":
        form.fill_from(person)
    if form.validate_on_submit():
        try:
            upload = form.uploaded_photo()
            photo = read_upload(upload.stream) if upload is not None else None
            changes = people_services.update_person(
                person, form.person_data(), current_user, photo, remove_photo=form.remove_photo.data, event=event
            )
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved.") if changes else _("Nothing was changed."), "success")
            back = request.args.get("next", "")
            return redirect(
                back if back.startswith("/manage/") else url_for("agenda_manage.presenters", event_id=event.id)
            )
    return render_template(
        "agenda/manage/person_form.html",
        event=event,
        person=person,
        form=form,
        events=events,
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200


@bp.route("/people/<int:person_id>/send-link", methods=["POST"])
def send_profile_link(event_id: int, person_id: int):
    """Mail the person a link to update their own profile, at the address the profile has."""
    event = get_event_or_404(event_id)
    person = _event_person_or_404(event, person_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        people_services.send_profile_link(person, event, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s has been sent a link to update their profile.", name=person.display_name), "success")
    return redirect(url_for("agenda_manage.edit_person", event_id=event.id, person_id=person.id))


@bp.route("/people/merge", methods=["GET", "POST"])
def merge_people(event_id: int):
    """Suggest people of the event who appear twice in the directory, and merge a duplicate into its original."""
    event = get_event_or_404(event_id)
    people = people_services.event_people(event)
    candidates = people_services.duplicate_candidates(people, current_user)
    choices = {p.id: p for p in people} | {p.id: p for pair in candidates for p in pair}
    form = MergeForm(people=sorted(choices.values(), key=lambda p: (p.name_key, p.id)))
    if form.validate_on_submit():
        kept, duplicate = choices.get(form.kept_id.data), choices.get(form.duplicate_id.data)
        try:
            if kept is None or duplicate is None:
                raise EventMgrError(_("Choose both people from the lists."), field="duplicate_id")
            if kept.id == duplicate.id:
                raise EventMgrError(_("Choose two different people."), field="duplicate_id")
            if not can_merge_people(current_user, kept, duplicate):
                abort(403)
            name = duplicate.display_name
            people_services.merge_people(kept, duplicate, current_user, event)
        except EventMgrError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(duplicate)s is merged into %(kept)s.", duplicate=name, kept=kept.display_name), "success")
            return redirect(url_for("agenda_manage.merge_people", event_id=event.id))
    return render_template(
        "agenda/manage/merge.html",
        event=event,
        form=form,
        candidates=candidates,
        mergeable={(k.id, d.id) for k, d in candidates if can_merge_people(current_user, k, d)},
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200
