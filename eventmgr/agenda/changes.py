"""Raise an event's programme version whenever anything its programme shows changes.

Calendar files, their ETags and Last-Modified, and cached pages and page parts (eventmgr.fragments) key on
Event.programme_version. Rather than trusting every service (and every future one) to remember to raise it, a
flush listener looks at what is about to be written: sessions, their participants (added, removed, reordered,
re-pointed by a merge), the people in them, their photos and their organisations; the featured presenters and
the presenters' order; and the event's organisations (its first host is the organiser of every calendar
entry, eventmgr.ics.organiser, and all of them are on its page). The version is raised by a plain UPDATE on
the events table, outside the ORM, so that it never counts as an edit of the event itself (its optimistic
lock).
"""

from itertools import chain

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from eventmgr.agenda.models import EventSession, FeaturedPresenter, PresenterPosition, SessionParticipant
from eventmgr.database import utcnow
from eventmgr.events.models import Event, EventOrganisation
from eventmgr.organisations.models import Organisation
from eventmgr.people.models import Person, PersonPhoto


def listen() -> None:
    """Watch every flush (once, however many apps are made)."""
    if not sa_event.contains(Session, "before_flush", raise_programme_versions):
        sa_event.listen(Session, "before_flush", raise_programme_versions)


def raise_programme_versions(session: Session, _flush_context, _instances) -> None:
    event_ids: set[int] = set()
    session_ids: set[int] = set()
    person_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for obj in chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o))):
        if isinstance(obj, EventSession):
            event_ids.add(obj.event_id if obj.event_id is not None else obj.event.id)
        elif isinstance(obj, SessionParticipant):
            if obj.event_session is not None and obj.event_session.event_id is not None:
                event_ids.add(obj.event_session.event_id)
            elif obj.session_id is not None:
                session_ids.add(obj.session_id)
        elif isinstance(obj, Person) and obj.id is not None:
            person_ids.add(obj.id)
        elif isinstance(obj, PersonPhoto):
            person_ids.add(obj.person_id if obj.person_id is not None else getattr(obj.person, "id", None))
        elif isinstance(obj, (FeaturedPresenter, PresenterPosition)):
            event_ids.add(obj.event_id)
        elif isinstance(obj, Organisation) and obj.id is not None:
            organisation_ids.add(obj.id)
        elif isinstance(obj, EventOrganisation):
            event_ids.add(obj.event_id if obj.event_id is not None else getattr(obj.event, "id", None))
    person_ids.discard(None)
    with session.no_autoflush:
        if session_ids:
            event_ids |= set(
                session.execute(select(EventSession.event_id).where(EventSession.id.in_(session_ids))).scalars()
            )
        if organisation_ids:
            person_ids |= set(
                session.execute(select(Person.id).where(Person.organisation_id.in_(organisation_ids))).scalars()
            )
            event_ids |= set(
                session.execute(
                    select(EventOrganisation.event_id).where(EventOrganisation.organisation_id.in_(organisation_ids))
                ).scalars()
            )
        if person_ids:
            event_ids |= set(
                session.execute(
                    select(EventSession.event_id)
                    .join(SessionParticipant)
                    .where(SessionParticipant.person_id.in_(person_ids))
                ).scalars()
            )
    event_ids.discard(None)
    if event_ids:
        events = Event.__table__
        session.connection().execute(
            update(events)
            .where(events.c.id.in_(event_ids))
            .values(programme_version=events.c.programme_version + 1, programme_changed_at=utcnow())
        )
