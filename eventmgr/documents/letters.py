"""Documents for delegates, from the same renderer: certificates of attendance, visa support letters, badges."""

import segno
from markupsafe import Markup
from sqlalchemy import func, select

from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.documents.models import LetterSettings, VisaLetterApproval
from eventmgr.documents.structure import DocumentError, event_dates_text, event_place
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.jobs.services import job_kind, time_limit
from eventmgr.urls import external_url


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


def visa_requests(event) -> list:
    """Confirmed delegates who asked for a visa support letter, with their approval if any."""
    from eventmgr.registration.models import Registration

    rows = db.session.execute(
        select(Registration, VisaLetterApproval)
        .outerjoin(VisaLetterApproval, VisaLetterApproval.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.needs_visa_letter.is_(True),
            Registration.status == "confirmed",
        )
        .order_by(Registration.family_name, Registration.given_name)
    ).all()
    return [(registration, approval) for registration, approval in rows]


def approve_visa_letter(registration, user) -> VisaLetterApproval:
    """Approve one delegate's visa support letter; it gets the event's next letter number."""
    if registration.status != "confirmed" or not registration.needs_visa_letter:
        raise DocumentError("Only confirmed delegates who asked for a visa letter can be given one.")
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
        raise RenderFailed("The PDF could not be rendered in time; try again in a moment.") from error


def approval_for(registration) -> VisaLetterApproval | None:
    return db.session.execute(
        select(VisaLetterApproval).where(VisaLetterApproval.registration_id == registration.id)
    ).scalar_one_or_none()


def delegate_documents(registration) -> list[tuple[str, str]]:
    """The letters a delegate may download through their private link: (label, kind)."""
    available = []
    if registration.checked_in_at is not None:
        available.append(("Certificate of attendance", "certificate"))
    if registration.status == "confirmed" and registration.needs_visa_letter and approval_for(registration):
        available.append(("Visa support letter", "visa-letter"))
    return available


def _common(event) -> dict:
    language = (event.languages or ["en"])[0]
    return {
        "event": event,
        "settings": letter_settings(event),
        "place": event_place(event, language),
        "dates": event_dates_text(event, language),
        "language": language,
        "hosts": event.organisations_with_role("host"),
        "co_organisers": event.organisations_with_role("co_organiser"),
    }


def certificate_pdf(registration) -> bytes:
    """A certificate of attendance; only for a delegate who was checked in."""
    if registration.checked_in_at is None:
        raise DocumentError("Certificates are issued to delegates who were checked in.")
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
    """Every checked-in delegate's certificate, one to a page, to print them all at once (a job)."""
    return _render(
        "certificates.html", timeout=timeout, registrations=attended(event), issued_at=utcnow(), **_common(event)
    )


def visa_letter_pdf(registration) -> bytes:
    """The visa support letter of a confirmed delegate whose request an organiser approved."""
    approval = approval_for(registration)
    if approval is None or registration.status != "confirmed" or not registration.needs_visa_letter:
        raise DocumentError("This delegate's visa letter has not been approved.")
    return _render("visa_letter.html", registration=registration, approval=approval, **_common(registration.event))


def _qr_svg(text: str) -> Markup:
    return Markup(segno.make(text, error="m").svg_inline(scale=2.4, border=0))  # noqa: S704 - made by segno


@job_kind("badges")
def _badges_job(job) -> tuple[bytes, str, str]:
    event = db.session.get(Event, job.event_id)
    return badges_pdf(event, timeout=time_limit()), "application/pdf", f"{event.slug}-badges.pdf"


def badges_pdf(event, timeout: int | None = None) -> bytes:
    """Name badges of the confirmed delegates, eight to an A4 page, each with a QR code for the desk.

    A thousand delegates make 125 pages: organisers ask for them as a job (`jobs.services.enqueue`), which the
    worker renders, never a web worker."""
    from eventmgr.registration.models import Registration

    registrations = (
        db.session.execute(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == "confirmed")
            .order_by(Registration.family_name, Registration.given_name)
        )
        .scalars()
        .all()
    )
    badges = [
        {
            "registration": r,
            "qr": _qr_svg(external_url("registration_desk.registration", event_id=event.id, registration_id=r.id)),
        }
        for r in registrations
    ]
    return _render("badges.html", timeout=timeout, badges=badges, **_common(event))
