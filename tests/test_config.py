"""Configuration: zero-configuration defaults, overrides, cookies, security headers and error pages."""

import re
import stat

import pytest
from conftest import PASSWORD, csrf_token
from helpers import attempt_login

from eventmgr import config as config_module
from eventmgr import create_app
from eventmgr.extensions import db

#: Environment variables the app reads; cleared so that the machine running the tests cannot leak in.
ENVIRONMENT = [*config_module._ENV_SETTINGS, "DATABASE_URL"]


@pytest.fixture
def bare_instance(tmp_path, monkeypatch):
    """An empty instance folder and an environment that configures nothing."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("EVENTMGR_INSTANCE_PATH", str(instance))
    return instance


@pytest.fixture
def new_app():
    """Call create_app; dispose of every app's engine afterwards."""
    made = []

    def make(config=None):
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_with_no_configuration_sqlite_and_a_secret_key_live_in_the_instance_folder(bare_instance, new_app):
    app = new_app()
    assert app.instance_path == str(bare_instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{bare_instance / 'eventmgr.sqlite'}"
    with app.app_context():
        assert db.engine.url.database == str(bare_instance / "eventmgr.sqlite")

    key_file = bare_instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32 and app.secret_key == key
    assert app.config["MAIL_SERVER"] is None  # mail is written to files, not sent, until a server is named

    # Created once: a second start (another worker, a restart) uses the same key.
    again = new_app()
    assert again.secret_key == key
    assert key_file.read_text().strip() == key


def test_an_instance_config_file_is_read(bare_instance, new_app, monkeypatch):
    bare_instance.mkdir()
    (bare_instance / "config.py").write_text(
        'MAIL_DEFAULT_SENDER = "Secretariat <events@osce.example>"\nMAIL_PORT = 2525\n'
    )
    app = new_app()
    assert app.config["MAIL_DEFAULT_SENDER"] == "Secretariat <events@osce.example>"
    assert app.config["MAIL_PORT"] == 2525
    monkeypatch.setenv("MAIL_PORT", "587")  # the environment wins over the file
    assert new_app().config["MAIL_PORT"] == 587


def test_environment_variables_override_the_defaults(bare_instance, new_app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/eventmgr/events.sqlite")
    monkeypatch.setenv("SECRET_KEY", "a secret from the environment")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("SERVER_NAME", "events.example.org")
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    app = new_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////var/lib/eventmgr/events.sqlite"
    assert app.secret_key == "a secret from the environment"
    assert not (bare_instance / "secret_key").exists()
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["MAIL_PORT"] == 587  # a number, not the string
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["SERVER_NAME"] == "events.example.org"
    assert app.config["LOGIN_MAX_FAILURES"] == 3
    with app.test_request_context():
        from flask import url_for

        assert url_for("auth.login", _external=True) == "http://events.example.org/login"

    # What create_app is given wins over the environment.
    assert new_app({"MAIL_PORT": 2525}).config["MAIL_PORT"] == 2525


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://ev:pw@db.example.org:5432/events", "postgresql+psycopg://ev:pw@db.example.org:5432/events"),
        ("postgresql://ev@db.example.org/events", "postgresql+psycopg://ev@db.example.org/events"),
        ("postgresql+psycopg://ev@db.example.org/events", "postgresql+psycopg://ev@db.example.org/events"),
    ],
)
def test_postgres_urls_select_psycopg(bare_instance, new_app, monkeypatch, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    app = new_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg"  # the engine is made, not connected


def test_an_empty_variable_changes_nothing(bare_instance, new_app, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "")
    monkeypatch.setenv("DATABASE_URL", "")
    app = new_app()
    assert app.config["MAIL_PORT"] == config_module.DefaultConfig.MAIL_PORT
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


# --- Cookies, headers, error pages ------------------------------------------------------------------


def cookies_set(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": csrf_token(client, "/login")},
    )
    assert response.status_code == 302
    cookies = cookies_set(response)
    for name in ("session", "remember_token"):
        assert name in cookies, cookies
        attributes = {part.strip().lower() for part in cookies[name].split(";")[1:]}
        assert "httponly" in attributes, cookies[name]
        assert "samesite=lax" in attributes, cookies[name]


@pytest.fixture
def pages(client, make_user, make_event, db):
    """Pages of every kind: public, forms, the management area, the admin area, error pages."""
    admin = make_user(is_admin=True)
    event = make_event(organiser=admin)
    urls = ["/", f"/events/{event.slug}", "/login", "/password/forgot", "/no/such/page"]
    logged_in = ["/manage/", f"/manage/events/{event.id}", f"/manage/events/{event.id}/roles", "/admin/users"]
    responses = {url: client.get(url) for url in urls}
    attempt_login(client, admin.email, PASSWORD)
    responses |= {url: client.get(url) for url in logged_in}
    assert [r.status_code for r in responses.values()] == [200, 200, 200, 200, 404, 200, 200, 200, 200]
    return responses


def test_pages_carry_security_headers(pages):
    for url, response in pages.items():
        csp = response.headers.get("Content-Security-Policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert directives.get("default-src") == ["'self'"], url
        assert directives.get("script-src") == ["'self'"], url
        assert directives.get("style-src") == ["'self'"], url
        assert directives.get("object-src") == ["'none'"], url
        assert directives.get("frame-ancestors") == ["'none'"], url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("X-Frame-Options") == "DENY", url
        assert response.headers.get("Referrer-Policy"), url


def test_pages_need_no_inline_script_or_style(pages):
    """The strict policy would block them, so none may be there."""
    for url, response in pages.items():
        page = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "<style" not in page, url
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        # Nothing is fetched from another site: pages must work on closed networks.
        assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', page), url


def test_the_static_files_the_layout_needs_are_served(client):
    page = client.get("/login").text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_error_pages_use_the_site_layout(client, make_user, login):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text and 'class="site-header"' in missing.text
    assert missing.mimetype == "text/html"

    login(make_user())
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "You may not do this" in forbidden.text and 'class="site-header"' in forbidden.text
    assert forbidden.headers.get("Content-Security-Policy")

    unexpected = client.delete("/login")
    assert unexpected.status_code == 405 and 'class="site-header"' in unexpected.text


def test_errors_are_json_for_clients_that_ask_for_json(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


# --- The public address: links never follow the request's Host header ----------------------------------

SITE = "https://events.example.org"


@pytest.mark.parametrize(
    "environment, public_url, trusted_hosts",
    [
        ({}, "http://127.0.0.1:5000", None),
        ({"PUBLIC_URL": "https://events.example.org/"}, SITE, ["events.example.org"]),
        ({"SERVER_NAME": "events.example.org", "PREFERRED_URL_SCHEME": "https"}, SITE, ["events.example.org"]),
        (
            {"PUBLIC_URL": SITE, "TRUSTED_HOSTS": "lb.internal, events.example.net,"},
            SITE,
            ["events.example.org", "lb.internal", "events.example.net"],
        ),
        ({"PUBLIC_URL": "http://127.0.0.1:8000"}, "http://127.0.0.1:8000", ["127.0.0.1", "localhost"]),
        ({"PUBLIC_URL": "https://example.org/eventmgr/"}, "https://example.org/eventmgr", ["example.org"]),
    ],
)
def test_the_public_address_and_the_trusted_hosts_follow_the_configuration(
    bare_instance, new_app, monkeypatch, environment, public_url, trusted_hosts
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = new_app()
    assert app.config["PUBLIC_URL"] == public_url
    assert app.config["TRUSTED_HOSTS"] == trusted_hosts
    with app.app_context():
        from eventmgr.urls import external_url

        assert external_url("auth.login") == f"{public_url}/login"


def test_a_public_url_that_is_no_web_address_is_refused_at_start(bare_instance, new_app, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "events.example.org")
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        new_app()


@pytest.fixture
def public_site(app, monkeypatch):
    """The app configured as served at SITE; `trusted` False: as if no host list were configured."""

    def configure(trusted=True):
        monkeypatch.setitem(app.config, "PUBLIC_URL", SITE)
        monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["events.example.org"] if trusted else None)

    return configure


def site_token(client, path: str) -> str:
    """A CSRF token from a page asked for at the public address."""
    page = client.get(path, base_url=SITE)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def test_a_request_for_another_host_is_refused_and_mails_nothing(
    public_site, client, make_user, make_event, mailbox, db
):
    from sqlalchemy import func, select

    from eventmgr.mail.models import MailMessage
    from eventmgr.registration.services import register

    public_site()
    make_user(email="ada@example.org")
    event = make_event()
    register(event, {"given_name": "Aida", "family_name": "Nurlanova", "email": "aida@example.kz", "country": "KZ"})
    db.session.commit()
    db.session.execute(MailMessage.__table__.delete())  # the confirmation
    db.session.commit()
    requests = [("/password/forgot", "ada@example.org"), (f"/events/{event.slug}/register/link", "aida@example.kz")]
    for path, email in requests:
        response = client.post(
            path,
            base_url=SITE,
            headers={"Host": "evil.example"},
            data={"email": email, "csrf_token": site_token(client, path)},
        )
        assert response.status_code == 400, path
        assert "not served at that host name" in response.text
        assert response.headers["Content-Security-Policy"]
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert db.session.execute(select(func.count()).select_from(MailMessage)).scalar_one() == 0

    # At its own address the site answers, and the links mailed lead there.
    for path, email in requests:
        response = client.post(
            path,
            base_url=SITE,
            headers={"Referer": SITE + path},
            data={"email": email, "csrf_token": site_token(client, path)},
        )
        assert response.status_code == 302, path
    mailbox.deliver()
    links = [re.search(r"https?://\S+", message.get_content()).group(0) for message in mailbox.messages]
    assert [link.startswith(f"{SITE}/password/reset/") for link in links] == [True, False]
    assert any(
        line.startswith(f"{SITE}/events/{event.slug}/registration/")
        for line in mailbox.messages[1].get_body(("plain",)).get_content().split()
    )


def test_mailed_links_lead_to_the_public_address_whatever_host_the_request_names(
    public_site, client, make_user, make_event, mailbox, db
):
    from eventmgr.registration.services import register

    public_site(trusted=False)  # nothing refuses the forged host: the links must still not follow it
    make_user(email="ada@example.org")
    event = make_event()
    registration = register(
        event, {"given_name": "Aida", "family_name": "Nurlanova", "email": "aida@example.kz", "country": "KZ"}
    )
    db.session.commit()
    mailbox.deliver()
    forged = "http://evil.example"  # as an attacker's own browser or script asks, cookies and all
    for path, email in (
        ("/password/forgot", "ada@example.org"),
        (f"/events/{event.slug}/register/link", "aida@example.kz"),
    ):
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path, base_url=forged).text
        ).group(1)
        assert client.post(path, base_url=forged, data={"email": email, "csrf_token": token}).status_code == 302
    mailbox.deliver()
    by_subject = {message["Subject"]: message.get_body(("plain",)).get_content() for message in mailbox.messages}
    reset = by_subject["Reset your eventmgr password"]
    link = by_subject[f"Your registration link: {event.title}"]
    assert "evil.example" not in reset and "evil.example" not in link
    assert re.search(rf"^{re.escape(SITE)}/password/reset/\S+", reset, re.M)
    assert f"{SITE}/events/{event.slug}/registration/{registration.access_token}" in link


def test_pages_calendars_and_pdfs_link_to_the_public_address(
    public_site, client, make_user, make_event, db, monkeypatch
):
    from eventmgr import pdf
    from eventmgr.registration.services import register

    public_site(trusted=False)
    organiser = make_user()
    event = make_event(organiser=organiser)
    registration = register(
        event, {"given_name": "Aida", "family_name": "Nurlanova", "email": "aida@example.kz", "country": "KZ"}
    )
    db.session.commit()
    forged = {"Host": "evil.example"}

    page = client.get(f"/events/{event.slug}", headers=forged).text
    assert f"webcal://events.example.org/events/{event.slug}/calendar.ics" in page
    manage = client.get(f"/events/{event.slug}/registration/{registration.access_token}", headers=forged).text
    assert f'value="{SITE}/events/{event.slug}/registration/{registration.access_token}/calendar.ics"' in manage

    ics = client.get(f"/events/{event.slug}/calendar.ics", headers=forged)
    assert f"{SITE}/events/{event.slug}".encode() in ics.data and b"evil.example" not in ics.data
    # The file does not depend on the host asked for, and neither does its ETag.
    assert client.get(f"/events/{event.slug}/calendar.ics").headers["ETag"] == ics.headers["ETag"]

    printed, typeset = [], pdf.HTML
    monkeypatch.setattr(pdf, "HTML", lambda *a, **kw: printed.append(kw["string"]) or typeset(*a, **kw))
    assert client.get(f"/events/{event.slug}/agenda.pdf", headers=forged).status_code == 200
    assert f"from {SITE}/events/{event.slug}/agenda" in printed[0] and "evil.example" not in printed[0]

    evil = "http://evil.example"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login", base_url=evil).text)
    client.post(
        "/login", base_url=evil, data={"email": organiser.email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    backoffice = client.get(f"/manage/events/{event.id}", base_url=evil).text
    assert f">{SITE}/events/{event.slug}</a>" in backoffice


def test_behind_a_proxy_clients_are_counted_by_the_address_it_forwards(tmp_path):
    """With PROXY_HOPS=1 the client is the one nginx names; without it, a forged header changes nothing."""
    from flask import request

    from eventmgr import create_app

    seen = {}
    for hops in (0, 1):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p{hops}.sqlite",
                "SECRET_KEY": "x",
                "PROXY_HOPS": hops,
            }
        )

        @app.get("/whoami")
        def whoami():
            return request.remote_addr

        seen[hops] = (
            app.test_client()
            .get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
            .text
        )
    assert seen == {0: "10.0.0.2", 1: "203.0.113.7"}
