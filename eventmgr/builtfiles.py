"""Files built from the database (calendars, the agenda PDF), kept per worker and served with an ETag.

Building such a file costs far more than finding out whether it changed (the versions it is built from are
columns of rows already loaded), so a file is kept under a key that names everything it is built from, and a
client whose copy is current gets 304 without anything being built. A change anywhere gives a new key: nothing
is ever invalidated, old files just fall out of the LRU.
"""

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime

from cachetools import LRUCache
from flask import current_app, request

#: Bytes of built files one worker keeps at most (some hundred agenda PDFs, or thousands of calendars).
MAX_BYTES = 16 * 1024 * 1024


class BuiltFiles:
    """An LRU of built files in this worker, bounded in bytes, safe across its threads: key -> bytes."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self._files: LRUCache[str, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)
        self._lock = threading.Lock()

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._files.get(key)
        if found is not None:
            return found
        body = build()
        with self._lock:
            if len(body) <= self._files.maxsize:
                self._files[key] = body
        return body

    def clear(self) -> None:
        with self._lock:
            self._files.clear()


built_files = BuiltFiles()


def file_etag(parts: tuple) -> str:
    """A validator for a file built from `parts`: it changes when any of them does."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def built_file_response(
    build: Callable[[], bytes],
    etag_parts: tuple,
    mimetype: str,
    filename: str,
    inline: bool = False,
    private: bool = False,
    cache: bool = True,
    max_age: int = 0,
    last_modified: datetime | None = None,
):
    """Answer with the file `build` makes, or 304 when the client's copy is current (nothing is built then).

    `cache` keeps the built file for the next client: `etag_parts` must then name everything the file is built
    from (the reader's zone and language too, when it shows them). `private` keeps it out of shared (proxy)
    caches; `max_age` lets browsers keep it that many seconds before they revalidate.
    """
    etag = file_etag(etag_parts)
    response = current_app.response_class(mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    if max_age:
        response.cache_control.max_age = max_age
    else:
        response.cache_control.no_cache = True  # revalidate every time: cheap with the ETag
    if request.if_none_match.contains(etag):
        return response.make_conditional(request)
    response.set_data(built_files.get_or_build(etag, build) if cache else build())
    return response.make_conditional(request)
