"""A short-lived cache of public pages and files as anonymous visitors get them.

When an announcement goes out, hundreds of delegates open the same event page within a minute; during
the event everyone reloads the agenda. Those visitors are anonymous and all get the same page, so each
such page is kept for PUBLIC_PAGE_CACHE_SECONDS (10 by default; 0 turns the cache off) and served again
without a query. A change an organiser makes therefore reaches visitors within that many seconds.
Logged-in users (organisers see their own controls), pages with a flash message, and any response that
sets a cookie or is not a 200 are never cached. Each cached page carries an ETag, so a browser's reload
costs a 304.

Pages are kept in the worker's memory, or in Redis when PAGE_CACHE_REDIS_URL is set, so that every
worker on every host shares them. A visitor who carries no session or login cookie at all is served
from the cache before the app even looks at the request (PublicPageMiddleware): no session, login,
locale or rate-limit work for the crowd that follows an announcement.
"""

import hashlib
import json
import threading
import time
from functools import wraps

from cachetools import TLRUCache
from flask import current_app, request, session
from flask_login import current_user

from eventmgr.languages import cache_key_language

#: Sent with every response (the app adds them after each request; the middleware to what it serves).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
#: Bytes of pages one worker keeps at most; the least recently used go first.
MAX_BYTES = 32 * 1024 * 1024
#: The headers a cached response keeps: what it is, its validators, and how to save it.
KEPT_HEADERS = ("content-type", "content-disposition", "content-language", "cache-control", "etag", "last-modified")
#: A browser's validators (WSGI names), answered from the cached copy rather than by the view.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


class MemoryPages:
    """key -> (body, headers) in this worker for `seconds` each, bounded in total size (the least recently used go
    first), safe across its threads."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        # Entries are (body, headers, seconds); each expires that many seconds after it was put. The clock is
        # looked up at each reading, so that tests may move it on.
        self._pages: TLRUCache[str, tuple[bytes, dict, float]] = TLRUCache(
            maxsize=max_bytes,
            ttu=lambda _key, page, now: now + page[2],
            timer=lambda: time.monotonic(),
            getsizeof=lambda page: len(page[0]),
        )
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, dict] | None:
        with self._lock:
            found = self._pages.get(key)
        return None if found is None else found[:2]

    def put(self, key: str, body: bytes, headers: dict, seconds: float) -> None:
        with self._lock:
            if len(body) > self._pages.maxsize:
                # Kept, it would push every other page out; its older copy must not be served instead.
                self._pages.pop(key, None)
            else:
                self._pages[key] = (body, headers, seconds)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


class RedisPages:
    """The same, shared by all workers through Redis; entries expire by themselves."""

    prefix = "eventmgr:page:"

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def get(self, key: str) -> tuple[bytes, dict] | None:
        found = self.client.get(self.prefix + key)
        if found is None:
            return None
        length, rest = found.split(b"\n", 1)
        headers = json.loads(rest[: int(length)])
        return rest[int(length) :], headers

    def put(self, key: str, body: bytes, headers: dict, seconds: float) -> None:
        encoded = json.dumps(headers).encode()
        self.client.set(self.prefix + key, b"%d\n" % len(encoded) + encoded + body, px=int(seconds * 1000))

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


pages = MemoryPages()
_shared: dict[str, RedisPages] = {}


def store(config=None):
    """Where pages are kept: Redis when PAGE_CACHE_REDIS_URL names one, else this worker's memory."""
    url = (config or current_app.config).get("PAGE_CACHE_REDIS_URL")
    if not url:
        return pages
    if url not in _shared:
        _shared[url] = RedisPages(url)
    return _shared[url]


def _cacheable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
        and "_flashes" not in session
        and current_app.config["PUBLIC_PAGE_CACHE_SECONDS"] > 0
    )


def _key(environ) -> str:
    """The URL as asked for (scheme, host, path, query) and what alone decides an anonymous visitor's language:
    the language switcher's cookie and the languages the browser accepts."""
    parts = (
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        cache_key_language(environ),
    )
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


class PublicPageMiddleware:
    """Serve cached pages to visitors without a session or login cookie before the app runs at all."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.config = app.config
        self.private_cookies = {
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME") or "remember_token",
        }

    def __call__(self, environ, start_response):
        if (
            environ["REQUEST_METHOD"] in ("GET", "HEAD")
            and self.config["PUBLIC_PAGE_CACHE_SECONDS"] > 0
            and not self._carries_private_cookie(environ)
        ):
            found = store(self.config).get(_key(environ))
            if found is not None:
                return self._serve(environ, start_response, *found)
        return self.wsgi_app(environ, start_response)

    def _carries_private_cookie(self, environ) -> bool:
        names = {part.split("=", 1)[0].strip() for part in environ.get("HTTP_COOKIE", "").split(";")}
        return not names.isdisjoint(self.private_cookies)

    @staticmethod
    def _serve(environ, start_response, body: bytes, headers: dict):
        etag = headers.get("ETag")
        extra = list(SECURITY_HEADERS.items())
        if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 NOT MODIFIED", [("ETag", etag), *extra])
            return [b""]
        start_response("200 OK", [*headers.items(), *extra, ("Content-Length", str(len(body)))])
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]


def cached_public_page(view):
    """Serve an anonymous visitor's GET from the cache when a fresh copy is there."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        key, cache = _key(request.environ), store()
        found = cache.get(key)
        if found is not None:
            body, headers = found
            return current_app.response_class(body, headers=headers).make_conditional(request)
        # The view is asked for the whole page even when the browser only revalidates its copy, so that the
        # poller's and the reloading visitor's requests refill the cache too; they still get their 304 below.
        held = {name: request.environ.pop(name) for name in CONDITIONAL_HEADERS if name in request.environ}
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            request.environ.update(held)
        if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers or session.modified:
            return response
        if response.get_etag()[0] is None:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        headers = {name: value for name, value in response.headers.items() if name.lower() in KEPT_HEADERS}
        cache.put(key, response.get_data(), headers, current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
        return response.make_conditional(request)

    return wrapped
