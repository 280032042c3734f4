"""Who may find a person, and who may change their profile (see auth/permissions.py for the other rules).

A person's profile, shown on every event the person takes part in, is changed only by those who run all of those
events (or by the person, through a link mailed to them). Which events a person is in is known to the programme,
above people: it reaches these rules through the sources in people/appearances.py, registered by create_app.
"""

from sqlalchemy import exists, or_, select, true

from eventmgr.auth.permissions import is_admin, is_authenticated
from eventmgr.events.models import EventRole
from eventmgr.events.permissions import findable_events
from eventmgr.extensions import db
from eventmgr.organisations import permissions as organisation_permissions
from eventmgr.organisations.models import Organisation
from eventmgr.people.appearances import appears_in, event_pairs
from eventmgr.people.models import Person


def people_findable(user):
    """SQL condition on Person: the people a user may find and put in an event — those in events they may find,
    and, of those in no event yet, the ones they added and the directory's own (added by no account: the command
    line, the demo); everyone, for admins."""
    if is_admin(user):
        return true()
    added_by = Person.created_by_id.is_(None)
    if is_authenticated(user):
        added_by = added_by | (Person.created_by_id == user.id)
    return or_(appears_in(findable_events(user)), ~appears_in() & added_by)


def can_find_person(user, person) -> bool:
    """Whether the user may find the person in the directory (and so choose them for an event)."""
    return db.session.execute(select(exists().where(Person.id == person.id, people_findable(user)))).scalar()


def can_edit_person(user, person) -> bool:
    """Change a profile (e-mail included): admins; organisers of every event the person takes part in; while the
    person is in no event, whoever added them. Everyone else may ask the person to update it themselves."""
    return person.id in editable_people(user, [person])


def editable_people(user, people) -> set[int]:
    """The ids of those of `people` whose profiles the user may change (see can_edit_person), in two queries."""
    if is_admin(user):
        return {person.id for person in people}
    if not is_authenticated(user) or not people:
        return set()
    ids = [person.id for person in people]
    events_of: dict[int, set[int]] = {person_id: set() for person_id in ids}
    for person_id, event_id in event_pairs(ids):
        events_of[person_id].add(event_id)
    managed = set(
        db.session.execute(
            select(EventRole.event_id).where(EventRole.user_id == user.id, EventRole.role == "organiser")
        ).scalars()
    )
    return {
        person.id
        for person in people
        if (events_of[person.id] <= managed if events_of[person.id] else person.created_by_id == user.id)
    }


def can_merge_people(user, kept, duplicate) -> bool:
    """Fold a duplicate into another person: only who may change both profiles."""
    return kept.id != duplicate.id and can_edit_person(user, kept) and can_edit_person(user, duplicate)


def organisations_of_presenters(user):
    """SQL condition on Organisation: the organisation of someone taking part in an event the user may find."""
    return exists().where(Person.organisation_id == Organisation.id, appears_in(findable_events(user)))


def register() -> None:
    """Tell the organisations' rules about presenters' organisations (called by create_app)."""
    organisation_permissions.named_on.register("people", organisations_of_presenters)
