"""Default settings; instance/config.py and environment variables override them.

Every setting read here is listed in the README's configuration table.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

# Settings that may come from the environment, with how to read each one.
_ENV_SETTINGS = {
    "SECRET_KEY": str,
    "SERVER_NAME": str,
    "PUBLIC_URL": str,
    "PREFERRED_URL_SCHEME": str,
    "TRUSTED_HOSTS": lambda v: [host.strip() for host in v.split(",") if host.strip()],
    "PROXY_HOPS": int,
    "MAX_CONTENT_LENGTH": int,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": lambda v: v.lower() in {"1", "true", "yes", "on"},
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_DIRECTORY": str,
    "MAIL_SEND_AFTER_REQUEST": lambda v: v.lower() in {"1", "true", "yes", "on"},
    "RATELIMIT_STORAGE_URI": str,
    "REDIS_URL": str,
    "REGISTRATION_RATE_LIMIT": str,
    "AGENDA_PDF_RATE_LIMIT": str,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_MAX_ADDRESS_FAILURES": int,
    "LOGIN_FAILURE_WINDOW_MINUTES": int,
    "KNOWN_DEVICE_DAYS": int,
    "PASSWORD_HASH_PROFILE": str,
    "PASSWORD_RESET_MAX_AGE": int,
    "INVITATION_MAX_AGE": int,
    "BABEL_DEFAULT_LOCALE": str,
    "CALENDAR_UPDATE_DELAY": int,
    "PUBLIC_PAGE_CACHE_SECONDS": int,
    "PAGE_CACHE_REDIS_URL": str,
    "FRAGMENT_CACHE_BYTES": int,
    "JOB_TIMEOUT": int,
    "EVENTS_PER_PAGE": int,
    "DOCUMENT_RENDER_TIMEOUT": int,
    "JOB_MAX_ATTEMPTS": int,
    "PAYMENT_PROVIDER": str,
}


class DefaultConfig:
    """Settings that work on a fresh checkout with nothing configured."""

    SQLALCHEMY_DATABASE_URI = None  # filled in from instance_path when unset
    # Connections are checked before use, so the app recovers by itself when PostgreSQL restarts, and
    # renewed every half hour, before any firewall or pooler in between drops them silently.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800}
    SERVER_NAME = None
    PREFERRED_URL_SCHEME = "http"
    #: Where the site is reached: every link in mail, calendars and PDFs points there. Unset, it is made from
    #: SERVER_NAME, or with that unset too it is LOCAL_URL (see public_address).
    PUBLIC_URL = None
    #: Host names requests may name besides PUBLIC_URL's (a load balancer's health check, say); requests for
    #: any other host are refused once a public address is configured.
    TRUSTED_HOSTS = None
    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For and -Proto are then believed, so
    #: that rate limits and login throttling count clients, not the proxy. 0: nothing forwarded is believed.
    PROXY_HOPS = 0
    #: The largest request body, in bytes, refused with 413 before it is read. Views that take a file (a photo,
    #: a Word file, a CSV of invitees) allow their own larger size; see eventmgr/limits.py.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

    # Mail: with no MAIL_SERVER, each message is written to a file in MAIL_DIRECTORY instead of sent.
    MAIL_SERVER = None
    #: Where messages are written when no MAIL_SERVER is set; unset: instance/mail.
    MAIL_DIRECTORY = None
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "eventmgr <no-reply@localhost>"
    MAIL_SEND_AFTER_REQUEST = True
    MAIL_MAX_ATTEMPTS = 8

    # Rate limits: in memory per process unless a shared store is named.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    REDIS_URL = None
    LOGIN_RATE_LIMIT = "20 per minute"
    REGISTRATION_RATE_LIMIT = "10 per minute"
    #: Agenda PDFs a client may make the app build (not find ready): a reader needs one, a crawl of every zone and
    #: language would keep a worker busy. Copies already built are not counted, so a venue's delegates behind one
    #: address all get theirs.
    AGENDA_PDF_RATE_LIMIT = "10 per minute"
    #: Failed logins with one address from one client within the window before that client is throttled for it.
    LOGIN_MAX_FAILURES = 5
    #: Failed logins with one address from all clients within the window before every browser not known to the
    #: account (no known-device cookie from a login to it) is throttled for it.
    LOGIN_MAX_ADDRESS_FAILURES = 20
    #: The sliding window in which failed logins count; the account's owner is told of them once per window.
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    #: How long a browser stays known to the accounts that logged in with it.
    KNOWN_DEVICE_DAYS = 365
    #: argon2's parameter profile (argon2.profiles): RFC 9106's low-memory one; the tests use CHEAPEST.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # noqa: S105 - a parameter profile, not a password

    PASSWORD_RESET_MAX_AGE = 60 * 60  # one hour
    INVITATION_MAX_AGE = 60 * 60 * 24 * 7  # one week

    #: How long a worker keeps a public page as anonymous visitors get it (eventmgr/pagecache.py); 0: not at all.
    PUBLIC_PAGE_CACHE_SECONDS = 10
    #: Keep those pages in this Redis (shared by every worker and host) instead of each worker's memory.
    PAGE_CACHE_REDIS_URL = None
    #: Bytes of rendered page parts (the agenda's days, the presenters, an event's description) each worker keeps
    #: for readers the page cache does not serve (eventmgr/fragments.py); 0: none.
    FRAGMENT_CACHE_BYTES = 16 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: Interface languages offered, matched against the browser's; English reads dates the British way.
    LANGUAGES = {"en": "en_GB", "ru": "ru"}

    #: Seconds after which a job still running (a worker died) is queued again, and how often it is tried.
    JOB_TIMEOUT = 900
    JOB_MAX_ATTEMPTS = 3

    EVENTS_PER_PAGE = 20
    #: Seconds a PDF (a document, a letter, badges) may take to render before it is given up.
    DOCUMENT_RENDER_TIMEOUT = 25
    #: Seconds after an organiser's last change of time, place or title before delegates get one update.
    CALENDAR_UPDATE_DELAY = 600
    #: How delegates are told to pay (eventmgr.registration.payments.PROVIDERS): "bank_transfer", the only one.
    PAYMENT_PROVIDER = "bank_transfer"


#: Where links point when no public address is configured: the address `make run` serves.
LOCAL_URL = "http://127.0.0.1:5000"
#: Names of this machine: a public address on one of them is a developer's, who may use either.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _host_list(value) -> list[str]:
    if isinstance(value, str):
        return _ENV_SETTINGS["TRUSTED_HOSTS"](value)
    return list(value or [])


def settle_public_address(config) -> None:
    """Settle PUBLIC_URL (as configured, else made from SERVER_NAME, else LOCAL_URL) and TRUSTED_HOSTS (the
    public address's host and the ones listed; None, any host, when neither is configured)."""
    url = config.get("PUBLIC_URL")
    if not url and config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        url = f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{root}"
    hosts = _host_list(config.get("TRUSTED_HOSTS"))
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"PUBLIC_URL must be an http or https address such as https://events.example.org, not {url!r}"
            )
        hosts.insert(0, parts.hostname)
        if parts.hostname in LOOPBACK_HOSTS:
            hosts += LOOPBACK_HOSTS
    config["PUBLIC_URL"] = (url or LOCAL_URL).rstrip("/")
    config["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts)) or None


def database_url_from_env() -> str | None:
    """Return DATABASE_URL in the form SQLAlchemy expects, or None."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    # Heroku-style URLs and plain postgresql:// select psycopg 3, the driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def apply_environment(config) -> None:
    """Override settings with environment variables that are set."""
    for name, parse in _ENV_SETTINGS.items():
        value = os.environ.get(name)
        if value not in (None, ""):
            config[name] = parse(value)
    url = database_url_from_env()
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when two workers start at once, the first key written wins for both.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
