"""A short-lived cache of public pages as anonymous visitors get them.

When an announcement goes out, hundreds of delegates open the same event page within a minute; during
the event everyone reloads the agenda. Those visitors are anonymous and all get the same page, so a
worker keeps each such page for PUBLIC_PAGE_CACHE_SECONDS (10 by default; 0 turns the cache off) and
serves it again without a query. A change an organiser makes therefore reaches visitors within that
many seconds. Logged-in users (organisers see their own controls), pages with a flash message, and any
response that sets a cookie or is not a 200 are never cached. Each cached page carries an ETag, so a
browser's reload within the window costs a 304.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

#: Bytes of pages one worker keeps at most; the least recently used go first.
MAX_BYTES = 32 * 1024 * 1024


class PageCache:
    """key -> (expires at, body, headers), bounded in total size, safe across a worker's threads."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, tuple[float, bytes, dict]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, dict] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            expires, body, headers = found
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return body, headers

    def put(self, key: str, body: bytes, headers: dict, seconds: float) -> None:
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic() + seconds, body, headers)
            self._size += len(body)
            while self._size > self.max_bytes and self._pages:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0

    def _drop(self, key: str) -> None:
        _expires, body, _headers = self._pages.pop(key)
        self._size -= len(body)


pages = PageCache()


def _cacheable_request() -> bool:
    return (request.method in ("GET", "HEAD") and not current_user.is_authenticated
            and "_flashes" not in session and current_app.config["PUBLIC_PAGE_CACHE_SECONDS"] > 0)


def _key() -> str:
    # The full URL (host, path, query) and the language the page is written in.
    return hashlib.sha256(f"{request.url}\n{get_locale()}".encode()).hexdigest()


def cached_public_page(view):
    """Serve an anonymous visitor's GET from the worker's cache when a fresh copy is there."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        key = _key()
        found = pages.get(key)
        if found is not None:
            body, headers = found
            response = current_app.response_class(body, headers=headers)
            return response.make_conditional(request)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed and "Set-Cookie" not in response.headers \
                and not session.modified:
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
            headers = {name: value for name, value in response.headers.items()
                       if name.lower() in ("content-type", "etag", "content-language", "cache-control")}
            pages.put(key, response.get_data(), headers, current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
            return response.make_conditional(request)
        return response

    return wrapped
