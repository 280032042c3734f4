"""Benchmark: a 20-page outcome document, rendered and then downloaded from storage (issue 6).

    .venv/bin/python -m bench.documents [--runs 5] [--seconds 10] [--workers 2] [--postgresql URL]

1. Rendering. The same HTML is laid out by WeasyPrint alone (`HTML(...).write_pdf()`, its own file
   fetcher, PDF/UA-1) and by the app's path (`documents.services.render_content_pdf`: the Jinja
   template, then WeasyPrint in a time-limited child process whose every fetch the parent answers).
   The median of --runs each is compared; the target is at most 1.5x WeasyPrint alone.
2. Download. The published version's stored PDF is served by the app (ETag, immutable caching) under
   gunicorn.conf.py and loaded with wrk, as is a bare Flask endpoint that returns the same bytes from
   memory (`bench.documents:reference_app`) and bench/reference.py's "Hello, World!". Throughput is
   reported in requests and MB per second and as a ratio to the bare endpoints, plus a revalidating
   reader's conditional GET (304).
"""

import argparse
import os
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, Response

from bench.harness import gunicorn, print_table, rss_mb, wrk

SECTIONS = 6
PARAGRAPHS_PER_SECTION = 17
TARGET_RATIO = 1.5

SENTENCES = [
    "The participants stressed that border security in Central Asia depends on trust between the services "
    "of neighbouring countries and on the regular exchange of risk analysis.",
    "Joint training of border guards and customs officers, held alternately in each country, was found to be "
    "the most effective way of building that trust.",
    "Участники подчеркнули, что безопасность границ в Центральной Азии зависит от доверия между службами "
    "соседних государств.",
    "Trade corridors need modern equipment, sound infrastructure and simplified procedures at the crossing "
    "points, so that legitimate goods and travellers pass quickly while risks are controlled.",
    "The Conference welcomed the work of the Border Liaison Offices and asked that their number be increased.",
]


def reference_app_factory(pdf_path: str) -> Flask:
    """A bare Flask endpoint that returns the same PDF bytes from memory: what serving a file costs at least."""
    body = Path(pdf_path).read_bytes()
    app = Flask(__name__)

    @app.get("/")
    def pdf():
        return Response(body, mimetype="application/pdf")

    return app


def __getattr__(name):
    # gunicorn imports `bench.documents:reference_app`; the PDF's path comes through the environment.
    if name == "reference_app":
        return reference_app_factory(os.environ["BENCH_REFERENCE_PDF"])
    raise AttributeError(name)


def document_text() -> str:
    """Pasted text of a document of SECTIONS sections, each with numbered paragraphs, leads and items."""
    lines = ["# Final conclusions of the Benchmark Conference", ""]
    for s in range(1, SECTIONS + 1):
        lines += [f"## {s}. Theme {s}: co-operation across borders", ""]
        for p in range(1, PARAGRAPHS_PER_SECTION + 1):
            body = " ".join(SENTENCES[(s + p + k) % len(SENTENCES)] for k in range(3))
            if p % 3 == 0:
                lines += [f"({p}) **{SENTENCES[p % len(SENTENCES)]}**", "", body, ""]
            elif p % 4 == 0:
                lines += [
                    f"({p}) {body} The participants agreed:",
                    "(a) to meet twice a year;",
                    "(b) to share risk analysis monthly;",
                    "(c) to report to the next conference.",
                    "",
                ]
            else:
                lines += [f"({p}) {body}", ""]
    return "\n".join(lines)


def build(instance: str, database_url: str | None, runs: int) -> dict:
    """Create the schema, an event with delegates and the document; time the renders; publish it."""
    os.environ["EVENTMGR_INSTANCE_PATH"] = instance
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import secrets

    from flask_migrate import upgrade
    from weasyprint import HTML

    from eventmgr import create_app
    from eventmgr.auth.services import create_user
    from eventmgr.documents import services
    from eventmgr.events import services as events
    from eventmgr.extensions import db
    from eventmgr.pdf import render_html
    from eventmgr.registration.models import Registration

    app = create_app({"MAIL_SEND_AFTER_REQUEST": False})
    with app.app_context(), app.test_request_context():
        upgrade()
        user = create_user("bench@example.org", "Bench Secretariat", password="bench password 1")
        start = datetime(2027, 9, 6, 4, 0, tzinfo=UTC)
        event = events.create_event(
            {
                "title": "Regional Cooperation Conference on Border Security",
                "kind": "conference",
                "timezone": "Asia/Almaty",
                "start_at": start,
                "end_at": start + timedelta(days=2),
                "venue_name": "Conference Centre",
                "venue_city": "Borovoe",
                "venue_country": "KZ",
                "visibility": "public",
                "registration_policy": "open",
                "currency": "EUR",
            },
            user,
        )
        events.publish_event(event, user)
        for n, country in enumerate(["KZ", "KG", "TJ", "TM", "UZ", "AF", "RU", "CN", "JP", "DE", "FR", "IT"] * 5):
            db.session.add(
                Registration(
                    event_id=event.id,
                    access_token=secrets.token_urlsafe(32),
                    status="confirmed",
                    given_name="Delegate",
                    family_name=str(n),
                    email=f"delegate{n}@example.org",
                    country=country,
                    organisation_name=f"Border Agency {n % 30}",
                    consented_at=datetime.now(UTC),
                )
            )
        document = services.create_document(event, {"title": "Final conclusions", "reference": "BENCH/1"}, user)
        services.import_text(document, document_text(), user)
        db.session.flush()

        content = services.document_content(document)
        html = render_html("document.html", doc=content, published_at=None)
        static = Path(app.static_folder).as_uri() + "/"
        alone, ours = [], []
        for _ in range(runs):  # alternate, so that a noisy moment hurts both alike
            began = time.perf_counter()
            HTML(string=html, base_url=static, media_type="print").write_pdf(pdf_variant=services.PDF_VARIANT)
            alone.append(time.perf_counter() - began)
            began = time.perf_counter()
            pdf = services.render_content_pdf(content)
            ours.append(time.perf_counter() - began)
        version = services.publish(document, user)
        db.session.commit()
        result = {
            "event": event.slug,
            "document": document.slug,
            "pdf": version.pdf,
            "sha": version.pdf_sha256,
            "alone": alone,
            "ours": ours,
            "pages": page_count(pdf),
        }
        db.engine.dispose()
    return result


def page_count(pdf: bytes) -> int:
    """Pages of a PDF, as poppler's pdfinfo counts them."""
    import subprocess

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout  # noqa: S607
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="renders of each kind; the medians are compared")
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk loads each URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, the same for app and references")
    parser.add_argument("--postgresql", metavar="URL", help="run on this PostgreSQL database instead of SQLite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="eventmgr-bench-") as instance:
        built = build(instance, args.postgresql, args.runs)
        alone, ours = statistics.median(built["alone"]), statistics.median(built["ours"])
        ratio = ours / alone
        size = len(built["pdf"]) / 1024
        print(f"\nRendering a {built['pages']}-page document ({size:.0f} KiB), median of {args.runs}:")
        print(f"  WeasyPrint alone on the same HTML   {alone * 1000:7.0f} ms")
        print(f"  the app (template, child, fetcher)   {ours * 1000:7.0f} ms")
        print(
            f"  ratio                                {ratio:7.2f}   (target <= {TARGET_RATIO}: "
            f"{'met' if ratio <= TARGET_RATIO else 'NOT MET'})"
        )

        pdf_path = Path(instance) / "reference.pdf"
        pdf_path.write_bytes(built["pdf"])
        env = {"EVENTMGR_INSTANCE_PATH": instance, "MAIL_SEND_AFTER_REQUEST": "false"}
        if args.postgresql:
            env["DATABASE_URL"] = args.postgresql
        with gunicorn("bench.reference:app", workers=args.workers) as (url, pid):
            hello = wrk("bare Flask endpoint (Hello, World!)", url + "/", args.seconds, pid=pid)
        with gunicorn(
            "bench.documents:reference_app", env={"BENCH_REFERENCE_PDF": str(pdf_path)}, workers=args.workers
        ) as (url, pid):
            bare_pdf = wrk("bare Flask endpoint, same PDF bytes", url + "/", args.seconds, pid=pid)
        with gunicorn("wsgi:app", env=env, workers=args.workers) as (url, pid):
            version_url = f"{url}/events/{built['event']}/documents/{built['document']}/v1.pdf"
            assert urllib.request.urlopen(version_url).read() == built["pdf"]
            results = [
                wrk("published PDF, version URL (from storage)", version_url, args.seconds, pid=pid),
                wrk("published PDF, current URL", version_url.replace("/v1.pdf", ".pdf"), args.seconds, pid=pid),
                wrk(
                    "published PDF, revalidation with ETag (304)",
                    version_url,
                    args.seconds,
                    headers={"If-None-Match": f'"{built["sha"]}"'},
                    pid=pid,
                ),
            ]
            memory = rss_mb(pid)
    size_mb = len(built["pdf"]) / 1024 / 1024
    print_table(
        f"Download: {'PostgreSQL' if args.postgresql else 'SQLite'}, {args.workers} gunicorn workers, "
        f"wrk -t2 -c16 -d{args.seconds}s; ratios to the Hello, World! endpoint",
        hello,
        [bare_pdf, *results],
        {
            "PDF throughput, bare endpoint": f"{bare_pdf.requests_per_second * size_mb:.0f} MB/s",
            "PDF throughput, the app": f"{results[0].requests_per_second * size_mb:.0f} MB/s = "
            f"{results[0].ratio_to(bare_pdf):.2f} x the bare endpoint serving "
            "the same bytes",
            "largest worker after the run": f"{memory:.0f} MB RSS",
        },
    )


if __name__ == "__main__":
    main()
