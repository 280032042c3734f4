"""The organiser's desk for one event: registrations, decisions, payments, check-in, settings, messages."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from eventmgr import locales
from eventmgr.errors import EventMgrError
from eventmgr.events.models import ATTENDANCE_MODES
from eventmgr.events.permissions import get_event_or_404
from eventmgr.extensions import db
from eventmgr.formatting import local_datetime as format_local
from eventmgr.forms import ConfirmForm, show_error
from eventmgr.limits import accepts_upload, page_number, whole_number
from eventmgr.ordering import STEPS
from eventmgr.registration import attendance, checkin, desk, payments, services
from eventmgr.registration.forms import (
    AttendanceReportForm,
    CapacityForm,
    CheckInSettingsForm,
    DecisionForm,
    DelegateForm,
    InviteForm,
    OfferCodeForm,
    PaymentForm,
    PaymentSettingsForm,
    QuestionForm,
    announcement_form,
    with_questions,
)
from eventmgr.registration.models import (
    REGISTRATION_STATUSES,
    Invitation,
    Registration,
    RegistrationQuestion,
)
from eventmgr.spreadsheets import csv_response

#: The request that carries the largest list of invitees with its form.
INVITE_REQUEST_LIMIT = desk.INVITE_CSV_BYTES + 1024 * 1024

bp = Blueprint("registration_desk", __name__, url_prefix="/manage/events/<int:event_id>")


@bp.before_request
@login_required
def require_login():
    """The desk is for the event's organisers."""


def _filters() -> dict:
    args = request.args
    return {
        "status": args.get("status") if args.get("status") in REGISTRATION_STATUSES else None,
        "country": args.get("country") if args.get("country") in locales.country_codes() else None,
        "mode": args.get("mode") if args.get("mode") in ATTENDANCE_MODES else None,
        "delegation_id": args.get("delegation_id", type=whole_number),
        "organisation_id": args.get("organisation_id", type=whole_number),
        "checked_in": args.get("checked_in") if args.get("checked_in") in ("yes", "no") else None,
        "question": args.get("question", type=whole_number),
        "answer": (args.get("answer") or "").strip()[:200] or None,
        "q": (args.get("q") or "").strip()[:200] or None,
    }


def _registration_or_404(event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _local(value: datetime | None, event) -> datetime | None:
    return value.replace(tzinfo=event.tz) if value else None


def _wall_clock(value: datetime | None, event) -> datetime | None:
    """A stored time as the event's clock shows it, for a form's date and time field (the reverse of _local)."""
    return value.astimezone(event.tz).replace(tzinfo=None) if value else None


@bp.route("/registrations")
def registrations(event_id: int):
    """List registrations with filters and search; bulk approve or decline."""
    event = get_event_or_404(event_id)
    filters = _filters()
    # A payment reference from a bank statement leads straight to the registration it names.
    paying = payments.registration_by_reference(event, filters["q"]) if filters["q"] else None
    if paying is not None:
        return redirect(url_for("registration_desk.registration", event_id=event.id, registration_id=paying.id))
    page = request.args.get("page", 1, type=page_number)
    counts = services.status_counts(event.id)
    rows, total = desk.find(event, filters, page, total=desk.known_total(filters, counts))
    return render_template(
        "registration/desk/registrations.html",
        event=event,
        rows=rows,
        total=total,
        page=page,
        per_page=50,
        filters=filters,
        counts=counts,
        mode_counts=services.counts_by_mode(event.id) if len(event.modes) > 1 else None,
        # Translated once here, not once per row of the page.
        statuses={code: str(label) for code, label in REGISTRATION_STATUSES.items()},
        countries=locales.country_choices(),
        organisations=desk.registered_organisations(event),
        questions=services.event_questions(event.id),
        confirm_form=ConfirmForm(),
    )


@bp.route("/registrations/bulk", methods=["POST"])
def bulk_decide(event_id: int):
    """Approve or decline the ticked registrations."""
    event = get_event_or_404(event_id)
    action = request.form.get("action")
    if action not in ("approve", "decline") or not ConfirmForm().validate_on_submit():
        abort(400)
    done, refused, waitlisted = 0, 0, 0
    for registration_id in request.form.getlist("ids", type=whole_number):
        registration = _registration_or_404(event, registration_id)
        try:
            outcome = services.decide(registration, action == "approve", current_user, when_full="waitlist")
            done += 1
            waitlisted += outcome == "waitlisted"
        except EventMgrError:
            refused += 1
    db.session.commit()
    flash(_("%(done)d decided, %(refused)d left as they were.", done=done, refused=refused), "success")
    if waitlisted:
        flash(
            ngettext(
                "%(num)d approved delegate is on the waiting list: there was no free seat.",
                "%(num)d approved delegates are on the waiting list: there was no free seat.",
                waitlisted,
            ),
            "info",
        )
    return redirect(request.referrer or url_for("registration_desk.registrations", event_id=event.id))


@bp.route("/registrations.csv")
def export(event_id: int):
    """Download the matching registrations with every field and answer."""
    event = get_event_or_404(event_id)
    filters = _filters()
    header, rows = desk.export_table(event, filters)
    return csv_response(header, rows, f"{event.slug}-registrations.csv")


@bp.route("/registrations/statistics")
def statistics(event_id: int):
    """Confirmed and attended delegates by country and kind of organisation."""
    event = get_event_or_404(event_id)
    return render_template(
        "registration/desk/statistics.html",
        event=event,
        stats=desk.statistics(event),
        counts=services.status_counts(event.id),
    )


@bp.route("/registrations/<int:registration_id>", methods=["GET", "POST"])
def registration(event_id: int, registration_id: int):
    """One registration: details (editable), decision, payments, check-in, cancel."""
    event = get_event_or_404(event_id)
    registration = _registration_or_404(event, registration_id)
    form = _details_form(event, registration, from_request=True)
    if form.validate_on_submit():
        try:
            services.update_details(registration, form.delegate_data(), by=current_user)
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(
                url_for("registration_desk.registration", event_id=event.id, registration_id=registration.id)
            )
    return _registration_page(event, registration, form, DecisionForm())


def _details_form(event, registration: Registration, from_request: bool):
    """The form of the registration's details: as posted (from_request, on a POST), else as stored."""
    form_class = with_questions(DelegateForm, services.event_questions(event.id))
    form = (
        form_class(event=event, obj=registration) if from_request else form_class(None, event=event, obj=registration)
    )
    if request.method == "GET" or not from_request:
        for key, value in (registration.answers or {}).items():
            if f"q_{key}" in form:
                form[f"q_{key}"].data = ("yes" if value else "no") if isinstance(value, bool) else value
    form.email.data = registration.email
    return form


def _registration_page(event, registration: Registration, form, decision_form, status: int = 200):
    """The page of one registration, with its details' form and the decision's (kept as typed when refused)."""
    may_check_in = not registration.checked_in_at and services.check_in_refusal(registration, current_user) is None
    invoice = payments.invoice_for(registration)
    return render_template(
        "registration/desk/registration.html",
        event=event,
        registration=registration,
        form=form,
        decision_form=decision_form,
        payment_form=PaymentForm(),
        confirm_form=ConfirmForm(),
        questions=services.event_questions(event.id),
        may_check_in=may_check_in,
        seats=_seats(event, registration),
        payment_reference=payments.payment_reference(registration),
        invoice=invoice,
        invoice_number=payments.invoice_label(invoice) if invoice else None,
    ), 422 if form.errors else status


def _seats(event, registration: Registration) -> dict | None:
    """For an undecided registration: whether its mode has a free seat, and what approving into it needs."""
    if registration.status not in ("pending", "waitlisted"):
        return None
    mode = registration.attendance_mode
    return {
        "full": event.is_full(mode),
        "online": mode == "online",
        "capacity": event.capacity_for(mode),
        "taken": event.taken_for(mode),
        # Raised to fit this one more: the seats taken (more than the capacity, if it was lowered) plus one.
        "raised": event.taken_for(mode) + 1,
        "waiting": services.counts_by_mode(event.id).get(mode, {}).get("waitlisted", 0),
    }


#: What the desk says once an action is done; a decision names its outcome.
DONE = {
    "cancel": lambda r: _("The registration is cancelled; %(name)s has been mailed.", name=r.full_name),
    "check-in": lambda r: _("%(name)s is checked in.", name=r.full_name),
    "payment": lambda r: _("The payment is recorded."),
}
DECIDED = {
    "confirmed": lambda r: _("Approved: %(name)s is confirmed and has been mailed.", name=r.full_name),
    "waitlisted": lambda r: _("%(name)s is on the waiting list and has been mailed.", name=r.full_name),
    "declined": lambda r: _("Declined: %(name)s has been mailed.", name=r.full_name),
}


@bp.route("/registrations/<int:registration_id>/<action>", methods=["POST"])
def registration_action(event_id: int, registration_id: int, action: str):
    """Approve (into a full event, as the organiser chooses), decline, cancel, check in or record a payment."""
    event = get_event_or_404(event_id)
    registration = _registration_or_404(event, registration_id)
    done = None
    try:
        if action in ("approve", "decline"):
            form = DecisionForm()
            if not form.validate_on_submit():
                abort(400)
            capacity_before = event.capacity_for(registration.attendance_mode)
            when_full = form.when_full.data if form.when_full.data in services.WHEN_FULL else None
            outcome = services.decide(
                registration, action == "approve", current_user, form.message.data or "", when_full=when_full
            )
            done = DECIDED[outcome](registration)
            capacity = event.capacity_for(registration.attendance_mode)
            if capacity != capacity_before:
                done = " ".join((_("Capacity raised to %(num)d.", num=capacity), done))
        elif action == "cancel":
            services.cancel(registration, by=current_user)
        elif action == "check-in":
            if not services.check_in(registration, current_user):
                flash(_("Already checked in."), "info")
                done = ""
        elif action == "payment":
            form = PaymentForm()
            if not form.validate_on_submit():
                raise EventMgrError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            payments.receive(
                registration,
                form.amount.data,
                form.method.data,
                form.reference.data,
                current_user,
                send_receipt=form.send_receipt.data,
            )
        else:
            abort(404)
    except services.EventFull:
        # Said before anything happens; the organiser's message is kept for the choice they make now.
        db.session.rollback()
        flash(_("No free seat: raise the capacity and approve, or put the delegate on the waiting list."), "error")
        details = _details_form(event, registration, from_request=False)
        return _registration_page(event, registration, details, form, status=409)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if done is None:
            done = DONE[action](registration)
        if done:
            flash(done, "success")
    return redirect(url_for("registration_desk.registration", event_id=event.id, registration_id=registration.id))


@bp.route("/check-in", methods=["GET", "POST"])
def check_in(event_id: int):
    """The desk's scan field: a scanned or typed code checks the delegate in at once and the field is ready for the
    next; a name finds confirmed delegates to check in with a button. The last one checked in is shown with Undo."""
    event = get_event_or_404(event_id)
    query = (request.values.get("q") or "").strip()[:300]
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        scanned = checkin.registration_for_check_in(event, query)
        if scanned is not None:
            return _check_in_and_return(event, scanned)
        if _looks_like_code(query):
            flash(_("No registration of this event has the code %(code)s.", code=query[:80]), "error")
            return redirect(url_for("registration_desk.check_in", event_id=event.id))
        return redirect(url_for("registration_desk.check_in", event_id=event.id, q=query or None))
    found: list[Registration] = []
    if query:
        scanned = checkin.registration_for_check_in(event, query)
        if scanned is not None:
            found = [scanned]
        else:
            found, _total = desk.find(event, {"q": query, "status": "confirmed"}, page=1, per_page=30)
    last = request.args.get("last", type=whole_number)
    last = _registration_or_404(event, last) if last else None
    return render_template(
        "registration/desk/check_in.html",
        event=event,
        query=query,
        found=found,
        last=last,
        last_is_new=request.args.get("outcome") == "new",
        may_check_in={r.id for r in found if services.check_in_refusal(r, current_user) is None},
        window_refusal=services.check_in_window_refusal(event),
        window=event.check_in_window(),
        confirm_form=ConfirmForm(),
        attended=services.attendance_count(event.id),
        modes={code: str(label) for code, label in ATTENDANCE_MODES.items()},
    )


def _looks_like_code(text: str) -> bool:
    """Whether the desk was given a code (scanned or typed) rather than a name: no space, digits or a long token."""
    return bool(text) and " " not in text and (any(c.isdigit() for c in text) or len(text) >= 32)


@bp.route("/check-in/<int:registration_id>", methods=["POST"])
def check_in_one(event_id: int, registration_id: int):
    """Check in a delegate found by name, and come back to the scan field."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _check_in_and_return(event, _registration_or_404(event, registration_id))


def _check_in_and_return(event, registration: Registration):
    """Check the delegate in, say how it went, and go back to an empty scan field showing who it was."""
    try:
        first = services.check_in(registration, current_user)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("registration_desk.check_in", event_id=event.id))
    db.session.commit()
    if first:
        flash(_("%(name)s checked in.", name=registration.full_name), "success")
    else:
        flash(
            _(
                "%(name)s was already checked in %(when)s.",
                name=registration.full_name,
                when=format_local(registration.checked_in_at, event.timezone),
            ),
            "info",
        )
    return redirect(
        url_for(
            "registration_desk.check_in",
            event_id=event.id,
            last=registration.id,
            outcome="new" if first else "already",
        )
    )


@bp.route("/check-in/<int:registration_id>/undo", methods=["POST"])
def undo_check_in(event_id: int, registration_id: int):
    """Undo the check-in the desk just showed (a wrong badge scanned, a wrong name pressed)."""
    event = get_event_or_404(event_id)
    registration = _registration_or_404(event, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        checked_in_at = datetime.fromisoformat(request.form.get("checked_in_at", ""))
    except ValueError:
        abort(400)
    try:
        services.undo_check_in(registration, current_user, checked_in_at)
    except EventMgrError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Check-in of %(name)s undone.", name=registration.full_name), "success")
    return redirect(url_for("registration_desk.check_in", event_id=event.id))


@bp.route("/registration-settings", methods=["GET", "POST"])
@accepts_upload(INVITE_REQUEST_LIMIT)
def settings(event_id: int):
    """The event's own questions, seats, offer codes and invitations (sent, and sent again on request)."""
    event = get_event_or_404(event_id)
    question_form = QuestionForm(prefix="question")
    capacity_form = CapacityForm(
        prefix="capacity", data={"capacity": event.capacity, "online_capacity": event.online_capacity}
    )
    offer_form = OfferCodeForm(prefix="offer")
    check_in_form = CheckInSettingsForm(prefix="checkin", data={"check_in_opens_hours": event.check_in_opens_hours})
    invite_form = InviteForm(prefix="invite")
    saved_payments = payments.payment_settings(event)
    payment_form = PaymentSettingsForm(
        prefix="payment",
        data={key: getattr(saved_payments, key) for key in payments.SETTINGS_FIELDS}
        | {"deadline_at": _wall_clock(saved_payments.deadline_at, event)},
    )
    payment_form.deadline_at.description = _("In the event's time zone (%(zone)s).", zone=event.timezone)
    submitted = request.form.get("form")
    try:
        if submitted == "question" and question_form.validate_on_submit():
            services.add_question(
                event, question_form.data | {"options": (question_form.options.data or "").splitlines()}, current_user
            )
            return _saved(event, _("Question added."))
        if submitted == "capacity" and capacity_form.validate_on_submit():
            promoted = [
                registration
                for mode in event.modes
                for registration in services.set_capacity(
                    event, capacity_form[CapacityForm.FIELDS[mode]].data, current_user, mode
                )
            ]
            return _saved(event, _("Seats saved; %(n)d moved up from the waiting list.", n=len(promoted)))
        if submitted == "checkin" and check_in_form.validate_on_submit():
            checkin.set_check_in_opens(event, check_in_form.check_in_opens_hours.data, current_user)
            return _saved(event, _("Check-in hours saved."))
        if submitted == "offer" and offer_form.validate_on_submit():
            services.create_offer_code(
                event,
                offer_form.data
                | {
                    "valid_from": _local(offer_form.valid_from.data, event),
                    "valid_until": _local(offer_form.valid_until.data, event),
                },
                current_user,
            )
            return _saved(event, _("Offer code added."))
        if submitted == "payment" and payment_form.validate_on_submit():
            payments.save_payment_settings(
                event, payment_form.data | {"deadline_at": _local(payment_form.deadline_at.data, event)}, current_user
            )
            return _saved(event, _("Payment settings saved."))
        if submitted == "invite" and invite_form.validate_on_submit():
            upload = invite_form.csv_file.data
            entries = desk.invitation_entries(
                invite_form.emails.data, upload.read(desk.INVITE_CSV_BYTES + 1) if upload else None
            )
            added = services.invite(event, entries, current_user)
            return _saved(event, ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", added))
        if submitted == "resend" and ConfirmForm().validate_on_submit():
            invitation = _invitation_or_404(event, request.form.get("invitation_id", type=whole_number))
            services.resend_invitation(invitation, current_user)
            return _saved(event, _("The invitation to %(email)s is sent again.", email=invitation.email))
    except EventMgrError as error:
        db.session.rollback()
        show_error(
            {
                "question": question_form,
                "capacity": capacity_form,
                "checkin": check_in_form,
                "offer": offer_form,
                "invite": invite_form,
                "payment": payment_form,
            }[submitted],
            error,
        )
    forms = (question_form, capacity_form, check_in_form, offer_form, invite_form, payment_form)
    status = 422 if any(f.errors for f in forms) else 200
    return render_template(
        "registration/desk/settings.html",
        event=event,
        question_form=question_form,
        capacity_form=capacity_form,
        check_in_form=check_in_form,
        offer_form=offer_form,
        invite_form=invite_form,
        payment_form=payment_form,
        confirm_form=ConfirmForm(),
        questions=services.event_questions(event.id),
        offer_codes=desk.offer_codes(event),
        invitations=services.invitations_with_status(event),
        statuses={code: str(label) for code, label in REGISTRATION_STATUSES.items()},
    ), status


def _invitation_or_404(event, invitation_id: int | None) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None or invitation.event_id != event.id:
        abort(404)
    return invitation


def _saved(event, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("registration_desk.settings", event_id=event.id))


@bp.route("/registration-settings/questions/<int:question_id>/<action>", methods=["POST"])
def question_action(event_id: int, question_id: int, action: str):
    """Move a question up or down, or delete it."""
    event = get_event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    question = db.session.get(RegistrationQuestion, question_id)
    if question is None or question.event_id != event.id or action not in ("delete", *STEPS):
        abort(404)
    if action == "delete":
        services.delete_question(event, question, current_user)
    else:
        services.move_question(event, question, STEPS[action], current_user)
    db.session.commit()
    return redirect(url_for("registration_desk.settings", event_id=event.id))


def _audience_text(audience: dict) -> str:
    """An announcement's audience in words: "Confirmed · Kazakhstan · Online"."""
    parts = [str(REGISTRATION_STATUSES[audience["status"]]) if audience.get("status") else _("Everyone registered")]
    if audience.get("country"):
        parts.append(locales.country_name(audience["country"]))
    if audience.get("mode") in ATTENDANCE_MODES:
        parts.append(str(ATTENDANCE_MODES[audience["mode"]]))
    return " · ".join(parts)


def _reach_text(count: int) -> str:
    return ngettext("%(num)d person will receive it.", "%(num)d people will receive it.", count)


@bp.route("/announcements", methods=["GET", "POST"])
def announcements(event_id: int):
    """Write to all or some registrants, in one language or several: choose the audience, preview each language's
    mail, confirm whom it goes to; show how far each announcement has gone out. Asked for JSON, the number of people
    the audience filters reach."""
    event = get_event_or_404(event_id)
    chosen = {key: value for key, value in _filters().items() if key in desk.AUDIENCE_FILTERS}
    if request.method == "GET" and request.accept_mimetypes.best == "application/json":
        count = len(desk.audience(event, chosen))
        return {"count": count, "text": _reach_text(count)}
    form = announcement_form(event, **{key: value or "" for key, value in chosen.items()})
    if request.method == "POST":
        chosen = form.audience_filters()
    preview, status = None, 200
    draft = None
    if form.validate_on_submit():
        try:
            draft = desk.draft_announcement(
                event, form.subject.data, form.body.data, form.language.data, form.translations()
            )
        except EventMgrError as error:
            show_error(form, error)
            status = 422
    elif form.errors:
        status = 422
    if draft is not None:
        recipients = desk.audience(event, chosen)
        key = desk.audience_key(recipients)
        content = desk.content_key(draft)
        confirmed = "send" in request.form and form.audience_key.data
        if not recipients:
            flash(_("No registration matches these filters."), "error")
            status = 422
        elif confirmed and form.content_key.data != content:
            flash(_("The message was changed after the preview: check it and confirm again."), "error")
            status = 409
        elif confirmed:
            try:
                announcement = desk.announce(
                    event,
                    form.subject.data,
                    form.body.data,
                    chosen,
                    current_user,
                    confirmed_key=form.audience_key.data,
                    language=form.language.data,
                    translations=form.translations(),
                )
            except desk.AudienceChanged as error:
                db.session.rollback()
                flash(
                    ngettext(
                        "Not sent: the audience changed since the preview, and is now %(num)d person. Check and "
                        "confirm again.",
                        "Not sent: the audience changed since the preview, and is now %(num)d people. Check and "
                        "confirm again.",
                        error.count,
                    ),
                    "error",
                )
                status = 409
            else:
                db.session.commit()
                flash(
                    ngettext("Sending to %(num)d person.", "Sending to %(num)d people.", announcement.recipients),
                    "success",
                )
                return redirect(url_for("registration_desk.announcements", event_id=event.id, _anchor="sent"))
        if recipients:
            form.audience_key.data, form.content_key.data = key, content
            preview = {
                "count": len(recipients),
                "audience": _audience_text(chosen),
                "versions": desk.announcement_versions(event, draft, recipients),
            }
    return render_template(
        "registration/desk/announcements.html",
        event=event,
        form=form,
        preview=preview,
        reach=_reach_text(len(desk.audience(event, chosen))) if preview is None else _reach_text(preview["count"]),
        audience_text=_audience_text,
        progress=desk.announcement_progress(event),
    ), status


@bp.route("/attendance", methods=["GET", "POST"])
@accepts_upload(attendance.REPORT_BYTES + 1024 * 1024)
def attendance_report(event_id: int):
    """Mark online delegates as attended from the participant report the meeting platform exports."""
    event = get_event_or_404(event_id)
    form = AttendanceReportForm()
    outcome = None
    status = 200
    if form.validate_on_submit():
        try:
            outcome = attendance.import_attendance(
                event, form.report.data.read(attendance.REPORT_BYTES + 1), current_user
            )
        except EventMgrError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
    if form.errors:
        status = 422
    return render_template(
        "registration/desk/attendance.html",
        event=event,
        form=form,
        outcome=outcome,
        attended=services.attendance_count(event.id),
    ), status
