"""The secretariat's editor of outcome documents: structure, import and export, review, publication."""

from datetime import UTC, datetime
from pathlib import PurePath

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from eventmgr.documents import exporting, services
from eventmgr.documents import letters as letters_service
from eventmgr.documents.forms import (
    CommentForm,
    DocumentForm,
    ImportForm,
    MoveForm,
    ParagraphForm,
    PublishForm,
    SectionForm,
)
from eventmgr.documents.importing import MAX_DOCX_BYTES
from eventmgr.documents.models import DocumentComment, DocumentParagraph, DocumentSection
from eventmgr.errors import EventMgrError
from eventmgr.events.permissions import can_edit_documents, get_event_or_404
from eventmgr.extensions import db
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.jobs import services as jobs
from eventmgr.jobs.models import Job
from eventmgr.limits import accepts_upload, whole_number
from eventmgr.ordering import STEPS

bp = Blueprint(
    "documents_manage", __name__, url_prefix="/manage/events/<int:event_id>/documents", cli_group="documents"
)

#: The largest request an import may send: the Word file and the form around it.
IMPORT_REQUEST_LIMIT = MAX_DOCX_BYTES + 1024 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A Word file over the limit: the editor again with the reason at the file field (nothing was read or saved)."""
    too_large = render_template("errors/generic.html", error=error), 413
    if request.endpoint != "documents_manage.import_text" or not current_user.is_authenticated:
        return too_large
    try:
        event = _event(request.view_args["event_id"])
        document = _document(event, request.view_args["document_id"])
    except HTTPException:
        return too_large
    form = ImportForm(formdata=None)
    form.file.errors = [_("The Word file is too large (over %(mb)d MB).", mb=MAX_DOCX_BYTES // 2**20)]
    return _render_editor(event, document, 413, import_form=form)


@bp.before_request
@login_required
def require_login():
    """Every page of the document editor needs an account."""


def _event(event_id: int):
    return get_event_or_404(event_id, check=can_edit_documents)


def _document(event, document_id: int):
    document = services.get_document(event, document_id)
    if document is None:
        abort(404)
    return document


def _section(document, section_id: int) -> DocumentSection:
    section = db.session.get(DocumentSection, section_id)
    if section is None or section.document_id != document.id:
        abort(404)
    return section


def _paragraph(document, paragraph_id: int) -> DocumentParagraph:
    paragraph = db.session.get(DocumentParagraph, paragraph_id)
    if paragraph is None or paragraph.section.document_id != document.id:
        abort(404)
    return paragraph


def _back(document, anchor: str | None = None):
    return redirect(
        url_for("documents_manage.edit", event_id=document.event_id, document_id=document.id, _anchor=anchor)
    )


@bp.route("", methods=["GET", "POST"])
def index(event_id: int):
    """List the event's outcome documents and start a new one."""
    event = _event(event_id)
    documents = services.event_documents(event)
    form = DocumentForm(documents=documents)
    if request.method == "GET":
        form.language.data = (event.languages or ["en"])[0]
        form.title.data = ""
    if form.validate_on_submit():
        try:
            document = services.create_document(event, form.document_data(), current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Document created. Paste its text below, or add sections one by one."), "success")
            return _back(document)
    return render_template("documents/manage/index.html", event=event, documents=documents, form=form), (
        422 if form.errors else 200
    )


def _document_form(event, document, **kwargs) -> DocumentForm:
    """The title block's form, offering the event's other documents to be a language version of."""
    return DocumentForm(obj=document, documents=services.event_documents(event), document=document, **kwargs)


def _render_editor(event, document, status=200, **forms):
    if "form" not in forms:  # not setdefault: building the form queries the event's documents
        forms["form"] = _document_form(event, document, formdata=None)
    forms.setdefault("import_form", ImportForm(formdata=None))
    forms.setdefault("section_form", SectionForm(formdata=None))
    forms.setdefault("publish_form", PublishForm(formdata=None))
    # The last Word import the worker did is reported until the text is next changed.
    import_job = next(iter(services.import_jobs(document)), None)
    if import_job is not None and not import_job.is_pending and import_job.finished_at < document.updated_at:
        import_job = None
    latest = document.latest_version
    archive_job = services.archive_job(latest) if latest and latest.archive_sha256 is None else None
    return render_template(
        "documents/manage/edit.html",
        event=event,
        document=document,
        # The text as numbered in print, without the annex of participants the editor does not show.
        sections=services.numbered_sections(services.document_text(document)),
        language_versions=services.other_language_versions(document),
        comments=services.comments_by_paragraph(document),
        unresolved=services.unresolved_count(document),
        comment_form=CommentForm(formdata=None),
        paragraph_form=ParagraphForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        move_form=MoveForm(formdata=None),
        import_job=import_job,
        archive_job=archive_job,
        **forms,
    ), status


@bp.route("/<int:document_id>", methods=["GET", "POST"])
def edit(event_id: int, document_id: int):
    """Show the working copy with its numbering and comments; save its title block."""
    event = _event(event_id)
    document = _document(event, document_id)
    form = _document_form(event, document)
    if form.validate_on_submit():
        try:
            services.update_document(document, form.document_data(), current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return _back(document)
    return _render_editor(event, document, 422 if form.errors else 200, form=form)


@bp.route("/<int:document_id>/import", methods=["POST"])
@accepts_upload(IMPORT_REQUEST_LIMIT)
def import_text(event_id: int, document_id: int):
    """Read sections and paragraphs from pasted text, Markdown or a Word file (a long one through the worker)."""
    event = _event(event_id)
    document = _document(event, document_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_editor(event, document, 422, import_form=form)
    upload = form.file.data
    try:
        if upload is not None and getattr(upload, "filename", ""):
            filename = PurePath(upload.filename.replace("\\", "/")).name
            result = services.import_word_file(
                document, upload.read(MAX_DOCX_BYTES + 1), filename, current_user, replace=form.replace.data
            )
        elif (form.text.data or "").strip():
            result = services.import_text(document, form.text.data, current_user, replace=form.replace.data)
        else:
            raise EventMgrError(_("Paste some text or choose a Word file."), field="text")
    except EventMgrError as error:
        db.session.rollback()
        show_error(form, error)
        return _render_editor(event, document, 422 if error.status_code == 400 else error.status_code, import_form=form)
    db.session.commit()
    if isinstance(result, Job):
        return _back(document, "import")  # the editor shows the import's progress there
    flash(
        _(
            "Imported %(sections)d sections and %(paragraphs)d paragraphs. Check the numbering below.",
            sections=len(result.sections),
            paragraphs=result.paragraph_count,
        ),
        "success",
    )
    return _back(document)


@bp.route("/<int:document_id>/export.docx")
def export_docx(event_id: int, document_id: int):
    """Download the working copy as a Word file."""
    event = _event(event_id)
    document = _document(event, document_id)
    body = exporting.document_docx(document)
    response = current_app.response_class(
        body, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{document.slug}-draft.docx"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:document_id>/preview.pdf")
def preview_pdf(event_id: int, document_id: int):
    """The working copy typeset as it would be published, marked as a draft."""
    event = _event(event_id)
    document = _document(event, document_id)
    try:
        body = services.render_content_pdf(services.document_content(document))
    except EventMgrError as error:
        abort(503, error.message)
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{document.slug}-draft.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Sections and paragraphs -------------------------------------------------------------------------


@bp.route("/<int:document_id>/sections", methods=["POST"])
def add_section(event_id: int, document_id: int):
    """Add a section."""
    event = _event(event_id)
    document = _document(event, document_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            section = services.add_section(document, form.heading.data, current_user, position=form.position.data)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            return _back(document, f"section-{section.id}")
    return _back(document)


@bp.route("/<int:document_id>/sections/<int:section_id>", methods=["POST"])
def edit_section(event_id: int, document_id: int, section_id: int):
    """Rename a section."""
    event = _event(event_id)
    document = _document(event, document_id)
    section = _section(document, section_id)
    form = SectionForm()
    if form.validate_on_submit():
        services.update_section(section, form.heading.data, current_user)
        db.session.commit()
        flash(_("Section saved."), "success")
    return _back(document, f"section-{section.id}")


@bp.route("/<int:document_id>/sections/<int:section_id>/move", methods=["POST"])
def move_section(event_id: int, document_id: int, section_id: int):
    """Move a section up or down."""
    event = _event(event_id)
    document = _document(event, document_id)
    section = _section(document, section_id)
    form = MoveForm()
    if form.validate_on_submit():
        services.move_section(section, STEPS[form.direction.data], current_user)
        db.session.commit()
    return _back(document, f"section-{section.id}")


@bp.route("/<int:document_id>/sections/<int:section_id>/delete", methods=["POST"])
def delete_section(event_id: int, document_id: int, section_id: int):
    """Delete a section with its paragraphs."""
    event = _event(event_id)
    document = _document(event, document_id)
    section = _section(document, section_id)
    if ConfirmForm().validate_on_submit():
        services.delete_section(section, current_user)
        db.session.commit()
        flash(_("Section deleted."), "success")
    return _back(document)


@bp.route("/<int:document_id>/sections/<int:section_id>/paragraphs", methods=["GET", "POST"])
def add_paragraph(event_id: int, document_id: int, section_id: int):
    """Insert a paragraph into a section."""
    event = _event(event_id)
    document = _document(event, document_id)
    section = _section(document, section_id)
    form = ParagraphForm()
    if request.method == "GET":
        form.position.data = request.args.get("position", type=whole_number)
    if form.validate_on_submit():
        try:
            paragraph = services.add_paragraph(
                section, form.paragraph_data(), current_user, position=form.position.data
            )
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Paragraph added."), "success")
            return _back(document, f"paragraph-{paragraph.id}")
    return render_template(
        "documents/manage/paragraph.html", event=event, document=document, section=section, paragraph=None, form=form
    ), 422 if form.errors else 200


@bp.route("/<int:document_id>/paragraphs/<int:paragraph_id>", methods=["GET", "POST"])
def edit_paragraph(event_id: int, document_id: int, paragraph_id: int):
    """Change a paragraph's lead, text and items."""
    event = _event(event_id)
    document = _document(event, document_id)
    paragraph = _paragraph(document, paragraph_id)
    form = ParagraphForm(obj=paragraph)
    if request.method == "GET":
        form.items.data = "\n".join(paragraph.items or [])
        form.seen_at.data = paragraph.updated_at.isoformat() if paragraph.updated_at else ""
    if form.validate_on_submit():
        try:
            seen_at = datetime.fromisoformat(form.seen_at.data) if form.seen_at.data else None
        except ValueError:
            seen_at = None
        if seen_at is not None and seen_at.tzinfo is None:
            seen_at = seen_at.replace(tzinfo=UTC)  # the page writes it in UTC; a hand-made one may omit the zone
        try:
            services.update_paragraph(paragraph, form.paragraph_data(), current_user, seen_at=seen_at)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
            return render_template(
                "documents/manage/paragraph.html",
                event=event,
                document=document,
                section=paragraph.section,
                paragraph=paragraph,
                form=form,
            ), error.status_code
        db.session.commit()
        flash(_("Paragraph saved."), "success")
        return _back(document, f"paragraph-{paragraph.id}")
    return render_template(
        "documents/manage/paragraph.html",
        event=event,
        document=document,
        section=paragraph.section,
        paragraph=paragraph,
        form=form,
    ), 422 if form.errors else 200


@bp.route("/<int:document_id>/paragraphs/<int:paragraph_id>/move", methods=["POST"])
def move_paragraph(event_id: int, document_id: int, paragraph_id: int):
    """Move a paragraph up or down (into the next section at either end)."""
    event = _event(event_id)
    document = _document(event, document_id)
    paragraph = _paragraph(document, paragraph_id)
    form = MoveForm()
    if form.validate_on_submit():
        services.move_paragraph(paragraph, STEPS[form.direction.data], current_user)
        db.session.commit()
    return _back(document, f"paragraph-{paragraph.id}")


@bp.route("/<int:document_id>/paragraphs/<int:paragraph_id>/delete", methods=["POST"])
def delete_paragraph(event_id: int, document_id: int, paragraph_id: int):
    """Delete a paragraph."""
    event = _event(event_id)
    document = _document(event, document_id)
    paragraph = _paragraph(document, paragraph_id)
    if ConfirmForm().validate_on_submit():
        services.delete_paragraph(paragraph, current_user)
        db.session.commit()
        flash(_("Paragraph deleted."), "success")
    return _back(document)


# --- Review and publication -----------------------------------------------------------------------


@bp.route("/<int:document_id>/comments", methods=["POST"])
def add_comment(event_id: int, document_id: int):
    """Comment on a paragraph (paragraph_id in the form) or on the whole document."""
    event = _event(event_id)
    document = _document(event, document_id)
    paragraph_id = request.form.get("paragraph_id", type=whole_number)
    paragraph = _paragraph(document, paragraph_id) if paragraph_id else None
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(document, current_user, form.body.data, paragraph)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Comment added."), "success")
    else:
        flash(_("Write a comment."), "error")
    return _back(document, f"paragraph-{paragraph.id}" if paragraph else "comments")


@bp.route("/<int:document_id>/comments/<int:comment_id>/resolve", methods=["POST"])
def resolve_comment(event_id: int, document_id: int, comment_id: int):
    """Mark a comment as dealt with."""
    event = _event(event_id)
    document = _document(event, document_id)
    comment = db.session.get(DocumentComment, comment_id)
    if comment is None or comment.document_id != document.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.resolve_comment(comment, current_user)
        db.session.commit()
    return _back(document, f"paragraph-{comment.paragraph_id}" if comment.paragraph_id else "comments")


def _transition(event_id: int, document_id: int, action, message: str):
    event = _event(event_id)
    document = _document(event, document_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(document, current_user)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(message, "success")
    return _back(document)


@bp.route("/<int:document_id>/review", methods=["POST"])
def submit_for_review(event_id: int, document_id: int):
    """Open the draft for comments by the organisers and the secretariat."""
    return _transition(
        event_id,
        document_id,
        services.submit_for_review,
        _("The document is in review: colleagues can now comment on its paragraphs."),
    )


@bp.route("/<int:document_id>/draft", methods=["POST"])
def return_to_draft(event_id: int, document_id: int):
    """End the review."""
    return _transition(event_id, document_id, services.return_to_draft, _("Back to drafting."))


@bp.route("/<int:document_id>/publish", methods=["POST"])
def publish(event_id: int, document_id: int):
    """Freeze the working copy as a new version and render its PDF."""
    event = _event(event_id)
    document = _document(event, document_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = services.publish(
                document, current_user, form.note.data or "", accept_unresolved=form.accept_unresolved.data
            )
            db.session.commit()
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
            return _render_editor(
                event, document, error.status_code if error.status_code != 400 else 422, publish_form=form
            )
        except IntegrityError:
            # SQLite has no row lock: a simultaneous publication took the version number first.
            db.session.rollback()
            flash(_("Someone else published this document at the same moment; check the versions below."), "error")
            return _back(document)
        flash(_("Version %(n)d is published.", n=version.number), "success")
        return redirect(url_for("documents.show", slug=event.slug, doc=document.slug))
    return _back(document)


@bp.route("/<int:document_id>/delete", methods=["POST"])
def delete(event_id: int, document_id: int):
    """Delete a document that was never published."""
    event = _event(event_id)
    document = _document(event, document_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_document(document, current_user)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(document)
        db.session.commit()
        flash(_("Document deleted."), "success")
    return redirect(url_for("documents_manage.index", event_id=event.id))


# --- Letters, certificates and badges (organisers only: they concern delegates' personal data) -------


def _registration(event, registration_id: int):
    from eventmgr.registration.models import Registration

    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _pdf(body: bytes, filename: str):
    response = current_app.response_class(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/letters", methods=["GET", "POST"])
def letters(event_id: int):
    """Set the letterhead and signatory; approve visa letters; print badges and certificates."""
    from eventmgr.documents.forms import LetterSettingsForm

    event = get_event_or_404(event_id)
    settings = letters_service.letter_settings(event)
    form = LetterSettingsForm(obj=settings)
    if form.validate_on_submit():
        letters_service.save_letter_settings(event, form.data, current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("documents_manage.letters", event_id=event.id))
    return render_template(
        "documents/manage/letters.html",
        event=event,
        form=form,
        requests=letters_service.visa_requests(event),
        delegation_requests=letters_service.delegations_with_visa_requests(event),
        badge_holders=len(letters_service.badge_holders(event)),
        attended=letters_service.attended(event),
        certificates_refusal=letters_service.certificates_refusal(event),
        badge_jobs=jobs.recent_jobs(event, "badges"),
        certificate_jobs=jobs.recent_jobs(event, "certificates"),
        confirm_form=ConfirmForm(),
    )


@bp.route("/letters/visa/<int:registration_id>/approve", methods=["POST"])
def approve_visa_letter(event_id: int, registration_id: int):
    """Approve one delegate's visa support letter."""
    event = get_event_or_404(event_id)
    registration = _registration(event, registration_id)
    if ConfirmForm().validate_on_submit():
        try:
            letters_service.approve_visa_letter(registration, current_user)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Visa letter approved."), "success")
    return redirect(url_for("documents_manage.letters", event_id=event.id))


@bp.route("/letters/visa/<int:registration_id>.pdf")
def visa_letter(event_id: int, registration_id: int):
    """An approved visa support letter."""
    event = get_event_or_404(event_id)
    registration = _registration(event, registration_id)
    try:
        body = letters_service.visa_letter_pdf(registration)
    except EventMgrError as error:
        abort(409, error.message)
    return _pdf(body, f"visa-letter-{registration.id}.pdf")


def _delegation(event, delegation_id: int):
    from eventmgr.registration.models import Delegation

    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.event_id != event.id or delegation.cancelled_at is not None:
        abort(404)
    return delegation


@bp.route("/letters/delegations/<int:delegation_id>/approve", methods=["POST"])
def approve_delegation_visa_letters(event_id: int, delegation_id: int):
    """Approve at once the visa letters still waiting of a delegation's in-person members."""
    event = get_event_or_404(event_id)
    delegation = _delegation(event, delegation_id)
    if ConfirmForm().validate_on_submit():
        try:
            approved = letters_service.approve_delegation_visa_letters(delegation, current_user)
        except EventMgrError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d visa letter of %(name)s approved.",
                    "%(num)d visa letters of %(name)s approved.",
                    approved,
                    name=delegation.name,
                ),
                "success",
            )
    return redirect(url_for("documents_manage.letters", event_id=event.id, _anchor="visa-heading"))


@bp.route("/letters/delegations/<int:delegation_id>/visa-letters.pdf")
def delegation_visa_letters(event_id: int, delegation_id: int):
    """The approved visa letters of a delegation's in-person members, in one PDF."""
    event = get_event_or_404(event_id)
    delegation = _delegation(event, delegation_id)
    try:
        body = letters_service.delegation_visa_letters_pdf(delegation)
    except EventMgrError as error:
        abort(409, error.message)
    return _pdf(body, f"visa-letters-delegation-{delegation.id}.pdf")


@bp.route("/letters/certificate/<int:registration_id>.pdf")
def certificate(event_id: int, registration_id: int):
    """A checked-in delegate's certificate of attendance."""
    event = get_event_or_404(event_id)
    registration = _registration(event, registration_id)
    try:
        body = letters_service.certificate_pdf(registration)
    except EventMgrError as error:
        abort(409, error.message)
    return _pdf(body, f"certificate-{registration.id}.pdf")


@bp.route("/letters/<any(badges, certificates):kind>", methods=["POST"])
def prepare(event_id: int, kind: str):
    """Ask the worker for every confirmed delegate's badge, or every checked-in delegate's certificate, in one
    PDF (a job: they may run to hundreds of pages)."""
    event = get_event_or_404(event_id)
    if kind == "badges" and not event.is_in_person:
        abort(409, _("An online event has no badges: nobody is in the room."))
    if kind == "certificates" and (refusal := letters_service.certificates_refusal(event)) is not None:
        abort(409, refusal)
    if ConfirmForm().validate_on_submit():
        jobs.enqueue(kind, event, current_user)
        db.session.commit()
        flash(_("The file is being prepared; it appears below when ready."), "info")
    return redirect(url_for("documents_manage.letters", event_id=event.id, _anchor=f"{kind}-heading"))


@bp.route("/letters/jobs/<int:job_id>.pdf")
def job_result(event_id: int, job_id: int):
    """The file a finished job made."""
    event = get_event_or_404(event_id)
    job = db.session.get(Job, job_id)
    if job is None or job.event_id != event.id or job.state != "done":
        abort(404)
    return _pdf(job.result, job.filename)


@bp.cli.command("archive")
def archive_command() -> None:
    """Queue for the worker the archival PDF (PDF/A) of every published version that has none (after the
    worker gave up on one, or on data from before archival PDFs were made at publication)."""
    queued = services.queue_missing_archives()
    db.session.commit()
    click.echo(
        ngettext("Queued %(num)d archival PDF for the worker.", "Queued %(num)d archival PDFs for the worker.", queued)
    )
