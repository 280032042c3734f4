"""Test harness: the real migrations on SQLite or PostgreSQL, a real SMTP server, and factories.

Which database: EVENTMGR_TEST_DB=sqlite (default) or postgresql. On PostgreSQL a throwaway database
is created for the session and dropped afterwards; TEST_POSTGRES_URL names the server
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres). Tests marked `postgresql` are left out of
the SQLite pass. Under CI (CI=true) an unreachable PostgreSQL, a missing browser or Redis, or any skipped
test fails the run.
"""

import contextlib
import contextvars
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

#: CI services set CI=true (some CI=1); under CI every part must run.
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
BACKEND = os.environ.get("EVENTMGR_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "a long test password"


def missing(message: str) -> None:
    """A part the tests need is not here: under CI that fails the run (CI must run every part), elsewhere
    the tests that need it are skipped with the message."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --- Database --------------------------------------------------------------------------------------


@contextlib.contextmanager
def new_database(directory):
    """A fresh, empty database of the backend under test (a SQLite file in `directory`, or a new PostgreSQL
    database), dropped afterwards; fails under CI, and skips elsewhere, when PostgreSQL is unreachable."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{directory / f'{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"EVENTMGR_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"eventmgr_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this test session, dropped at the end."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    controller.received = received
    yield controller
    controller.stop()


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server of the tests' own on 127.0.0.1 (`make test` installs redis-server), empty."""
    import shutil
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server not found; `make test` installs it with apt-get.")
    port = _free_port()
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",  # noqa: S603
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"redis-server did not start on port {port}", pytrace=False)
            time.sleep(0.05)
    client.close()
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def app(database_url, smtp_server, tmp_path_factory):
    """The app on a migrated test database, mail going to the test SMTP server."""
    from flask_migrate import upgrade

    from eventmgr import create_app

    instance = tmp_path_factory.mktemp("instance")
    os.environ["EVENTMGR_INSTANCE_PATH"] = str(instance)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test secret key",
            "SERVER_NAME": None,
            # The test client's own host: mailed links lead where the tests' requests go (and only there).
            "PUBLIC_URL": "http://localhost",
            "MAIL_SERVER": smtp_server.hostname,
            "MAIL_PORT": smtp_server.port,
            "MAIL_DEFAULT_SENDER": "Events <events@eventmgr.test>",
            "RATELIMIT_ENABLED": True,
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "PUBLIC_PAGE_CACHE_SECONDS": 0,  # tests read pages right after changing them; test_pagecache turns it on
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    from eventmgr.extensions import db

    with app.app_context():
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as under a real server.

    Tests hold an app context (for factories and queries); without this, requests would share its
    `g` and database session, hiding bugs that only show when each request starts afresh.
    After a request changed the database, call db.session.expire_all() before reading it again.
    """

    def open(self, *args, **kwargs):
        # Buffered: a streamed body is read inside the request's own context, not the test's.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Leave every table empty after each test, and reset per-test state."""
    from eventmgr.extensions import db, limiter
    from eventmgr.fragments import fragments

    limiter.reset()
    fragments.clear()
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    ctx.pop()


@pytest.fixture
def db(app):
    from eventmgr.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailbox(smtp_server):
    """Messages the SMTP server received during this test, as email.message objects."""
    from email import message_from_bytes, policy

    smtp_server.received.clear()

    class Mailbox:
        @property
        def messages(self):
            return [message_from_bytes(env.content, policy=policy.default) for env in smtp_server.received]

        def deliver(self):
            """Send whatever the outbox holds, as `flask mail send` would."""
            from eventmgr.mail.services import send_queued

            return send_queued()

    return Mailbox()


# --- Factories -------------------------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    from eventmgr.auth.services import create_user

    def make(email=None, name="Test User", password=PASSWORD, is_admin=False, can_organise=True):
        """An account; by default one that may create events (can_organise=False: one that may not)."""
        user = create_user(
            email or f"user-{uuid.uuid4().hex[:8]}@example.org", name, password=password, is_admin=is_admin
        )
        user.can_organise = can_organise
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_organisation(db):
    from eventmgr.organisations.services import create_organisation

    def make(name=None, owner=None, **fields):
        """An organisation of the directory; with `owner`, that account owns its entry."""
        data = {"name": name or f"Organisation {uuid.uuid4().hex[:6]}", "kind": "border_agency"} | fields
        organisation = create_organisation(data, owner)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_event(db, make_user):
    """Create an event through the service, published unless status="draft"."""
    from eventmgr.events import services

    def make(organiser=None, status="published", **fields):
        organiser = organiser or make_user(name="Olga Organiser")
        start = fields.pop("start_at", datetime.now(UTC).replace(microsecond=0) + timedelta(days=30))
        data = {
            "title": "Central Asia Border Challenges",
            "kind": "webinar",
            "timezone": "Asia/Almaty",
            "start_at": start,
            "end_at": fields.pop("end_at", start + timedelta(hours=3)),
            "visibility": "public",
            "registration_policy": "open",
            "currency": "EUR",
            "description": "A webinar on border security.",
        } | fields
        event = services.create_event(data, organiser)
        if status in ("published", "cancelled"):
            services.publish_event(event, organiser)
        if status == "cancelled":
            services.cancel_event(event, organiser, "Postponed.")
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_registration(db):
    """Register a delegate through the service, which decides the status from the event's policy and seats."""
    from eventmgr.registration import services

    def make(event, email=None, now=None, status=None, checked_in=False, **fields):
        """A registration of `email` (a new address by default); `fields` add to or replace the delegate's
        details. `checked_in` records attendance at the desk; `status` then overwrites the stored status, for
        tests of what other features make of registrations in each state."""
        email = email or f"delegate-{uuid.uuid4().hex[:8]}@example.org"
        data = {
            "given_name": email.split("@")[0].capitalize(),
            "family_name": "Delegate",
            "email": email,
            "country": "KZ",
            # A hybrid event's delegate chooses; here, unless told, the event's first mode (in person).
            "attendance_mode": event.default_mode(),
        } | fields
        registration = services.register(event, data, now)
        if checked_in:
            services.check_in(registration, None, now)
        if status is not None:
            registration.status = status
        db.session.commit()
        return registration

    return make


@pytest.fixture
def make_session(db):
    """Add a session to an event's programme through the service."""
    from eventmgr.agenda.services import create_session

    def make(event, title="Panel discussion", kind="panel", start_at=None, end_at=None, user=None, **fields):
        """A session of the event; by default a panel in its first hour."""
        start_at = start_at or event.start_at
        data = {
            "kind": kind,
            "title": title,
            "start_at": start_at,
            "end_at": end_at or start_at + timedelta(hours=1),
        } | fields
        event_session = create_session(event, data, user)
        db.session.commit()
        return event_session

    return make


@pytest.fixture
def make_document(db):
    """Start an outcome document of an event through the service."""
    from eventmgr.documents import services

    def make(event, user, text=None, **fields):
        """A draft (recommendations unless `kind` says otherwise) by `user`; with `text`, its sections and
        paragraphs read from that pasted text."""
        document = services.create_document(
            event, {"kind": "recommendations", "title": "Recommendations"} | fields, user
        )
        if text is not None:
            services.import_text(document, text, user)
        db.session.commit()
        return document

    return make


@pytest.fixture
def login(client):
    """Log a user in through the login form."""

    def do(user, password=PASSWORD):
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.text
        return response

    return do


@pytest.fixture
def post(client):
    """POST a form with a valid CSRF token taken from `token_from` (default: the same URL)."""

    def do(url, data=None, token_from=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(client, token_from or url))
        return client.post(url, data=data, **kwargs)

    return do


def csrf_token(client, url: str) -> str:
    """Fetch a page and return the CSRF token of its first form."""
    import re

    page = client.get(url)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


# --- Browser ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served over HTTP on 127.0.0.1 in a background thread, at its public address."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    # Served there, as PUBLIC_URL says in a real deployment: mailed links lead the browser back to it.
    public_url, app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"], server.url
    yield server
    app.config["PUBLIC_URL"] = public_url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never downloads a browser."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM}; `make test` installs it with apt-get.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser tab; a screenshot is kept in test-artifacts/ when the test fails."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        tab.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


# --- Reporting -------------------------------------------------------------------------------------

#: How many PostgreSQL-only tests this (SQLite) pass left out.
LEFT_OUT = pytest.StashKey[int]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests; leave the PostgreSQL-only ones out of the SQLite pass (they run in the
    PostgreSQL one), so that a skip always means something missing."""
    left_out = []
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if BACKEND != "postgresql" and item.get_closest_marker("postgresql"):
            left_out.append(item)
    config.stash[LEFT_OUT] = len(left_out)
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: its controller writes the summary
        config.workeroutput["left_out"] = len(left_out)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A pytest-xdist worker finished: every worker collects the whole suite, so any one's count is the count."""
    node.config.stash[LEFT_OUT] = node.workeroutput.get("left_out", 0)


def pytest_sessionfinish(session):
    """Under CI a skipped test fails the run: CI must run every part."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    passed = terminalreporter.stats.get("passed", [])
    browser = [r for r in passed if "browser" in r.keywords]
    skipped = len(terminalreporter.stats.get("skipped", []))
    left_out = terminalreporter.config.stash.get(LEFT_OUT, 0)
    terminalreporter.write_line(
        f"eventmgr: {len(passed)} tests passed on {BACKEND} ({len(browser)} in the browser), {skipped} skipped"
        + (f", {left_out} PostgreSQL-only left for the PostgreSQL pass" if left_out else "")
    )
    if IN_CI and skipped:
        terminalreporter.write_line("eventmgr: under CI nothing may be skipped; the run fails.", red=True)
