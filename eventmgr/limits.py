"""What a request may carry: ids that fit the database, text that fits XML, and a size.

Size: one limit for every form (MAX_CONTENT_LENGTH), a larger one only on the views that take a file. The limit
must be in place before anything reads the body, and the app-wide CSRF check (a before_request
function) reads the form: so it is set in a URL value preprocessor, which Flask runs first. A body over the
limit is refused with 413 from its Content-Length header, before a byte of it is read or spooled to disk.
"""

import re
from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

#: The largest id a row can have (an INTEGER column on PostgreSQL): a larger number in a URL names nothing.
MAX_ID = 2**31 - 1

#: Characters XML 1.0 cannot hold: the C0 controls but tab and line breaks, and the non-characters U+FFFE and
#: U+FFFF (a lone surrogate cannot reach us: a request with one does not decode). Forms drop them from what
#: people type; files made from stored text (.docx) drop them again.
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML (so .docx, PDF metadata, iCalendar) cannot carry."""
    return XML_UNSAFE.sub("", text)


def accepts_upload(max_bytes: int) -> Callable:
    """Mark a view as taking a file: its requests may be up to `max_bytes`, the file and the form around it."""

    def mark(view: Callable) -> Callable:
        view.request_size_limit = max_bytes
        return view

    return mark


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too large to be an id is "not found" (404), never a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def whole_number(text: str) -> int:
    """A non-negative whole number that fits a database integer, for `request.args.get(name, type=...)`:
    anything else raises ValueError, which makes werkzeug fall back to the default."""
    value = int(text)
    if not 0 <= value <= MAX_ID:
        raise ValueError(f"{text!r} is out of range")
    return value


def page_number(text: str) -> int:
    """A page (or version) number, from 1: anything else raises ValueError, so the default is used."""
    value = whole_number(text)
    if value < 1:
        raise ValueError(f"{text!r} is not a page number")
    return value


def _has_nul(*mappings) -> bool:
    """Whether a NUL character is in any name or value: nobody types one, and PostgreSQL cannot store it."""
    for mapping in mappings:
        items = mapping.items(multi=True) if hasattr(mapping, "getlist") else mapping.items()
        if any("\x00" in str(name) or isinstance(value, str) and "\x00" in value for name, value in items):
            return True
    return False


def register(app: Flask) -> None:
    """Bound the ids in URLs (before any blueprint is registered: a route takes its converter when added),
    apply the view's own upload limit, or MAX_CONTENT_LENGTH, to every request, and refuse NUL characters."""
    app.url_map.converters["int"] = IdConverter

    @app.url_value_preprocessor
    def limit_request(endpoint, values):
        view = current_app.view_functions.get(endpoint)
        limit = getattr(view, "request_size_limit", None)
        if limit is not None:
            request.max_content_length = limit
            # The form's text may be as long as the whole request (an import pastes a whole document).
            request.max_form_memory_size = limit
        if _has_nul(values or {}, request.args, request.form):
            abort(400, _("A NUL character is not allowed in a request."))
