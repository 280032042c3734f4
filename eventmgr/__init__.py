"""eventmgr: conferences and webinars for governments and international organisations."""

import os
from pathlib import Path

import argon2.profiles
from flask import Flask

from eventmgr import config as config_module
from eventmgr import languages
from eventmgr.extensions import babel, csrf, db, limiter, login_manager, migrate

PACKAGE = Path(__file__).parent
#: The checkout the app runs from, if it does: its instance/ folder is the default one.
PROJECT_ROOT = PACKAGE.resolve().parent


def default_instance_path() -> str:
    """instance/ of the checkout when run from one (`make run`), else instance/ in the working directory."""
    if (PROJECT_ROOT / "setup.cfg").exists():
        return str(PROJECT_ROOT / "instance")
    return str(Path.cwd() / "instance")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment, then `config`."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("EVENTMGR_INSTANCE_PATH") or default_instance_path(),
        instance_relative_config=True,
        template_folder=str(PACKAGE / "templates"),
    )
    configure(app, config)
    register_extensions(app)
    register_features(app)
    register_request_limits(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_permission_sources()  # the parts of permission rules that higher features know
    register_security_headers(app)
    languages.register(app)
    register_errorhandlers(app)
    refuse_untrusted_hosts(app)
    register_commands(app)
    from eventmgr.pagecache import PublicPageMiddleware

    app.wsgi_app = PublicPageMiddleware(app.wsgi_app, app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def configure(app: Flask, overrides: dict | None) -> None:
    """Load settings in order of precedence and fill in what must be derived."""
    app.config.from_object(config_module.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    config_module.apply_environment(app.config)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'eventmgr.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)
    if not app.config.get("MAIL_DIRECTORY"):
        app.config["MAIL_DIRECTORY"] = str(Path(app.instance_path) / "mail")
    # Links are built from the public address alone, and requests for any other host are refused.
    config_module.settle_public_address(app.config)
    if app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
        app.config.setdefault("REMEMBER_COOKIE_SECURE", True)
    if not hasattr(argon2.profiles, app.config["PASSWORD_HASH_PROFILE"]):
        raise ValueError(
            f"PASSWORD_HASH_PROFILE must name a profile in argon2.profiles, not {app.config['PASSWORD_HASH_PROFILE']!r}"
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers; wait for the lock instead of failing at once.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 30},
        }


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from sqlalchemy.orm import Session

    from eventmgr.database import enable_sqlite_foreign_keys, guard_text_lengths

    guard_text_lengths(Session)
    with app.app_context():
        enable_sqlite_foreign_keys(db.engine)


def register_features(app: Flask) -> None:
    """Let the features wire themselves in: flush listeners, mail makers, jobs, template globals, signal receivers.

    Features import one way (see DESIGN.md): a lower one announces changes by signals, and a higher one
    subscribes here. Whatever a feature adds to every flush, every message sent or the worker is listed here.
    """
    from eventmgr import agenda, auth, calendar, documents, registration

    auth.init_app(app)  # its mails
    agenda.init_app(app)  # programme versions
    registration.init_app(app)  # seats taken, its mails' attachments, attendance on the events' pages
    documents.init_app(app)  # the worker's jobs
    calendar.init_app(app)  # invites, updates and cancels when events, programmes and registrations change
    register_pdf_resources(app)


def register_pdf_resources(app: Flask) -> None:
    """Let PDFs (the agenda's, the documents') embed the presenters' stored photos besides static files."""
    from eventmgr import pdf
    from eventmgr.people.services import photo_image

    def photo(person_id: int, size: str, digest: str) -> tuple[bytes, str] | None:
        found = photo_image(person_id, digest, size)
        return (found[1], found[0].media_type) if found is not None else None

    pdf.serve_resource(app, "people.photo", photo)


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprints, as its package exports them (named after the package)."""
    from eventmgr import admin, agenda, auth, calendar, documents, events, mail, organisations, people, registration

    for blueprint in (
        auth.bp,
        admin.bp,
        organisations.bp,
        events.bp,
        events.manage_bp,
        registration.bp,
        registration.desk_bp,
        registration.payments_bp,
        registration.delegations_bp,
        registration.delegation_desk_bp,
        calendar.bp,
        agenda.bp,
        agenda.manage_bp,
        people.bp,
        mail.bp,
        documents.bp,
        documents.manage_bp,
        documents.delegate_bp,
    ):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    from eventmgr import templating

    templating.register(app)


def register_permission_sources() -> None:
    """Let the rules that span features (who finds which people and organisations) ask the features above them:
    the programme tells people where a person appears; events and people name organisations (auth/permissions.py)."""
    from eventmgr.agenda import appearances
    from eventmgr.events import permissions as event_permissions
    from eventmgr.people import permissions as people_permissions

    appearances.register()
    event_permissions.register()
    people_permissions.register()


def register_request_limits(app: Flask) -> None:
    from eventmgr import limits

    limits.register(app)


def register_security_headers(app: Flask) -> None:
    """Send a strict Content-Security-Policy (scripts and styles come only from the app), and the rest."""
    from eventmgr.pagecache import SECURITY_HEADERS

    @app.after_request
    def add_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def register_errorhandlers(app: Flask) -> None:
    from eventmgr.errors import register_errorhandlers as register

    register(app)


def refuse_untrusted_hosts(app: Flask) -> None:
    """Answer a request for a host not in TRUSTED_HOSTS with a plain 400: Flask refuses it before it can
    build any URL, so the site's error page (all links) cannot be shown."""
    from flask_babel import gettext as _
    from werkzeug.exceptions import SecurityError

    @app.errorhandler(SecurityError)
    def unknown_host(error):
        return (
            _("Bad Request: this site is not served at that host name.") + "\n",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )


def register_commands(app: Flask) -> None:
    from eventmgr.cli import register

    register(app)
