"""Warm a preloaded app once in gunicorn's master, so every worker it forks starts warm.

A worker's first requests compile the Jinja templates they render and the SQL statements they run:
100-150 ms for the first public page, against a few milliseconds afterwards. gunicorn recycles
workers (max_requests), and each new one used to pay that again while requests queued behind it.
Done in the master before the workers are forked, the compiled templates and SQLAlchemy's statement
cache are inherited by every worker, recycled ones included, and shared copy-on-write.
"""

import logging

from babel import Locale
from flask import Flask, url_for
from sqlalchemy.orm import configure_mappers

from eventmgr import locales
from eventmgr.extensions import db

log = logging.getLogger(__name__)


def public_urls(app: Flask) -> list[str]:
    """The home page, and the pages and calendar of the next listed event (else the latest one)."""
    from eventmgr.events.services import search_public_events

    # An app context of its own, so that its database session is closed when it ends.
    with app.app_context(), app.test_request_context():
        urls = [url_for("events.index")]
        found = (
            search_public_events(when="upcoming", per_page=1).items
            or search_public_events(when="past", per_page=1).items
        )
        if found:
            slug = found[0].slug
            urls += [
                url_for("events.detail", slug=slug),
                url_for("agenda.agenda", slug=slug),
                url_for("agenda.presenters", slug=slug),
                url_for("calendar.event_calendar", slug=slug),
            ]
        return urls


def warm_up(app: Flask) -> list[str]:
    """Compile every template and request the busiest public pages once; return the URLs served.

    Best effort: a database that cannot be reached yet only leaves the workers to warm themselves.
    The master's connections are closed afterwards, so none is shared with the workers.
    """
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    configure_mappers()
    for language in app.config["LANGUAGES"].values():
        locales.timezone_choices(Locale.parse(language))  # some 500 zones named: a third of a second each
    try:
        # Asked for at the site's address, like visitors' requests: files built for them name the host,
        # so those built here serve them too.
        client, site = app.test_client(), app.config.get("PUBLIC_URL") or None
        served = [url for url in public_urls(app) if client.get(url, base_url=site).status_code == 200]
    except Exception:  # noqa: BLE001 - whatever fails here fails again, reported, in a worker's request
        log.warning("Warming the app up failed; the workers will warm themselves.", exc_info=True)
        return []
    finally:
        with app.app_context():
            db.engine.dispose()
    return served
