"""Documents for delegates, from the same renderer: certificates of attendance, visa support letters, badges."""

import segno
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import LetterSettings, VisaLetterApproval
from eventmgr.documents.structure import DocumentError, event_dates_text, event_place
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.formatting import local_datetime
from eventmgr.jobs.services import job_kind, time_limit
from eventmgr.languages import current_language
from eventmgr.registration.checkin import check_in_code


def letter_settings(event) -> LetterSettings:
    """The event's letterhead and signatory (empty ones if never set)."""
    found = db.session.execute(select(LetterSettings).where(LetterSettings.event_id == event.id)).scalar_one_or_none()
    return found or LetterSettings(event_id=event.id)


def save_letter_settings(event, data: dict, user) -> LetterSettings:
    """Set the letterhead and signatory of the event's letters and certificates."""
    settings = letter_settings(event)
    for key in ("letterhead", "letterhead_address", "signatory_name", "signatory_title"):
        setattr(settings, key, (data.get(key) or "").strip())
    db.session.add(settings)
    db.session.flush()
    record("letters.settings", user, event, summary=settings.letterhead)
    return settings


def attends_in_person(registration) -> bool:
    """Whether the delegate is in the room: only they get a visa letter and a badge (an online delegate of a hybrid
    event gets neither, nor does anyone of an online event)."""
    return registration.event.is_in_person and registration.in_person


def visa_requests(event) -> list:
    """Confirmed in-person delegates who asked for a visa support letter, with their approval if any."""
    from eventmgr.registration.models import Registration

    if not event.is_in_person:
        return []
    rows = db.session.execute(
        select(Registration, VisaLetterApproval)
        .outerjoin(VisaLetterApproval, VisaLetterApproval.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.needs_visa_letter.is_(True),
            Registration.status == "confirmed",
            Registration.attendance_mode == "in_person",
        )
        .order_by(Registration.family_name, Registration.given_name)
    ).all()
    return [(registration, approval) for registration, approval in rows]


def approve_visa_letter(registration, user) -> VisaLetterApproval:
    """Approve one delegate's visa support letter; it gets the event's next letter number."""
    if registration.status != "confirmed" or not registration.needs_visa_letter:
        raise DocumentError(_("Only confirmed delegates who asked for a visa letter can be given one."))
    if not attends_in_person(registration):
        raise DocumentError(_("Visa letters are for delegates who attend in person."))
    existing = db.session.execute(
        select(VisaLetterApproval).where(VisaLetterApproval.registration_id == registration.id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    from eventmgr.registration.models import Registration

    issued = db.session.execute(
        select(func.count())
        .select_from(VisaLetterApproval)
        .join(Registration)
        .where(Registration.event_id == registration.event_id)
    ).scalar_one()
    approval = VisaLetterApproval(
        registration_id=registration.id,
        approved_by_id=user.id,
        approved_at=utcnow(),
        reference=f"{registration.event_id}/{issued + 1:03d}",
    )
    db.session.add(approval)
    db.session.flush()
    record("letters.visa_approve", user, registration.event, summary=registration.full_name)
    return approval


def _render(template: str, timeout: int | None = None, **context) -> bytes:
    """Render a letter, certificate or sheet of badges: tagged (PDF/UA-1), within the render time limit."""
    from flask import current_app

    from eventmgr.documents.publishing import DEFAULT_RENDER_TIMEOUT, PDF_VARIANT, RenderFailed
    from eventmgr.pdf import RenderError, html_to_pdf, render_html

    timeout = timeout or current_app.config.get("DOCUMENT_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT)
    try:
        return html_to_pdf(render_html(template, **context), variant=PDF_VARIANT, timeout=timeout)
    except RenderError as error:
        raise RenderFailed(_("The PDF could not be rendered in time; try again in a moment.")) from error


def approval_for(registration) -> VisaLetterApproval | None:
    return db.session.execute(
        select(VisaLetterApproval).where(VisaLetterApproval.registration_id == registration.id)
    ).scalar_one_or_none()


def delegate_documents(registration) -> list[tuple[str, str]]:
    """The letters a delegate may download through their private link: (label, kind)."""
    available = []
    if registration.checked_in_at is not None and certificates_refusal(registration.event) is None:
        available.append((_("Certificate of attendance"), "certificate"))
    if (
        registration.status == "confirmed"
        and registration.needs_visa_letter
        and attends_in_person(registration)
        and approval_for(registration)
    ):
        available.append((_("Visa support letter"), "visa-letter"))
    return available


def _common(event) -> dict:
    # The whole letter in the language it is written in (the reader's), so that its /Lang is true of all of it.
    language = current_language()
    return {
        "event": event,
        "settings": letter_settings(event),
        "place": event_place(event, language),
        "dates": event_dates_text(event, language),
        "language": language,
        "hosts": event.organisations_with_role("host"),
        "co_organisers": event.organisations_with_role("co_organiser"),
    }


def certificates_refusal(event, now=None) -> str | None:
    """Why the event's certificates of attendance cannot be issued yet, or None once they can: attendance is
    certified for an event that took place, so from its end on (never for a cancelled one)."""
    if event.status == "cancelled":
        return _("The event was cancelled: there is no attendance to certify.")
    if event.end_at > (now or utcnow()):
        return _(
            "Certificates of attendance are issued once the event has ended, from %(when)s.",
            when=local_datetime(event.end_at, event.timezone),
        )
    return None


def certificate_pdf(registration) -> bytes:
    """A certificate of attendance, once the event has ended; for a delegate who was checked in at the desk or,
    online, marked as attended from the platform's participant report."""
    if registration.checked_in_at is None:
        raise DocumentError(
            _(
                "%(name)s was not checked in (nor marked as attended): certificates are issued to those who were.",
                name=registration.full_name,
            )
        )
    refusal = certificates_refusal(registration.event)
    if refusal is not None:
        raise DocumentError(refusal)
    return _render("certificate.html", registration=registration, issued_at=utcnow(), **_common(registration.event))


def attended(event) -> list:
    """The event's delegates who were checked in, by family name."""
    from eventmgr.registration.models import Registration

    return (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.checked_in_at.is_not(None))
            .order_by(Registration.family_name, Registration.given_name)
        )
        .scalars()
        .all()
    )


@job_kind("certificates")
def _certificates_job(job) -> tuple[bytes, str, str]:
    event = db.session.get(Event, job.event_id)
    return certificates_pdf(event, timeout=time_limit()), "application/pdf", f"{event.slug}-certificates.pdf"


def certificates_pdf(event, timeout: int | None = None) -> bytes:
    """Every checked-in delegate's certificate, one to a page, to print them all at once (a job), once the event
    has ended."""
    refusal = certificates_refusal(event)
    if refusal is not None:
        raise DocumentError(refusal)
    return _render(
        "certificates.html", timeout=timeout, registrations=attended(event), issued_at=utcnow(), **_common(event)
    )


def visa_letter_pdf(registration) -> bytes:
    """The visa support letter of a confirmed delegate whose request an organiser approved."""
    approval = approval_for(registration)
    if (
        approval is None
        or registration.status != "confirmed"
        or not registration.needs_visa_letter
        or not attends_in_person(registration)
    ):
        raise DocumentError(_("This delegate's visa letter has not been approved."))
    return _render("visa_letter.html", registration=registration, approval=approval, **_common(registration.event))


# --- A whole delegation's visa letters --------------------------------------------------------------------


def delegation_visa_requests(delegation) -> list:
    """(registration, approval or None) for each active in-person member of the delegation who asked for a visa
    letter and is confirmed, head first."""
    if not delegation.event.is_in_person:
        return []
    members = [
        member
        for member in delegation.active_members
        if member.status == "confirmed" and member.needs_visa_letter and member.in_person
    ]
    return [(member, approval_for(member)) for member in members]


def delegations_with_visa_requests(event) -> list[tuple]:
    """(delegation, approved, waiting) for each of the event's delegations with a member asking for a visa
    letter: the numbers of letters approved and still to approve."""
    from eventmgr.registration.models import Delegation

    delegations = (
        db.session.execute(
            select(Delegation)
            .where(Delegation.event_id == event.id, Delegation.cancelled_at.is_(None))
            .order_by(Delegation.name)
        )
        .scalars()
        .all()
    )
    summary = []
    for delegation in delegations:
        requests = delegation_visa_requests(delegation)
        if requests:
            approved = sum(1 for _registration, approval in requests if approval is not None)
            summary.append((delegation, approved, len(requests) - approved))
    return summary


def approve_delegation_visa_letters(delegation, user) -> int:
    """Approve the visa letters of every member of the delegation who asked for one and is still waiting; return
    how many were approved now."""
    waiting = [member for member, approval in delegation_visa_requests(delegation) if approval is None]
    for member in waiting:
        approve_visa_letter(member, user)
    return len(waiting)


def delegation_visa_letters_pdf(delegation) -> bytes:
    """One PDF with the approved visa letters of the delegation's in-person members, one letter to a page.

    A delegation's focal point usually sends one list for all its members, and its embassy gets their letters
    together. Approval stays a decision about each person, since the organisers vouch for them to a consulate:
    printing the PDF approves nobody, and it holds only the letters already approved (each with its own number
    and date). The organiser who has checked the whole list approves the waiting ones in one step first
    (approve_delegation_visa_letters, the same approval as one by one) and then prints them.

    A delegation is tens of people, not the hundreds of an event's badges: it is rendered in the request, like
    a single letter, within the same render time limit, rather than queued as a job."""
    letters = [(member, approval) for member, approval in delegation_visa_requests(delegation) if approval]
    if not letters:
        raise DocumentError(_("No visa letter of this delegation has been approved yet."))
    return _render("visa_letters.html", letters=letters, delegation=delegation, **_common(delegation.event))


def _qr_svg(text: str) -> Markup:
    """The badge's QR code as inline SVG: a viewBox (no fixed size), so that the whole code fills the box the badge's
    stylesheet gives it instead of being cut at its edge, and a quiet zone of two modules for the camera. Its title is
    the figure's alternative text in the PDF."""
    qr = segno.make(text, error="m", micro=False, mask=2)
    return Markup(qr.svg_inline(border=2, omitsize=True, title=_("QR code for check-in")))  # noqa: S704 - by segno


@job_kind("badges")
def _badges_job(job) -> tuple[bytes, str, str]:
    event = db.session.get(Event, job.event_id)
    return badges_pdf(event, timeout=time_limit()), "application/pdf", f"{event.slug}-badges.pdf"


def badge_holders(event) -> list:
    """The confirmed delegates who attend in person (none at an online event), by family name."""
    from eventmgr.registration.models import Registration

    if not event.is_in_person:
        return []
    return (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == "confirmed",
                Registration.attendance_mode == "in_person",
            )
            .order_by(Registration.family_name, Registration.given_name)
        )
        .scalars()
        .all()
    )


def badges_pdf(event, timeout: int | None = None) -> bytes:
    """Name badges of the confirmed in-person delegates, eight to an A4 page, each with its delegation (and
    "Head of delegation" for its head) and a QR code for the desk.

    A thousand delegates make 125 pages: organisers ask for them as a job (`jobs.services.enqueue`), which the
    worker renders, never a web worker."""
    registrations = badge_holders(event)
    badges = [
        {
            "registration": r,
            # The same code as the one mailed and shown on the delegate's page (not their private token: a badge is
            # worn in public); the desk's scan field reads it.
            "qr": _qr_svg(check_in_code(r)),
        }
        for r in registrations
    ]
    return _render("badges.html", timeout=timeout, badges=badges, **_common(event))
