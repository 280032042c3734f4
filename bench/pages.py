"""Benchmark: every public page and the organiser's desk on a large event, as ratios to a bare Flask endpoint.

    .venv/bin/python -m bench.pages [--seconds 10] [--workers 2] [--postgresql URL] [--compare]

One conference with 40 sessions, 120 presenters and 10,000 registrations is generated in a scratch
database (SQLite in a temporary instance folder, or a throwaway database on the PostgreSQL server
named by --postgresql), the app is served by gunicorn with gunicorn.conf.py, and wrk loads each page
for --seconds. Registration POSTs go through the real form (one session's CSRF token, a new address per
POST) into a nearly full event, and the run ends by checking that no seat was oversold.

The organiser's pages are loaded by one logged-in connection at a time, as one organiser uses them: the
overview, the registrations list (its first page and page 40), the agenda editor and the editor of an outcome
document of 102 paragraphs (bench.documents' text). Each should answer within 30 ms at the 99th percentile.

The public pages are measured twice: with the public page cache (as an anonymous visitor gets them) and
with it off (PUBLIC_PAGE_CACHE_SECONDS=0: what a visitor holding a cookie, or an organiser, gets), both
against the same bare endpoint. Each run's figures are saved to bench/results/pages-<database>.json;
--compare prints every row's change against the previous run's first.
"""

import argparse
import http.cookiejar
import re
import secrets
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import Result, add_panels, figures, gunicorn, print_table, rss_mb, save_results, scratch_app, wrk

SESSIONS, PRESENTERS, REGISTRATIONS = 40, 120, 10_000
#: Requests after which gunicorn recycles a worker in the recycling row (gunicorn.conf.py's default: 100,000).
RECYCLED_AFTER = 20_000
#: Seats left when the POSTs start: the rest of them go to the waiting list.
SEATS_LEFT = 300
PASSWORD = "bench password 1"
COUNTRIES = ["KZ", "KG", "TJ", "TM", "UZ", "AF", "MN", "RU", "CN", "JP", "BE", "DE", "FR", "AT", "TR"]
POST_SCRIPT = Path(__file__).with_name("register.lua")


@contextmanager
def scratch_database(url: str | None):
    """A throwaway PostgreSQL database on the server `url` names, or None for SQLite."""
    if not url:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"eventmgr_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(instance: str, database_url: str | None) -> dict:
    """Create the schema and the large event; return what the load needs to know."""
    from sqlalchemy import insert, text

    from bench.documents import document_text
    from eventmgr.agenda import services as agenda
    from eventmgr.auth.services import create_user
    from eventmgr.documents import services as documents
    from eventmgr.events import services as events
    from eventmgr.extensions import db
    from eventmgr.people.services import create_person
    from eventmgr.registration import seats
    from eventmgr.registration.models import Registration

    app = scratch_app(instance, database_url)
    with app.app_context():
        organiser = create_user("organiser@bench.example", "Bench Organiser", password=PASSWORD)
        start = (datetime.now(UTC) + timedelta(days=60)).replace(hour=4, minute=0, second=0, microsecond=0)
        confirmed = REGISTRATIONS * 9 // 10
        event = events.create_event(
            {
                "title": "Regional Cooperation Conference on Border Security in Central Asia",
                "kind": "conference",
                "timezone": "Asia/Almaty",
                "start_at": start,
                "end_at": start + timedelta(days=2, hours=9),
                "venue_name": "Borovoe Conference Centre",
                "venue_city": "Borovoe",
                "venue_country": "KZ",
                "visibility": "public",
                "registration_policy": "open",
                "currency": "EUR",
                "capacity": confirmed + SEATS_LEFT,
                "registration_closes_at": start - timedelta(days=1),
                "description": (
                    "Border agencies of Central Asia and their partners compare lessons learned "
                    "and agree on the way forward. "
                )
                * 12,
            },
            organiser,
        )
        events.publish_event(event, organiser)
        people = [
            create_person(
                {
                    "full_name": f"Presenter {n:03d} Nurlanovna",
                    "honorific": "Dr." if n % 3 else None,
                    "position": "Head of the Risk Analysis Department",
                    "organisation_name": "Border Service",
                    "country": COUNTRIES[n % len(COUNTRIES)],
                    "bio": "Works on **risk analysis** and cross-border data sharing. " * 6,
                }
            )
            for n in range(PRESENTERS)
        ]
        add_panels(
            event,
            people,
            SESSIONS,
            per_day=20,
            minutes_apart=25,
            minutes_long=25,
            roles=("moderator", "speaker", "speaker"),
            rooms=2,
        )
        for n, person in enumerate(people[:8]):
            agenda.add_featured(event, person, "Panel moderator" if n % 2 else "Keynote speaker")
        now = datetime.now(UTC)
        rows = [
            {
                "event_id": event.id,
                "access_token": secrets.token_urlsafe(32),
                "status": "confirmed" if n < confirmed else ("waitlisted" if n % 2 else "pending"),
                "given_name": f"Delegate{n}",
                "family_name": "Sultanova",
                "email": f"delegate{n}@bench.example",
                "country": COUNTRIES[n % len(COUNTRIES)],
                "organisation_name": "Ministry of Internal Affairs",
                "answers": {},
                "needs_visa_letter": n % 7 == 0,
                "list_publicly": n % 3 == 0,
                "consented_at": now,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
                "amount_due": 0,
            }
            for n in range(REGISTRATIONS)
        ]
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(Registration), rows[chunk : chunk + 2000])
        seats.recount(db.session)  # the rows went in without the ORM, so its listener did not count them
        document = documents.create_document(event, {"title": "Final conclusions", "reference": "BENCH/1"}, organiser)
        documents.import_text(document, document_text(), organiser)
        db.session.commit()
        # As the database's own statistics collector (autovacuum) would after a bulk load.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        facts = {"slug": event.slug, "event_id": event.id, "capacity": event.capacity, "document_id": document.id}
        db.engine.dispose()
    return facts


def page_rows(slug: str) -> list[tuple[str, str]]:
    """(row name, path) of the public pages, measured with the page cache and without it."""
    return [
        ("event page", f"/events/{slug}"),
        ("agenda page", f"/events/{slug}/agenda"),
        ("presenters page", f"/events/{slug}/presenters"),
        ("event .ics", f"/events/{slug}/calendar.ics"),
        ("home page", "/"),
        ("registration form (GET, no cookie)", f"/events/{slug}/register"),
    ]


#: The organiser's pages (issue 16): each under this p99, one user at a time, with the large event.
ORGANISER_TARGET_P99_MS = 30


def organiser_rows(event_id: int, document_id: int) -> list[tuple[str, str]]:
    """(row name, path) of the organiser's pages, measured logged in, one connection at a time."""
    manage = f"/manage/events/{event_id}"
    return [
        ("organiser: overview", manage),
        (f"organiser: registrations (of {REGISTRATIONS:,})", f"{manage}/registrations"),
        ("organiser: registrations, page 40", f"{manage}/registrations?page=40"),
        ("organiser: agenda editor", f"{manage}/agenda"),
        ("organiser: document editor", f"{manage}/documents/{document_id}"),
    ]


def load_organiser_pages(url: str, pid: int, cookie: str, facts: dict, seconds: int) -> list[Result]:
    """One logged-in organiser (one connection) on each of their pages in turn."""
    results = []
    for name, path in organiser_rows(facts["event_id"], facts["document_id"]):
        result = wrk(name, url + path, seconds, connections=1, threads=1, headers={"Cookie": cookie}, pid=pid)
        met = result.p99_ms < ORGANISER_TARGET_P99_MS
        target = f"p99 {'<' if met else '>='} {ORGANISER_TARGET_P99_MS} ms target{'' if met else ': MISSED'}"
        result.status = "; ".join(filter(None, [result.status, target]))
        results.append(result)
    return results


def load_pages(url: str, pid: int, slug: str, seconds: int) -> list[Result]:
    return [wrk(name, url + path, seconds, pid=pid) for name, path in page_rows(slug)]


def logged_in_cookie(base: str) -> str:
    """Log the organiser in through the form; return the Cookie header of that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = _csrf(opener.open(base + "/login").read().decode())
    data = urllib.parse.urlencode({"email": "organiser@bench.example", "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data.encode())
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def form_session(url: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a visitor who opened the registration form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = _csrf(opener.open(url).read().decode())
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), token


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def timed_download(url: str, cookie: str) -> tuple[float, int]:
    """Seconds to read the whole response, and its size."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    began = time.perf_counter()
    size = 0
    with urllib.request.urlopen(request) as response:
        while chunk := response.read(65536):
            size += len(chunk)
    return time.perf_counter() - began, size


def seats_taken(event_id: int) -> int:
    """Confirmed registrations now (the app reads the same instance folder and DATABASE_URL as build())."""
    from sqlalchemy import func, select

    from eventmgr import create_app
    from eventmgr.extensions import db
    from eventmgr.registration.models import Registration

    app = create_app()
    with app.app_context():
        taken = db.session.execute(
            select(func.count()).where(Registration.event_id == event_id, Registration.status == "confirmed")
        ).scalar()
        db.engine.dispose()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk loads each URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, the same for app and reference")
    parser.add_argument("--postgresql", metavar="URL", help="run on a throwaway database on this PostgreSQL server")
    parser.add_argument(
        "--compare", action="store_true", help="print each row's change against the previous run's saved results"
    )
    args = parser.parse_args()
    backend = "PostgreSQL" if args.postgresql else "SQLite"

    with (
        tempfile.TemporaryDirectory(prefix="eventmgr-bench-") as instance,
        scratch_database(args.postgresql) as database_url,
    ):
        began = time.perf_counter()
        facts = build(instance, database_url)
        print(
            f"{backend}: generated the event, {SESSIONS} sessions, {PRESENTERS} presenters and "
            f"{REGISTRATIONS} registrations in {time.perf_counter() - began:.0f} s"
        )
        env = {
            "EVENTMGR_INSTANCE_PATH": instance,
            "MAIL_SEND_AFTER_REQUEST": "false",
            "REGISTRATION_RATE_LIMIT": "1000000 per minute",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        with gunicorn("bench.reference:app", workers=args.workers) as (url, pid):
            reference = wrk("bare Flask endpoint", url + "/", args.seconds, pid=pid)
        slug, event_id = facts["slug"], facts["event_id"]
        # The pages without the cache first, so that both passes read the event before the POSTs fill it.
        with gunicorn("wsgi:app", env=env | {"PUBLIC_PAGE_CACHE_SECONDS": "0"}, workers=args.workers) as (url, pid):
            uncached = {result.name: result for result in load_pages(url, pid, slug, args.seconds)}
        with gunicorn("wsgi:app", env=env, workers=args.workers) as (url, pid):
            results = load_pages(url, pid, slug, args.seconds)
            cookie, token = form_session(f"{url}/events/{slug}/register")
            results.append(
                wrk(
                    "registration POST (form, new address each)",
                    f"{url}/events/{slug}/register",
                    args.seconds,
                    script=POST_SCRIPT,
                    headers={
                        "Cookie": cookie,
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Bench-Token": token,
                    },
                    pid=pid,
                )
            )
            organiser = logged_in_cookie(url)
            desk = wrk(
                f"organiser's list of {REGISTRATIONS} (page 40, 1 user)",
                f"{url}/manage/events/{event_id}/registrations?page=40",
                args.seconds,
                connections=1,
                threads=1,
                headers={"Cookie": organiser},
                pid=pid,
            )
            results.append(desk)
            organiser_pages = load_organiser_pages(url, pid, organiser, facts, args.seconds)
            results += organiser_pages
            before_csv = rss_mb(pid)
            csv_seconds, csv_size = timed_download(f"{url}/manage/events/{event_id}/registrations.csv", organiser)
            memory = rss_mb(pid)
        # The same page while gunicorn recycles each worker every ~20,000 requests (several times a run):
        # the new workers must answer as fast as the old ones did (gunicorn.conf.py's when_ready, pre_fork).
        with gunicorn("wsgi:app", env=env | {"GUNICORN_MAX_REQUESTS": str(RECYCLED_AFTER)}, workers=args.workers) as (
            url,
            pid,
        ):
            results.append(
                wrk(
                    f"agenda page, workers recycled every {RECYCLED_AFTER:,}",
                    f"{url}/events/{slug}/agenda",
                    args.seconds,
                    pid=pid,
                )
            )
        taken = seats_taken(event_id)
    oversold = taken > facts["capacity"]
    met = sum(1 for result in organiser_pages if result.p99_ms < ORGANISER_TARGET_P99_MS)
    print_table(
        f"Pages: {backend}, {args.workers} gunicorn workers, wrk -t2 -c16 -d{args.seconds}s "
        f"(the organiser's pages: one connection, logged in); uncached: the public page cache off",
        reference,
        results,
        {
            "CSV export of all registrations": f"{csv_seconds:.2f} s for {csv_size / 1024:.0f} KiB; largest "
            f"worker {before_csv:.0f} MB before, {memory:.0f} MB after",
            "largest worker after the run": f"{memory:.0f} MB RSS",
            "seats": f"{taken} confirmed of {facts['capacity']}: {'OVERSOLD' if oversold else 'none oversold'}",
            f"organiser's pages, target p99 < {ORGANISER_TARGET_P99_MS} ms": f"{met} of {len(organiser_pages)} met",
        },
        uncached,
    )
    save_results(f"pages-{backend.lower()}", figures(reference, results, uncached), args.compare)
    if oversold:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
