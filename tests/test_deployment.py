"""The deployment as the README describes it: gunicorn with gunicorn.conf.py over the test database."""

import urllib.request
from datetime import UTC, datetime, timedelta

from bench.harness import gunicorn


def test_gunicorn_serves_through_many_worker_recyclings(app, database_url, make_event, tmp_path):
    """Workers are forked from the preloaded app and recycled every few requests here; each opens its own
    connections and every request is answered."""
    event = make_event(title="Central Asia Border Challenges")
    env = {
        "DATABASE_URL": database_url,
        "EVENTMGR_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test secret key",
        "GUNICORN_MAX_REQUESTS": "7",
        "PUBLIC_PAGE_CACHE_SECONDS": "0",
        "GUNICORN_LOG_LEVEL": "error",
    }
    with gunicorn("wsgi:app", env=env, workers=2) as (url, _pid):
        for n in range(30):
            path = "/" if n % 2 else f"/events/{event.slug}"
            with urllib.request.urlopen(url + path, timeout=10) as response:  # noqa: S310 - http://127.0.0.1
                assert response.status == 200
                assert b"Central Asia Border Challenges" in response.read(), path


def test_the_master_warms_the_app_up_for_the_workers_it_forks(app, db, make_event):
    """gunicorn.conf.py's when_ready: templates compiled and the busiest pages served once, no connection kept."""
    from eventmgr.warmup import warm_up

    make_event(title="Joint Risk Analysis", start_at=datetime.now(UTC) + timedelta(days=90))
    slug = make_event(title="Central Asia Border Challenges").slug
    db.session.remove()  # as in gunicorn's master, which has no session open
    assert warm_up(app) == [
        "/",
        f"/events/{slug}",
        f"/events/{slug}/agenda",
        f"/events/{slug}/presenters",
        f"/events/{slug}/calendar.ics",
    ]
    compiled = {name for _loader, name in app.jinja_env.cache}
    assert set(app.jinja_env.list_templates()) <= compiled
    assert db.engine.pool.checkedout() == 0


def test_an_unreachable_database_leaves_the_warming_up_to_the_workers(tmp_path, caplog):
    from eventmgr import create_app
    from eventmgr.warmup import warm_up

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/directory/eventmgr.sqlite",
            "SECRET_KEY": "test secret key",
        }
    )
    assert warm_up(app) == []
    assert "the workers will warm themselves" in caplog.text
