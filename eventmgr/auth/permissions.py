"""Every "may this user do this to that object" question, answered in one place."""

from functools import wraps

from flask import abort
from flask_login import current_user

from eventmgr.extensions import db


def _roles(user, event) -> set[str]:
    if not getattr(user, "is_authenticated", False) or event.id is None:
        return set()
    return {r.role for r in event.roles if r.user_id == user.id}


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)


def can_create_events(user) -> bool:
    """Any active account may create events; accounts exist only by an admin's invitation."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_manage_event(user, event) -> bool:
    """Edit, publish, cancel, delete, grant roles, see the audit log."""
    return is_admin(user) or "organiser" in _roles(user, event)


def can_edit_documents(user, event) -> bool:
    """Draft, review and publish the event's outcome documents."""
    return can_manage_event(user, event) or "secretariat" in _roles(user, event)


def can_see_event_backoffice(user, event) -> bool:
    """Open the event in the management area at all."""
    return can_edit_documents(user, event)


def can_view_event(user, event) -> bool:
    """See the public page: published (or cancelled) public/unlisted events, else the event's staff only."""
    if event.status in ("published", "cancelled") and event.visibility in ("public", "unlisted"):
        return True
    return can_see_event_backoffice(user, event)


def can_manage_series(user, series) -> bool:
    """Admins, whoever created the series, and organisers of any of its editions."""
    if is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return series.created_by_id == user.id or any(can_manage_event(user, e) for e in series.events)


def get_event_or_404(event_id: int, check=can_manage_event):
    """Load an event for the management area: 404 if missing, 403 if the check refuses.

    A user with no role at all on a private or draft event gets 404, so its existence is not revealed.
    """
    from eventmgr.events.models import Event

    event = db.get_or_404(Event, event_id)
    if not check(current_user, event):
        if not can_see_event_backoffice(current_user, event) and not can_view_event(current_user, event):
            abort(404)
        abort(403)
    return event


def admin_required(view):
    """Allow only site administrators."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from eventmgr.extensions import login_manager

            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def can_merge_people(user, kept, duplicate) -> bool:
    """Fold a duplicate person into another: only who runs every event the duplicate takes part in."""
    if is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False) or kept.id == duplicate.id:
        return False
    from eventmgr.people.services import person_events

    events = person_events(duplicate)
    if not events:
        return duplicate.created_by_id == user.id
    return all(can_manage_event(user, event) for event in events)
