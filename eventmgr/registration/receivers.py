"""What registration makes of the changes events announce (their signals)."""

from flask_babel import ngettext
from sqlalchemy import func, select

from eventmgr.errors import EventMgrError
from eventmgr.events import signals as events
from eventmgr.events.models import ATTENDANCE_MODES
from eventmgr.extensions import db
from eventmgr.registration.models import ACTIVE_STATUSES, Registration


def event_changed(event, changes: dict) -> None:
    """Refuse a change of format that would leave delegates in a mode the event no longer has.

    An in-person conference made online would keep delegates with seats in a room that is gone, asked for visa
    letters, sent badges; the organiser moves them first (the desk moves a delegate of a hybrid event between
    modes, with the mail that says so), then changes the format. The whole save is refused, nothing half-done.
    """
    if "format" not in changes:
        return
    dropped = [mode for mode in ATTENDANCE_MODES if mode not in event.modes]
    stranded = db.session.execute(
        select(func.count()).where(
            Registration.event_id == event.id,
            Registration.status.in_(ACTIVE_STATUSES),
            Registration.attendance_mode.in_(dropped),
        )
    ).scalar_one()
    if stranded:
        if "online" in dropped:
            message = ngettext(
                "%(num)d registered delegate attends online: make the event hybrid, or move or cancel them first.",
                "%(num)d registered delegates attend online: make the event hybrid, or move or cancel them first.",
                stranded,
            )
        else:
            message = ngettext(
                "%(num)d registered delegate attends in person: make the event hybrid, or move or cancel them first.",
                "%(num)d registered delegates attend in person: make the event hybrid, or move or cancel them first.",
                stranded,
            )
        raise EventMgrError(message, field="format")


def connect() -> None:
    """Subscribe to the signals (connecting again, for another app, changes nothing)."""
    events.event_changed.connect(event_changed)
