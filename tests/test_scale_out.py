"""Ready for many workers on many hosts: the app recovers from a PostgreSQL restart by itself."""

import pytest
from conftest import POSTGRES_URL
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgresql


def test_requests_succeed_after_the_server_drops_every_connection(client, make_event, db):
    """What a restart does to the pool: every connection is gone; pool_pre_ping replaces them unnoticed."""
    event = make_event(title="Central Asia Border Challenges")
    assert client.get(f"/events/{event.slug}").status_code == 200
    database = db.engine.url.database
    db.session.remove()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar()
    admin.dispose()
    assert dropped >= 1
    for _ in range(3):  # every pooled connection was dropped; each is replaced as it is checked out
        assert client.get(f"/events/{event.slug}").status_code == 200
