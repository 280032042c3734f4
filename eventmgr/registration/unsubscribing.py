"""Stopping an event's announcements and reminders: a signed link in each of them (List-Unsubscribe, RFC 2369,
which mail programs may follow with one POST, RFC 8058) and a switch on the delegate's page.

The link is not the delegate's private link: a mail provider that follows it learns nothing that manages the
registration. It names the registration and a digest of its address, so that it stops nobody else's mail even
if the registration is deleted and its number used again.
"""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from eventmgr.database import utcnow
from eventmgr.extensions import db
from eventmgr.registration.models import Registration
from eventmgr.urls import external_url

#: Longer than any token this module makes: refused before its signature is checked.
LONGEST_TOKEN = 200


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="eventmgr.unsubscribe")


def _address_stamp(registration: Registration) -> str:
    return hashlib.sha256(registration.email.encode()).hexdigest()[:16]


def unsubscribe_url(registration: Registration) -> str:
    """The link that stops the event's announcements and reminders for this delegate."""
    token = _serializer().dumps([registration.id, _address_stamp(registration)])
    return external_url("registration.unsubscribe", slug=registration.event.slug, token=token)


def registration_for_unsubscribe(event, token: str) -> Registration | None:
    """The event's registration an unsubscribe link names; None for a forged, foreign or outdated link."""
    if event is None or len(token) > LONGEST_TOKEN:
        return None
    try:
        registration_id, stamp = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    registration = db.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    if registration is None or registration.event_id != event.id or not isinstance(stamp, str):
        return None
    return registration if hmac.compare_digest(stamp, _address_stamp(registration)) else None


def receive_announcements(registration: Registration, receive: bool) -> None:
    """Let the delegate's announcements and reminders through again, or stop them (kept as when they stopped)."""
    if receive:
        registration.unsubscribed_at = None
    elif registration.unsubscribed_at is None:
        registration.unsubscribed_at = utcnow()
    db.session.flush()
