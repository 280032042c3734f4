"""Seats and a delegation's size limit hold when many delegations register, or add members, at the same moment.

Each thread has its own app context, so its own database session and connection, released together by a
barrier (run_at_once, shared with test_registration_concurrency). Only PostgreSQL runs requests in parallel;
SQLite serialises writers, so there is nothing to race there.
"""

import pytest
from helpers import IN_PERSON
from sqlalchemy import func, select
from test_registration_concurrency import run_at_once

from eventmgr.errors import EventMgrError
from eventmgr.events.models import Event
from eventmgr.registration import delegations
from eventmgr.registration.models import Delegation, Registration

#: Left out of the SQLite pass (conftest's pytest_collection_modifyitems): only PostgreSQL runs writers in parallel.
pytestmark = pytest.mark.postgresql

COUNTRIES = ["KZ", "KG", "UZ", "TJ", "TM", "AF", "CN", "RU", "MN", "AZ", "AM", "GE", "TR", "IR", "PK", "BY"]
SEATS = 10


def members(n: int, size: int) -> list[dict]:
    """A delegation of `size`, its first member the head; addresses unique to delegation n."""
    return [
        {"given_name": f"M{n}x{k}", "family_name": "Test", "email": f"m{n}x{k}@example.org", "is_head": k == 0}
        for k in range(size)
    ]


def statuses(db, event_id: int) -> dict[str, int]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
    )


def test_sixteen_delegations_of_three_at_once_for_ten_seats(app, db, make_event):
    event_id = make_event(**IN_PERSON, capacity=SEATS, delegations_enabled=True, delegation_max_size=3).id

    def register(n):
        from eventmgr.extensions import db as thread_db

        event = thread_db.session.get(Event, event_id)
        contact = {"contact_name": f"Focal {n}", "contact_email": f"focal{n}@example.org", "country": COUNTRIES[n]}
        return len(delegations.register_delegation(event, contact, members(n, 3)).members)

    outcomes = run_at_once(app, len(COUNTRIES), register)
    assert outcomes == [3] * len(COUNTRIES)
    assert statuses(db, event_id) == {"confirmed": SEATS, "waitlisted": 3 * len(COUNTRIES) - SEATS}


def test_one_country_registering_twice_at_once_gets_one_delegation(app, db, make_event):
    event_id = make_event(**IN_PERSON, delegations_enabled=True).id

    def register(n):
        from eventmgr.extensions import db as thread_db

        event = thread_db.session.get(Event, event_id)
        contact = {"contact_name": f"Focal {n}", "contact_email": f"focal{n}@example.org", "country": "KZ"}
        return delegations.register_delegation(event, contact, members(n, 2)).id

    outcomes = run_at_once(app, 8, register)
    refusals = [o for o in outcomes if isinstance(o, EventMgrError)]
    assert len(refusals) == 7 and all(r.field == "country" for r in refusals), outcomes
    assert db.session.execute(select(func.count()).select_from(Delegation)).scalar_one() == 1
    assert sum(statuses(db, event_id).values()) == 2


def test_twenty_members_added_at_once_stop_at_the_size_limit_and_the_seats(app, db, make_event):
    event = make_event(**IN_PERSON, capacity=4, delegations_enabled=True, delegation_max_size=6)
    delegation = delegations.register_delegation(
        event, {"contact_name": "Focal", "contact_email": "focal@example.org", "country": "KZ"}, members(0, 1)
    )
    db.session.commit()
    delegation_id = delegation.id

    def add(n):
        from eventmgr.extensions import db as thread_db

        delegation = thread_db.session.get(Delegation, delegation_id)
        new = {"given_name": f"Added{n}", "family_name": "Test", "email": f"added{n}@example.org"}
        return delegations.add_member(delegation, new).status

    outcomes = run_at_once(app, 20, add)
    added = [o for o in outcomes if isinstance(o, str)]
    refusals = [o for o in outcomes if isinstance(o, EventMgrError)]
    assert len(added) == 5 and len(refusals) == 15, outcomes
    assert all("at most 6 members" in r.message for r in refusals)
    assert sorted(added) == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert statuses(db, event.id) == {"confirmed": 4, "waitlisted": 2}
