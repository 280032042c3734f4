"""Where a person appears: the events they take part in, as the features that put people in events report it.

The programme (agenda) puts people in sessions and features them on events, and sits above people. So that people
can still answer "which events is this person in" (who may find or change a profile, an event's people, merging
duplicates) without importing it, the programme registers its sources here when the app is built (create_app).
"""

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import Select, or_, union

from eventmgr.auth.permissions import Sources
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.people.models import Person


class AppearanceSource(NamedTuple):
    """One kind of appearance (a seat in a session, a featured presenter)."""

    #: A query of (person_id, event_id) rows, one per appearance, in that order.
    pairs: Callable[[], Select]
    #: Hand every appearance of a person to another: move(kept, duplicate), keeping kept's where both appear.
    move: Callable[[Person, Person], None]


sources = Sources("sources of people's appearances in events")


def appears_in(events=None):
    """SQL condition on Person: they take part in an event meeting `events` (a condition on Event), or in any."""
    conditions = []
    for source in sources:
        query = source.pairs()
        person_id, event_id = query.selected_columns
        if events is None:
            conditions.append(query.where(person_id == Person.id).exists())
        else:
            conditions.append(query.where(person_id == Person.id, event_id == Event.id, events).exists())
    return or_(*conditions)


def events_of(person_id: int):
    """SQL condition on Event: the person takes part in it."""
    conditions = []
    for source in sources:
        query = source.pairs()
        source_person_id, event_id = query.selected_columns
        conditions.append(query.where(event_id == Event.id, source_person_id == person_id).exists())
    return or_(*conditions)


def event_pairs(person_ids: list[int]) -> list[tuple[int, int]]:
    """The (person_id, event_id) of every appearance of these people, in one query."""
    queries = []
    for source in sources:
        query = source.pairs()
        queries.append(query.where(query.selected_columns[0].in_(person_ids)))
    return list(db.session.execute(union(*queries)).tuples())


def move_appearances(kept: Person, duplicate: Person) -> None:
    """Hand the duplicate's appearances to the kept person (merging profiles)."""
    for source in sources:
        source.move(kept, duplicate)
