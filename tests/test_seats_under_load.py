"""Seats and offer-code uses hold when many delegates register at the same moment."""

import os
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eventmgr.errors import EventMgrError
from eventmgr.registration import services
from eventmgr.registration.models import OfferCode, Registration

# SQLite serialises writers, so it cannot show a race; PostgreSQL is where this must hold.
pytestmark = pytest.mark.skipif(os.environ.get("EVENTMGR_TEST_DB", "sqlite") != "postgresql",
                                reason="concurrency is proven on PostgreSQL")


def run_at_once(app, count, work):
    """Run work(n) in `count` threads released together; return each thread's outcome."""
    from eventmgr.extensions import db

    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(n):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[n] = work(n)
                db.session.commit()
            except EventMgrError as error:
                db.session.rollback()
                outcomes[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def delegate(n, **extra):
    return {"given_name": f"Delegate{n}", "family_name": "Test", "email": f"d{n}@example.org", "country": "KZ",
            "answers": {}} | extra


def test_fifty_delegates_at_once_for_ten_seats(app, db, make_event):
    event_id = make_event(capacity=10).id  # threads must not touch the main thread's objects

    def register(n):
        from eventmgr.events.models import Event
        from eventmgr.extensions import db as thread_db

        return services.register(thread_db.session.get(Event, event_id), delegate(n)).status

    outcomes = run_at_once(app, 50, register)
    assert sorted(set(outcomes)) == ["confirmed", "waitlisted"], outcomes
    db.session.expire_all()
    statuses = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event_id)
        .group_by(Registration.status)).all())
    assert statuses == {"confirmed": 10, "waitlisted": 40}
    assert outcomes.count("confirmed") == 10


def test_an_offer_code_with_five_uses_is_used_five_times(app, db, make_event):
    event_id = make_event(fee=Decimal("200")).id
    db.session.add(OfferCode(event_id=event_id, code="HALF", discount_kind="percent", discount=Decimal("50"),
                             max_uses=5))
    db.session.commit()

    def register(n):
        from eventmgr.events.models import Event
        from eventmgr.extensions import db as thread_db

        registration = services.register(thread_db.session.get(Event, event_id), delegate(n, offer_code="half"))
        return registration.amount_due

    outcomes = run_at_once(app, 30, register)
    used = [o for o in outcomes if o == Decimal("100.00")]
    refused = [o for o in outcomes if isinstance(o, EventMgrError)]
    assert len(used) == 5, outcomes
    assert len(refused) == 25 and all(e.field == "offer_code" for e in refused)
    db.session.expire_all()
    assert db.session.execute(select(OfferCode.uses).where(OfferCode.code == "HALF")).scalar_one() == 5
    assert db.session.execute(select(func.count()).where(Registration.event_id == event_id)).scalar_one() == 5
