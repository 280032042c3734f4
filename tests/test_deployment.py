"""The deployment as the README describes it: gunicorn with gunicorn.conf.py over the test database."""

import urllib.request

from bench.harness import gunicorn


def test_gunicorn_serves_through_many_worker_recyclings(app, database_url, make_event, tmp_path):
    """Workers are forked from the preloaded app and recycled every few requests here; each opens its own
    connections and every request is answered."""
    event = make_event(title="Central Asia Border Challenges")
    env = {"DATABASE_URL": database_url, "EVENTMGR_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test secret key",
           "GUNICORN_MAX_REQUESTS": "7", "PUBLIC_PAGE_CACHE_SECONDS": "0", "GUNICORN_LOG_LEVEL": "error"}
    with gunicorn("wsgi:app", env=env, workers=2) as (url, _pid):
        for n in range(30):
            path = "/" if n % 2 else f"/events/{event.slug}"
            with urllib.request.urlopen(url + path, timeout=10) as response:  # noqa: S310 - http://127.0.0.1
                assert response.status == 200
                assert b"Central Asia Border Challenges" in response.read(), path
