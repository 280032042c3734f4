"""Who may see, find and run an event or a series (see auth/permissions.py for where the other rules live).

Events are managed by their organisers; the secretariat drafts their documents. A series is run by whoever
created it (others ask to join it).
"""

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, or_, true

from eventmgr.auth.permissions import is_admin, is_authenticated
from eventmgr.events.models import Event, EventOrganisation, EventRole, Series
from eventmgr.extensions import db
from eventmgr.organisations import permissions as organisation_permissions
from eventmgr.organisations.models import Organisation


def _roles(user, event) -> set[str]:
    if not is_authenticated(user) or event.id is None:
        return set()
    return {r.role for r in event.roles if r.user_id == user.id}


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
    """See the public page: published (or cancelled) public/unlisted events, else the event's staff only.

    `user` None asks for anyone at all, signed in or not (whether shared caches may keep the event's files).
    """
    if event.status in ("published", "cancelled") and event.visibility in ("public", "unlisted"):
        return True
    return can_see_event_backoffice(user, event)


def can_find_event(user, event) -> bool:
    """Find the event in lists (a series' editions): listed events, and those the user works on (see
    findable_events, the same rule in SQL)."""
    return event.is_listed or can_see_event_backoffice(user, event)


def findable_events(user):
    """SQL condition on Event: the events whose people and organisations the user may find in the directory —
    listed ones, and those they work on (all, for admins). Unlisted events are seen by link, never found."""
    if is_admin(user):
        return true()
    if not is_authenticated(user):
        return Event.is_listed
    return or_(Event.is_listed, exists().where(EventRole.event_id == Event.id, EventRole.user_id == user.id))


def organisations_on_findable_events(user):
    """SQL condition on Organisation: named among the organisers or partners of an event the user may find."""
    return exists().where(
        EventOrganisation.organisation_id == Organisation.id,
        EventOrganisation.event_id == Event.id,
        findable_events(user),
    )


def register() -> None:
    """Tell the organisations' rules about the organisations named on events (called by create_app)."""
    organisation_permissions.named_on.register("events", organisations_on_findable_events)


# --- Series ----------------------------------------------------------------------------------------


def can_manage_series(user, series) -> bool:
    """Change a series, add editions and accept other organisers' events into it: its owner and admins."""
    return is_admin(user) or (is_authenticated(user) and series.created_by_id == user.id)


def series_findable(user):
    """SQL condition on Series: the series a user may see in the management area: their own (all for admins)."""
    if is_admin(user):
        return true()
    return Series.created_by_id == (user.id if is_authenticated(user) else None)


# --- Loading with a check --------------------------------------------------------------------------


def get_event_or_404(event_id: int, check=can_manage_event):
    """Load an event for the management area: 404 if missing, 403 if the check refuses.

    A user with no role at all on a private or draft event gets 404, so its existence is not revealed.
    """
    event = db.get_or_404(Event, event_id)
    if not check(current_user, event):
        if not can_see_event_backoffice(current_user, event) and not can_view_event(current_user, event):
            abort(404)
        abort(403)
    return event
