"""Public pages of people: a person's profile with their sessions, and their photos."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventmgr.errors import EventMgrError
from eventmgr.events.permissions import can_view_event
from eventmgr.extensions import db
from eventmgr.forms import show_error
from eventmgr.limits import accepts_upload
from eventmgr.pagecache import cached_public_page
from eventmgr.people import services
from eventmgr.people.forms import OwnProfileForm, add_language_fields
from eventmgr.people.models import Person
from eventmgr.people.photos import UPLOAD_REQUEST_LIMIT, read_upload

bp = Blueprint("people", __name__)


@bp.record_once
def _ask_in_every_language(state) -> None:
    """A presenter's own profile takes position and bio in each of the app's languages."""
    add_language_fields(state.app.config["LANGUAGES"])


#: Photo URLs carry the image's digest, so a URL's content never changes and may be cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"


def _visible_person_or_404(person_id: int) -> Person:
    """The person, if they take part in an event the reader may see; else 404 (people of private events stay hidden)."""
    person = db.get_or_404(Person, person_id)
    if not any(can_view_event(current_user, event) for event in services.person_events(person)):
        abort(404)
    return person


@bp.route("/people/<int:person_id>")
@bp.route("/people/<int:person_id>-<slug>")
@cached_public_page
def detail(person_id: int, slug: str | None = None):
    """Show a person's profile and their sessions in public events; the private e-mail is never shown."""
    person = _visible_person_or_404(person_id)
    if slug != person.slug:
        return redirect(url_for("people.detail", person_id=person.id, slug=person.slug), 301)
    return render_template("people/detail.html", person=person)


@bp.route("/people/<int:person_id>/photo/<any(large, small):size>/<digest>.jpg")
def photo(person_id: int, size: str, digest: str):
    """Serve a person's photo; the URL names the image's digest, so it is cached for a year."""
    found = services.photo_image(person_id, digest, size)
    if found is None:
        abort(404)
    stored, image = found
    response = current_app.response_class(image, mimetype=stored.media_type)
    response.set_etag(f"{stored.digest[:32]}-{size}")
    response.headers["Cache-Control"] = IMMUTABLE
    return response.make_conditional(request)


@bp.route("/people/<int:person_id>/profile/<token>", methods=["GET", "POST"])
@accepts_upload(UPLOAD_REQUEST_LIMIT)
def own_profile(person_id: int, token: str):
    """Let a presenter update their own profile through the link an organiser had mailed to them."""
    person = services.person_from_profile_token(person_id, token)
    if person is None:
        return render_template("people/invalid_link.html"), 404
    form = OwnProfileForm()
    if request.method == "GET":
        form.fill_from(person)
    if form.validate_on_submit():
        try:
            upload = form.uploaded_photo()
            photo = read_upload(upload.stream) if upload is not None else None
            changes = services.update_own_profile(
                person, form.person_data(), photo, remove_photo=form.remove_photo.data
            )
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you: your profile is saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("people.own_profile", person_id=person.id, token=token))
    response = current_app.make_response(
        (render_template("people/own_profile.html", person=person, form=form), 422 if form.errors else 200)
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def photo_url(person: Person, size: str = "small") -> str | None:
    """The URL of a person's photo in one size, or None when they have none."""
    if person.photo is None:
        return None
    return url_for("people.photo", person_id=person.id, size=size, digest=person.photo.url_digest)
