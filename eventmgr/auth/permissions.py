"""Who may do what: accounts and capabilities, and where every other rule lives.

Every "may this user do this to that object" question is answered in a `permissions.py` module, never in a view
or a template, and each rule lives in the one of the lowest feature that knows every object it needs, since a
lower feature never imports a higher one (DESIGN, "Dependencies run one way"):

- here, `auth.permissions`: accounts and capabilities (is_admin, can_create_events, admin_required);
- `organisations.permissions`: an organisation's owners, and which organisations a user may find;
- `events.permissions`: the roles on an event (view, manage, documents, back office), series, which events a
  user may find, and get_event_or_404;
- `people.permissions`: which people a user may find, and whose profile they may change.

Some rules span features above the one that asks them: a user finds the people and organisations *of events they
may see*, through programmes (agenda) and the events' own lists. Those rules are composed, in the lower module,
from sources the higher features register explicitly when the app is built (create_app): a small registry
(`Sources` below) that the lower rule reads. A rule whose sources were never registered raises instead of
answering with only part of its conditions, since a partial answer could show another organiser's private people.

Nobody finds another organiser's private or draft people, series or organisations: searches and pickers are
scoped by the `*_findable` conditions.
"""

from functools import wraps

from flask import abort
from flask_login import current_user


def is_authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return bool(is_authenticated(user) and user.is_admin)


def can_create_events(user) -> bool:
    """Create events, series and organisations: admins, and accounts an admin gave the organiser capability."""
    return is_admin(user) or bool(is_authenticated(user) and user.is_active and user.can_organise)


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


class Sources:
    """The parts of a rule that higher features contribute, registered by name when the app is built."""

    def __init__(self, what: str):
        self.what = what
        self._by_name: dict[str, object] = {}

    def register(self, name: str, source) -> None:
        """Add a source, or replace the one of that name (the app factory may run more than once)."""
        self._by_name[name] = source

    def __iter__(self):
        if not self._by_name:
            raise RuntimeError(f"No {self.what} are registered: create_app registers them.")
        return iter(list(self._by_name.values()))
