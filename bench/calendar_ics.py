"""Benchmark: the .ics of an event with 500 sessions, served from cache when unchanged (issue: calendar).

    .venv/bin/python -m bench.calendar_ics [--seconds 10] [--postgresql URL]

Builds a scratch database (SQLite in a temporary instance folder, or a throwaway PostgreSQL database),
fills it with one conference of 500 sessions and 250 presenters, measures how long building its .ics
takes, then serves the app and the bare reference under gunicorn.conf.py and loads both with wrk:
the full download (built once, then served from the per-worker cache) and a poller's conditional GET (304).
"""

import argparse
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta

from bench.harness import add_panels, gunicorn, print_table, rss_mb, scratch_app, wrk

SESSIONS = 500
PEOPLE = 250


def build_database(instance: str, database_url: str | None) -> tuple[str, float, int]:
    """Create the schema and the event; return its slug, the time one cold build of its .ics takes, and its size."""
    from eventmgr.auth.services import create_user
    from eventmgr.calendar.services import calendar_sessions
    from eventmgr.events import services as events
    from eventmgr.extensions import db
    from eventmgr.ics import event_to_ics
    from eventmgr.people.services import create_person

    app = scratch_app(instance, database_url)
    with app.app_context():
        organiser = create_user("bench@example.org", "Bench Organiser", password="bench password 1")
        start = datetime(2027, 9, 6, 4, 0, tzinfo=UTC)
        event = events.create_event(
            {
                "title": "Regional Cooperation Conference on Border Security",
                "kind": "conference",
                "timezone": "Asia/Almaty",
                "start_at": start,
                "end_at": start + timedelta(days=5, hours=10),
                "venue_name": "Borovoe Conference Centre",
                "venue_city": "Borovoe",
                "venue_country": "KZ",
                "visibility": "public",
                "registration_policy": "open",
                "currency": "EUR",
                "description": "Five days of thematic panels on border security in Central Asia. " * 20,
            },
            organiser,
        )
        events.publish_event(event, organiser)
        people = [
            create_person(
                {
                    "full_name": f"Presenter {n:03d}",
                    "position": "Head of Department",
                    "organisation_name": "Border Service",
                    "country": "KZ",
                }
            )
            for n in range(PEOPLE)
        ]
        add_panels(
            event,
            people,
            SESSIONS,
            per_day=100,
            minutes_apart=6,
            minutes_long=30,
            roles=("speaker", "speaker"),
            rooms=5,
        )
        db.session.commit()
        with app.test_request_context(base_url="http://127.0.0.1"):
            began = time.perf_counter()
            body = event_to_ics(event, sessions=calendar_sessions(event))
            build_ms = (time.perf_counter() - began) * 1000
        slug = event.slug
        db.engine.dispose()
    return slug, build_ms, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk loads each URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, the same for app and reference")
    parser.add_argument("--postgresql", metavar="URL", help="run on this PostgreSQL database instead of SQLite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="eventmgr-bench-") as instance:
        slug, build_ms, size = build_database(instance, args.postgresql)
        env = {"EVENTMGR_INSTANCE_PATH": instance, "MAIL_SEND_AFTER_REQUEST": "false"}
        if args.postgresql:
            env["DATABASE_URL"] = args.postgresql
        with gunicorn("bench.reference:app", workers=args.workers) as (url, pid):
            reference = wrk("bare Flask endpoint", url + "/", args.seconds, pid=pid)
        with gunicorn("wsgi:app", env=env, workers=args.workers) as (url, pid):
            ics_url = f"{url}/events/{slug}/calendar.ics"
            etag = urllib.request.urlopen(ics_url).headers["ETag"]
            results = [
                wrk(f"event .ics, {SESSIONS} sessions (cached)", ics_url, args.seconds, pid=pid),
                wrk(
                    "event .ics, poller with ETag (304)",
                    ics_url,
                    args.seconds,
                    headers={"If-None-Match": etag},
                    pid=pid,
                ),
            ]
            memory = rss_mb(pid)
    print_table(
        f"Calendar: {'PostgreSQL' if args.postgresql else 'SQLite'}, {args.workers} gunicorn workers, "
        f"wrk -t2 -c16 -d{args.seconds}s",
        reference,
        results,
        {
            "one cold build of the .ics": f"{build_ms:.0f} ms for {size / 1024:.0f} KiB",
            "largest worker after the run": f"{memory:.0f} MB RSS",
        },
    )


if __name__ == "__main__":
    main()
