"""Every "may this user do this to that object" question, answered in one place.

Events are managed by their organisers; the secretariat drafts their documents. Shared objects have owners:
a series is run by whoever created it (others ask to join it), an organisation's entry by its owners, and a
person's profile, shown on every event the person takes part in, only by those who run all of those events
(or by the person, through a link mailed to them). Nobody finds another organiser's private or draft
people, series or organisations: searches and pickers are scoped by the `*_findable` conditions below.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, or_, select, true, union

from eventmgr.extensions import db


def is_authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _roles(user, event) -> set[str]:
    if not is_authenticated(user) or event.id is None:
        return set()
    return {r.role for r in event.roles if r.user_id == user.id}


def is_admin(user) -> bool:
    return bool(is_authenticated(user) and user.is_admin)


def can_create_events(user) -> bool:
    """Create events, series and organisations: admins, and accounts an admin gave the organiser capability."""
    return is_admin(user) or bool(is_authenticated(user) and user.is_active and user.can_organise)


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
    from eventmgr.events.models import Event, EventRole

    if is_admin(user):
        return true()
    if not is_authenticated(user):
        return Event.is_listed
    return or_(Event.is_listed, exists().where(EventRole.event_id == Event.id, EventRole.user_id == user.id))


# --- Series ----------------------------------------------------------------------------------------

def can_manage_series(user, series) -> bool:
    """Change a series, add editions and accept other organisers' events into it: its owner and admins."""
    return is_admin(user) or (is_authenticated(user) and series.created_by_id == user.id)


def series_findable(user):
    """SQL condition on Series: the series a user may see in the management area: their own (all for admins)."""
    from eventmgr.events.models import Series

    if is_admin(user):
        return true()
    return Series.created_by_id == (user.id if is_authenticated(user) else None)


# --- Organisations ---------------------------------------------------------------------------------

def can_edit_organisation(user, organisation) -> bool:
    """Change an organisation's entry: its owners and admins."""
    return is_admin(user) or (is_authenticated(user) and any(owner.id == user.id for owner in organisation.owners))


def organisations_findable(user):
    """SQL condition on Organisation: the entries a user may find and choose — those without owners (the shared
    directory kept by admins), their own, and those named on events or profiles they may find."""
    from eventmgr.agenda.models import EventSession, FeaturedPresenter, SessionParticipant
    from eventmgr.events.models import Event, EventOrganisation
    from eventmgr.organisations.models import Organisation, OrganisationOwner
    from eventmgr.people.models import Person

    if is_admin(user):
        return true()
    events = findable_events(user)
    on_event = exists().where(EventOrganisation.organisation_id == Organisation.id,
                              EventOrganisation.event_id == Event.id, events)
    presenter_in_event = or_(
        exists().where(SessionParticipant.person_id == Person.id, SessionParticipant.session_id == EventSession.id,
                       EventSession.event_id == Event.id, events),
        exists().where(FeaturedPresenter.person_id == Person.id, FeaturedPresenter.event_id == Event.id, events))
    of_presenter = exists().where(Person.organisation_id == Organisation.id, presenter_in_event)
    unowned = ~exists().where(OrganisationOwner.organisation_id == Organisation.id)
    conditions = [unowned, on_event, of_presenter]
    if is_authenticated(user):
        conditions.append(exists().where(OrganisationOwner.organisation_id == Organisation.id,
                                         OrganisationOwner.user_id == user.id))
    return or_(*conditions)


def can_find_organisation(user, organisation) -> bool:
    from eventmgr.organisations.models import Organisation

    return db.session.execute(
        select(exists().where(Organisation.id == organisation.id, organisations_findable(user)))).scalar()


# --- People ----------------------------------------------------------------------------------------

def people_findable(user):
    """SQL condition on Person: the people a user may find and put in an event — those in events they may find,
    and, of those in no event yet, the ones they added and the directory's own (added by no account: the command
    line, the demo); everyone, for admins."""
    from eventmgr.agenda.models import EventSession, FeaturedPresenter, SessionParticipant
    from eventmgr.events.models import Event
    from eventmgr.people.models import Person

    if is_admin(user):
        return true()
    events = findable_events(user)
    in_session = exists().where(SessionParticipant.person_id == Person.id,
                                SessionParticipant.session_id == EventSession.id, EventSession.event_id == Event.id,
                                events)
    featured = exists().where(FeaturedPresenter.person_id == Person.id, FeaturedPresenter.event_id == Event.id, events)
    nowhere = ~exists().where(SessionParticipant.person_id == Person.id) & \
        ~exists().where(FeaturedPresenter.person_id == Person.id)
    added_by = Person.created_by_id.is_(None)
    if is_authenticated(user):
        added_by = added_by | (Person.created_by_id == user.id)
    return or_(in_session, featured, nowhere & added_by)


def can_find_person(user, person) -> bool:
    """Whether the user may find the person in the directory (and so choose them for an event)."""
    from eventmgr.people.models import Person

    return db.session.execute(select(exists().where(Person.id == person.id, people_findable(user)))).scalar()


def can_edit_person(user, person) -> bool:
    """Change a profile (e-mail included): admins; organisers of every event the person takes part in; while the
    person is in no event, whoever added them. Everyone else may ask the person to update it themselves."""
    return person.id in editable_people(user, [person])


def editable_people(user, people) -> set[int]:
    """The ids of those of `people` whose profiles the user may change (see can_edit_person), in two queries."""
    from eventmgr.agenda.models import EventSession, FeaturedPresenter, SessionParticipant
    from eventmgr.events.models import EventRole

    if is_admin(user):
        return {person.id for person in people}
    if not is_authenticated(user) or not people:
        return set()
    ids = [person.id for person in people]
    events_of: dict[int, set[int]] = {person_id: set() for person_id in ids}
    for person_id, event_id in db.session.execute(union(
        select(SessionParticipant.person_id, EventSession.event_id)
        .join(EventSession, SessionParticipant.session_id == EventSession.id)
        .where(SessionParticipant.person_id.in_(ids)),
        select(FeaturedPresenter.person_id, FeaturedPresenter.event_id).where(FeaturedPresenter.person_id.in_(ids)),
    )):
        events_of[person_id].add(event_id)
    managed = set(db.session.execute(
        select(EventRole.event_id).where(EventRole.user_id == user.id, EventRole.role == "organiser")).scalars())
    return {person.id for person in people
            if (events_of[person.id] <= managed if events_of[person.id] else person.created_by_id == user.id)}


def can_merge_people(user, kept, duplicate) -> bool:
    """Fold a duplicate into another person: only who may change both profiles."""
    return kept.id != duplicate.id and can_edit_person(user, kept) and can_edit_person(user, duplicate)


# --- Loading with a check --------------------------------------------------------------------------

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
