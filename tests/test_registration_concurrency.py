"""Seats and offer-code uses hold when many delegates register at the same moment.

Each thread has its own app context, so its own database session and connection, and all are released
together by a barrier. PostgreSQL is where this must hold (rows locked with SELECT ... FOR UPDATE);
SQLite serialises writers, and the same tests run there too.
"""

import threading
from decimal import Decimal

from conftest import csrf_token
from sqlalchemy import func, select

from eventmgr.errors import EventMgrError
from eventmgr.events.models import Event
from eventmgr.mail.models import MailMessage
from eventmgr.registration import services
from eventmgr.registration.models import OfferCode, Registration

DELEGATES = 50
SEATS = 10


def run_at_once(app, count, work):
    """Run work(n) in `count` threads, each in its own app context, released together.

    Return each thread's outcome: what work returned, or the EventMgrError it raised. Any other
    exception fails the test.
    """
    from eventmgr.extensions import db

    barrier = threading.Barrier(count, timeout=30)
    outcomes = [None] * count
    crashes = []

    def worker(n):
        with app.app_context():
            try:
                barrier.wait()
                outcomes[n] = work(n)
                db.session.commit()
            except EventMgrError as error:
                db.session.rollback()
                outcomes[n] = error
            except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
                db.session.rollback()
                crashes.append((n, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a registration hung"
    assert not crashes, crashes
    return outcomes


def delegate(n, **extra):
    return {
        "given_name": f"Delegate{n}",
        "family_name": "Test",
        "email": f"d{n}@example.org",
        "country": "KZ",
        "answers": {},
    } | extra


def statuses(db, event_id) -> dict[str, int]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
    )


def test_fifty_delegates_at_once_for_ten_seats(app, db, make_event):
    event_id = make_event(online_capacity=SEATS).id  # threads must not touch the main thread's objects

    def register(n):
        from eventmgr.extensions import db as thread_db

        return services.register(thread_db.session.get(Event, event_id), delegate(n)).status

    outcomes = run_at_once(app, DELEGATES, register)
    assert outcomes.count("confirmed") == SEATS, outcomes
    assert outcomes.count("waitlisted") == DELEGATES - SEATS, outcomes
    assert statuses(db, event_id) == {"confirmed": SEATS, "waitlisted": DELEGATES - SEATS}
    # None lost: one row and one queued message per submission.
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == DELEGATES
    recipients = db.session.execute(select(MailMessage.recipient)).scalars().all()
    assert sorted(recipients) == sorted(f"d{n}@example.org" for n in range(DELEGATES))


def test_fifty_delegates_post_the_form_at_once_for_ten_seats(app, db, make_event, mailbox):
    """The same through the web: separate clients (one address each, so no rate limit), mail sent after."""
    event = make_event(online_capacity=SEATS)
    url = f"/events/{event.slug}/register"
    clients = []
    for n in range(DELEGATES):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        clients.append((client, csrf_token(client, url)))

    def post(n):
        client, token = clients[n]
        data = delegate(n) | {"consent": "y", "csrf_token": token}
        data.pop("answers")
        return client.post(url, data=data).status_code

    outcomes = run_at_once(app, DELEGATES, post)
    assert outcomes == [302] * DELEGATES
    assert statuses(db, event.id) == {"confirmed": SEATS, "waitlisted": DELEGATES - SEATS}
    # Every response sent what was queued; each message went out exactly once.
    mailbox.deliver()
    received = sorted((m["To"], m["Subject"].split(":")[0]) for m in mailbox.messages)
    assert len(received) == DELEGATES, received
    assert [subject for _to, subject in received].count("Registration confirmed") == SEATS
    assert [subject for _to, subject in received].count("You are on the waiting list") == DELEGATES - SEATS
    assert len({to for to, _subject in received}) == DELEGATES
    assert len({m["Message-ID"] for m in mailbox.messages}) == DELEGATES


def test_an_offer_code_with_five_uses_is_used_five_times(app, db, make_event):
    event_id = make_event(fee=Decimal("200")).id
    db.session.add(
        OfferCode(event_id=event_id, code="HALF", discount_kind="percent", discount=Decimal("50"), max_uses=5)
    )
    db.session.commit()

    def register(n):
        from eventmgr.extensions import db as thread_db

        registration = services.register(thread_db.session.get(Event, event_id), delegate(n, offer_code="half"))
        return registration.amount_due

    outcomes = run_at_once(app, 30, register)
    used = [o for o in outcomes if o == Decimal("100.00")]
    refused = [o for o in outcomes if isinstance(o, EventMgrError)]
    assert len(used) == 5, outcomes
    assert len(refused) == 25, outcomes
    assert {(e.field, e.message) for e in refused} == {("offer_code", "This offer code has been used up.")}
    db.session.expire_all()
    assert db.session.execute(select(OfferCode.uses).where(OfferCode.code == "HALF")).scalar_one() == 5
    assert db.session.execute(select(func.count()).where(Registration.event_id == event_id)).scalar_one() == 5
    # A refused registration left nothing behind, not even its mail.
    assert db.session.execute(select(func.count()).select_from(MailMessage)).scalar_one() == 5


def test_cancellations_and_registrations_at_once_never_overfill(app, db, make_event):
    """Confirmed delegates cancel while others register: the seats stay full, never over."""
    event_id = make_event(online_capacity=SEATS).id
    for n in range(SEATS):
        services.register(db.session.get(Event, event_id), delegate(n))
    db.session.commit()
    confirmed_ids = db.session.execute(select(Registration.id).order_by(Registration.id)).scalars().all()

    def work(n):
        from eventmgr.extensions import db as thread_db

        if n < SEATS // 2:
            services.cancel(thread_db.session.get(Registration, confirmed_ids[n]))
            return "cancelled"
        return services.register(thread_db.session.get(Event, event_id), delegate(100 + n)).status

    outcomes = run_at_once(app, 30, work)
    assert outcomes.count("cancelled") == SEATS // 2
    counts = statuses(db, event_id)
    assert counts["confirmed"] == SEATS
    assert counts["cancelled"] == SEATS // 2
    assert counts["confirmed"] + counts["waitlisted"] + counts["cancelled"] == SEATS + 30 - SEATS // 2


def test_the_outbox_sends_each_message_once_with_senders_at_once(app, db, make_event, mailbox):
    """Mail workers running together share the queue: nothing is sent twice, nothing is left."""
    from eventmgr.mail.services import send_queued

    event = make_event()
    for n in range(20):
        services.register(event, delegate(n))
    db.session.commit()
    outcomes = run_at_once(app, 4, lambda n: send_queued())
    assert sum(outcomes) == 20
    assert len(mailbox.messages) == 20
    assert len({m["To"] for m in mailbox.messages}) == 20
    db.session.expire_all()
    assert set(db.session.execute(select(MailMessage.state)).scalars()) == {"sent"}
