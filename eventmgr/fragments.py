"""Parts of pages kept, rendered, between requests, under a key that names everything they show.

The public page cache serves anonymous visitors whole pages; everyone else (a delegate whose browser holds
the registration form's cookie, every organiser) gets each page rendered for them. Most of a page does not
change between one edit and the next, though: the agenda's days, the presenters with their bios, an event's
description and featured presenters. Such a part is rendered once for each state of what it shows, and kept
in the worker's memory under a key made of that state: the event's version and time of change, its
programme's version (raised by any change to its sessions, their people, photos and organisations: see
eventmgr.agenda.changes), the reader's zone, and always the reader's language and the site's address.

Nothing is ever invalidated: a change changes the key, the old entry is no longer asked for and falls out of
the bounded store (least recently used first). So a key must name everything its part shows: a part that
shows something not in its key would show it stale. In a template:

    {% call cached("agenda", event.id, event.created_at, event.version, event.programme_version, tz_name) %}
      ... rendered only when this key is not kept ...
    {% endcall %}

and in Python, `kept(parts, build)` keeps any value `build()` returns. FRAGMENT_CACHE_BYTES (0 turns it off)
bounds the store of each worker.
"""

import hashlib
import threading

from cachetools import LRUCache
from flask import current_app, request
from markupsafe import Markup

from eventmgr.languages import current_language

#: Bytes of rendered parts one worker keeps by default (FRAGMENT_CACHE_BYTES).
DEFAULT_BYTES = 16 * 1024 * 1024
#: What an entry that is not text counts for in that bound.
OTHER_SIZE = 4096


class Fragments:
    """key -> value in this worker, bounded in total size, safe across its threads."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self._max_bytes = max_bytes
        self._kept = self._new_store(max_bytes)
        self._lock = threading.Lock()

    @staticmethod
    def _new_store(max_bytes: int) -> LRUCache:
        return LRUCache(maxsize=max_bytes, getsizeof=lambda value: len(value) if isinstance(value, str) else OTHER_SIZE)

    def get(self, key: str):
        with self._lock:
            return self._kept.get(key)

    def put(self, key: str, value, max_bytes: int) -> None:
        with self._lock:
            if max_bytes != self._max_bytes:
                self._max_bytes, self._kept = max_bytes, self._new_store(max_bytes)
            if (len(value) if isinstance(value, str) else OTHER_SIZE) <= max_bytes:
                self._kept[key] = value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


fragments = Fragments()


def key(parts: tuple) -> str:
    """The store's key for `parts`, with the reader's language and the site's address (links in parts are made
    from it) added: two readers who differ in either never share a part."""
    named = (*parts, current_language(), current_app.config.get("PUBLIC_URL"), request.script_root)
    return hashlib.sha256(repr(named).encode()).hexdigest()


def kept(parts: tuple, build):
    """What `build()` returns, built once for each `parts` (and language and address) while the store keeps it."""
    max_bytes = current_app.config["FRAGMENT_CACHE_BYTES"]
    if max_bytes <= 0:
        return build()
    name = key(parts)
    value = fragments.get(name)
    if value is None:
        value = build()
        fragments.put(name, value, max_bytes)
    return value


def cached(*parts, caller) -> Markup:
    """`{% call cached(part, ...) %}...{% endcall %}`: the enclosed template, rendered once for each key."""
    return Markup(kept(parts, lambda: str(caller())))  # noqa: S704 - the template's own output, already escaped
