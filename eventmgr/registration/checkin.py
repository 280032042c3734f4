"""What the desk scans: one check-in code per registration, on the badge, in the mail and on the private page.

The code names the registration and carries a keyed check value (`12-K7QF3MZP`), so that the desk finds the
delegate at once and a typing slip or a guessed number finds nobody. It grants nothing else: unlike the private
token that the delegate's link holds, it can be printed on a badge that anyone in the room may photograph.
Codes of an earlier scheme are still read, so that what was mailed or printed before keeps working: the private
token (the mailed code until now) and the desk's address of the registration (the printed badge until now).
"""

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from eventmgr.audit.services import record
from eventmgr.errors import EventMgrError
from eventmgr.events.models import CHECK_IN_OPENS_HOURS
from eventmgr.extensions import db
from eventmgr.registration.models import Registration

#: Characters of the check value: 40 bits, enough that a guess finds nobody, short enough to type from a badge.
CHECK_LENGTH = 8
#: A check-in code as printed: the registration's number, a dash, the check value (read case-insensitively).
CODE_PATTERN = re.compile(r"^\s*(\d{1,12})\s*-\s*([A-Za-z2-7]{%d})\s*$" % CHECK_LENGTH)  # noqa: UP031
#: The desk's address of a registration, which badges printed before these codes hold.
DESK_PATH_PATTERN = re.compile(r"/manage/events/(\d{1,12})/registrations/(\d{1,12})/?$")


def _check_value(event_id: int, registration_id: int) -> str:
    key = hashlib.sha256(b"eventmgr.check-in-code:" + current_app.secret_key.encode()).digest()
    digest = hmac.new(key, f"{event_id}:{registration_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:CHECK_LENGTH]


def check_in_code(registration: Registration) -> str:
    """The code the desk scans or types to check the delegate in."""
    return f"{registration.id}-{_check_value(registration.event_id, registration.id)}"


def registration_for_check_in(event, text: str | None) -> Registration | None:
    """The event's registration a scanned or typed code names: its check-in code, its private token, or (on badges
    printed before check-in codes) the desk's address of it; None for anything else."""
    from eventmgr.registration.services import registration_by_token

    text = (text or "").strip()
    if not text or len(text) > 300:
        return None
    if match := CODE_PATTERN.match(text):
        registration_id, given = int(match[1]), match[2].upper()
        if hmac.compare_digest(given, _check_value(event.id, registration_id)):
            return _of_event(event, registration_id)
        return None
    if match := DESK_PATH_PATTERN.search(urlsplit(text).path):
        return _of_event(event, int(match[2])) if int(match[1]) == event.id else None
    return registration_by_token(event, text)


def _of_event(event, registration_id: int) -> Registration | None:
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event.id else None


def set_check_in_opens(event, hours: int, by) -> None:
    """Set how many hours before the start the desk may check delegates in (within CHECK_IN_OPENS_HOURS)."""
    low, high = CHECK_IN_OPENS_HOURS
    if hours is None or not low <= hours <= high:
        raise EventMgrError(
            _("Give a number of hours from %(low)d to %(high)d.", low=low, high=high), field="check_in_opens_hours"
        )
    if hours != event.check_in_opens_hours:
        record(
            "event.check_in_window",
            by,
            event,
            summary=f"Check-in opens {hours} h before the start",
            changes={"check_in_opens_hours": (event.check_in_opens_hours, hours)},
        )
        event.check_in_opens_hours = hours
    db.session.flush()
