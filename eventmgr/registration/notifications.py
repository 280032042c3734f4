"""The e-mails a registration causes, queued in the outbox with the change that causes them."""

import base64
from io import BytesIO

import segno
from babel.dates import format_timedelta
from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventmgr.events.sender import event_mail_headers, queue_event_mail
from eventmgr.extensions import db
from eventmgr.ics import event_to_ics
from eventmgr.languages import in_language
from eventmgr.mail.services import (
    attachment_maker,
    is_withheld,
    made_when_sent,
    message_maker,
    queue_made_when_sent,
    queue_mail,
)
from eventmgr.registration.checkin import check_in_code
from eventmgr.registration.models import REGISTRATION_STATUSES, Registration
from eventmgr.registration.seats import waiting_list_position
from eventmgr.registration.unsubscribing import unsubscribe_url
from eventmgr.urls import external_url

#: Subjects of the delegate's messages, by kind: formatted with the event's title (and `when`, a reminder's).
SUBJECTS = {
    "confirmed": _l("Registration confirmed: %(title)s"),
    "pending": _l("Registration received, awaiting approval: %(title)s"),
    "waitlisted": _l("You are on the waiting list: %(title)s"),
    "approved": _l("Registration approved: %(title)s"),
    "promoted": _l("A seat is free: your registration is confirmed: %(title)s"),
    "declined": _l("Registration declined: %(title)s"),
    "cancelled": _l("Registration cancelled: %(title)s"),
    "link": _l("Your registration link: %(title)s"),
    "reminder": _l("Reminder: %(title)s starts %(when)s"),
    "event_updated": _l("Updated: %(title)s"),
    "event_cancelled": _l("Cancelled: %(title)s"),
    "mode_changed": _l("How you attend has changed: %(title)s"),
    "payment_received": _l("Payment received, with your receipt: %(title)s"),
    "payment_reminder": _l("Reminder: your payment for %(title)s is due"),
}
#: Messages that tell a waitlisted delegate their place on the waiting list.
TELL_PLACE = {"waitlisted", "link", "mode_changed"}
#: Messages that carry the event as a calendar invite.
WITH_INVITE = {"confirmed", "approved", "promoted", "event_updated"}
#: Messages the system sends of its own accord, not in answer to what the delegate did (Auto-Submitted).
AUTOMATIC = {"reminder", "payment_reminder", "event_updated", "event_cancelled"}
#: Messages the delegate may stop, with the organisers' announcements (eventmgr.registration.unsubscribing).
STOPPABLE = {"reminder"}


def manage_url(registration) -> str:
    return external_url("registration.manage", slug=registration.event.slug, token=registration.access_token)


def compose(registration, kind: str, **context) -> dict:
    """The message of this kind to the delegate, in the language they registered in: {to, subject, body, headers}.

    `starts_in` (a timedelta): how soon the event starts, said in the message as "in 2 days"."""
    with in_language(registration.language):
        event = registration.event
        if "starts_in" in context:
            context["when"] = format_timedelta(
                context.pop("starts_in"), threshold=1.5, add_direction=True, locale=get_locale()
            )
        stop_url = unsubscribe_url(registration) if kind in STOPPABLE else None
        return {
            "to": registration.email,
            "subject": str(SUBJECTS[kind]) % {"title": event.translated.title, "when": context.get("when", "")},
            "body": render_template(
                f"email/registration/{kind}.txt",
                registration=registration,
                event=event,
                link=manage_url(registration),
                status_label=REGISTRATION_STATUSES.get(registration.status, registration.status),
                waiting_position=waiting_list_position(registration) if kind in TELL_PLACE else None,
                unsubscribe_url=stop_url,
                **context,
            ),
            "headers": event_mail_headers(event, automatic=kind in AUTOMATIC, unsubscribe_url=stop_url),
        }


def queue(registration, kind: str, **context) -> None:
    """Queue the message of this kind to the delegate.

    A seat's invite and QR code are made when the message is sent, by the worker, so that registering
    costs the delegate's request none of it (and the invite shows the event as it is by then). An update or
    a cancellation carries the invite as it is now: it announces exactly that SEQUENCE and that state.
    """
    if is_withheld():
        return
    event = registration.event
    attachments = None
    if kind == "event_updated" or kind == "mode_changed" and registration.status == "confirmed":
        attachments = [_invite(registration, "REQUEST")]
    elif kind in WITH_INVITE:
        # Only a delegate in the room has a check-in code to show at the desk.
        attachments = [made_when_sent("registration.invite", registration_id=registration.id)] + [
            made_when_sent("registration.check_in_code", registration_id=registration.id)
        ] * registration.in_person
    elif kind in ("cancelled", "event_cancelled"):
        attachments = [_invite(registration, "CANCEL")]
    queue_mail(**compose(registration, kind, **context), attachments=attachments, event_id=event.id)


def queue_link_request(event, email: str) -> None:
    """Queue "send me my link" for an address, whether or not it is registered: the registration is looked up
    when the message is sent, so that neither the answer nor its timing tells who is registered."""
    queue_made_when_sent(
        to=email, made=made_when_sent("registration.link", event_id=event.id, email=email), event_id=event.id
    )


def _link_message(event_id: int, email: str) -> dict | None:
    """The private link of the address's registration for the event; None if it has none."""
    registration = db.session.execute(
        select(Registration).where(Registration.event_id == event_id, Registration.email == email)
    ).scalar_one_or_none()
    return compose(registration, "link") if registration is not None else None


def _seat_invite(registration_id: int) -> dict | None:
    registration = db.session.get(Registration, registration_id)
    return _invite(registration, "REQUEST") if registration is not None else None


def _invite(registration, method: str) -> dict:
    """The event as a calendar invite (REQUEST) or its cancellation (CANCEL) to the delegate, in their language."""
    with in_language(registration.language):
        ics = event_to_ics(
            registration.event,
            method=method,
            attendee=(registration.full_name, registration.email),
            include_join_url=method == "REQUEST",
            mode=registration.attendance_mode,
        )
    return {"filename": "invite.ics", "content_type": f"text/calendar; method={method}", "content": ics.decode()}


def check_in_qr(registration) -> segno.QRCode:
    """The QR code the desk scans: the registration's check-in code (eventmgr.registration.checkin).

    A fixed mask: every mask reads equally well with a phone, and choosing the "best" of eight costs three times
    as much on each registration."""
    return segno.make(check_in_code(registration), error="m", micro=False, mask=2)


def _check_in_code(registration_id: int) -> dict | None:
    """The QR code the desk scans, as a PNG."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        return None
    buffer = BytesIO()
    check_in_qr(registration).save(buffer, kind="png", scale=8, border=2)
    return {
        "filename": "check-in-code.png",
        "content_type": "image/png",
        "content_base64": base64.b64encode(buffer.getvalue()).decode(),
    }


def register_makers() -> None:
    """Let the outbox make the link message, the seat's invite and the check-in code when it sends them."""
    message_maker("registration.link")(_link_message)
    attachment_maker("registration.invite")(_seat_invite)
    attachment_maker("registration.check_in_code")(_check_in_code)


def queue_invitation(event, invitation) -> None:
    """Invite an address to register: its link carries the invitation's token, which fixes the address. Nobody
    has said which language they read: the message is in the event's own."""
    queue_event_mail(
        event,
        invitation.email,
        event.original_language,
        _l("Invitation to register: %(title)s"),
        "email/registration/invitation.txt",
        name=invitation.name,
        email=invitation.email,
        link=invitation_url(event, invitation),
    )


def invitation_url(event, invitation) -> str:
    return external_url("registration.register", slug=event.slug, invitation=invitation.token)


def delegation_url(delegation) -> str:
    return external_url("registration_delegations.manage", slug=delegation.event.slug, token=delegation.access_token)


def delegation_language(delegation) -> str:
    """The language the delegation's manager reads: their own registration's, else the one stored on the members
    they registered (in the language of the form they filled in), else the event's own."""
    own = db.session.execute(
        select(Registration.language)
        .where(Registration.event_id == delegation.event_id, Registration.email == delegation.contact_email)
        .limit(1)
    ).scalar_one_or_none()
    members = [member.language for member in delegation.members if member.language]
    return own or next(iter(members), None) or delegation.event.original_language


def queue_delegation_link(delegation) -> None:
    """Mail the delegation's manager its private link (each member gets their own registration's mail)."""
    queue_event_mail(
        delegation.event,
        delegation.contact_email,
        delegation_language(delegation),
        _l("Your delegation's link: %(title)s"),
        "email/registration/delegation_link.txt",
        delegation=delegation,
        link=delegation_url(delegation),
    )


def queue_delegation_invitation(event, invitation) -> None:
    """Invite a focal point to register a delegation: the link carries the invitation's token. In the event's own
    language, since nobody has said which language they read."""
    queue_event_mail(
        event,
        invitation.email,
        event.original_language,
        _l("Invitation to register a delegation: %(title)s"),
        "email/registration/delegation_invitation.txt",
        name=invitation.name,
        link=external_url("registration_delegations.register", slug=event.slug, invitation=invitation.token),
    )
