"""The worker's own store of public pages (pagecache.MemoryPages): kept for a while, bounded in bytes, the least
recently used going first."""

import time

from eventmgr.pagecache import MemoryPages


def test_a_page_is_served_until_it_expires():
    pages = MemoryPages()
    pages.put("a", b"page", {"ETag": '"x"'}, seconds=0.2)
    assert pages.get("a") == (b"page", {"ETag": '"x"'})
    time.sleep(0.3)
    assert pages.get("a") is None
    assert pages.get("never") is None


def test_the_least_recently_used_pages_go_first_when_the_bytes_run_out():
    pages = MemoryPages(max_bytes=10)
    pages.put("a", b"aaaa", {}, seconds=60)
    pages.put("b", b"bbbb", {}, seconds=60)
    assert pages.get("a") is not None  # "a" is now the most recently used
    pages.put("c", b"cccc", {}, seconds=60)
    assert (pages.get("a"), pages.get("b"), pages.get("c")) == ((b"aaaa", {}), None, (b"cccc", {}))
    pages.put("a", b"aaaaaa", {}, seconds=60)  # a new copy replaces the old, and takes its room
    assert pages.get("a") == (b"aaaaaa", {}) and pages.get("c") == (b"cccc", {})


def test_a_page_larger_than_the_store_is_not_kept_nor_its_older_copy():
    pages = MemoryPages(max_bytes=10)
    pages.put("a", b"small", {}, seconds=60)
    pages.put("b", b"bb", {}, seconds=60)
    pages.put("a", b"far too large", {}, seconds=60)
    assert pages.get("a") is None and pages.get("b") == (b"bb", {})
    pages.clear()
    assert pages.get("b") is None
