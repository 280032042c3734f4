"""People in the programme: the appearances agenda reports to people's rules, and a person's public sessions.

People sit below the programme, so they learn where a person appears from the sources registered here (see
people/appearances.py), and the person page lists a person's sessions through the template global
`person_appearances` (eventmgr/templating.py).
"""

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from eventmgr.agenda.models import EventSession, FeaturedPresenter, SessionParticipant
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.people import appearances
from eventmgr.people.models import Person


def session_pairs():
    """(person_id, event_id) of every seat in a session."""
    return select(SessionParticipant.person_id.label("person_id"), EventSession.event_id.label("event_id")).join(
        EventSession, SessionParticipant.session_id == EventSession.id
    )


def move_session_seats(kept: Person, duplicate: Person) -> None:
    """Seat the kept person wherever the duplicate sat; where both sat, the kept person's seat stays."""
    taken_sessions = select(SessionParticipant.session_id).where(SessionParticipant.person_id == kept.id)
    db.session.execute(
        delete(SessionParticipant).where(
            SessionParticipant.person_id == duplicate.id, SessionParticipant.session_id.in_(taken_sessions)
        )
    )
    db.session.execute(
        update(SessionParticipant).where(SessionParticipant.person_id == duplicate.id).values(person_id=kept.id)
    )


def featured_pairs():
    """(person_id, event_id) of every featured presenter."""
    return select(FeaturedPresenter.person_id.label("person_id"), FeaturedPresenter.event_id.label("event_id"))


def move_featured(kept: Person, duplicate: Person) -> None:
    """Feature the kept person wherever the duplicate was featured; where both were, the kept person's entry stays."""
    taken_events = select(FeaturedPresenter.event_id).where(FeaturedPresenter.person_id == kept.id)
    db.session.execute(
        delete(FeaturedPresenter).where(
            FeaturedPresenter.person_id == duplicate.id, FeaturedPresenter.event_id.in_(taken_events)
        )
    )
    db.session.execute(
        update(FeaturedPresenter).where(FeaturedPresenter.person_id == duplicate.id).values(person_id=kept.id)
    )


def register() -> None:
    """Tell people where a person appears in programmes (called by create_app)."""
    appearances.sources.register("sessions", appearances.AppearanceSource(session_pairs, move_session_seats))
    appearances.sources.register("featured", appearances.AppearanceSource(featured_pairs, move_featured))


def public_appearances(person: Person) -> list[tuple[Event, list[SessionParticipant], FeaturedPresenter | None]]:
    """The person's sessions and featured roles in listed events, newest first."""
    parts = (
        db.session.execute(
            select(SessionParticipant)
            .join(EventSession)
            .join(Event, EventSession.event_id == Event.id)
            .where(SessionParticipant.person_id == person.id, Event.is_listed)
            .options(joinedload(SessionParticipant.event_session).joinedload(EventSession.event))
            .order_by(EventSession.start_at)
        )
        .scalars()
        .all()
    )
    featured = db.session.execute(
        select(FeaturedPresenter, Event)
        .join(Event, FeaturedPresenter.event_id == Event.id)
        .where(FeaturedPresenter.person_id == person.id, Event.is_listed)
    ).all()
    by_event: dict[int, tuple[Event, list, FeaturedPresenter | None]] = {}
    for part in parts:
        event = part.event_session.event
        by_event.setdefault(event.id, (event, [], None))[1].append(part)
    for entry, event in featured:
        _event, sessions, _none = by_event.get(event.id, (event, [], None))
        by_event[event.id] = (event, sessions, entry)
    return sorted(by_event.values(), key=lambda item: item[0].start_at, reverse=True)
