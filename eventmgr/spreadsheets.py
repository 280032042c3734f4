"""CSV files that spreadsheets open safely: the one way the app writes CSV.

Delegates and organisers type names, labels and answers that end up in exports. A cell such as
`=HYPERLINK("http://evil","x")` would run as a formula in Excel or LibreOffice, so every text cell is
defused as OWASP advises: it is wrapped in double quotes (its own quotes doubled), and a formula sign at
its start gets a single quote before it. A spreadsheet that splits on another separator than ours (Excel
in a locale that uses ";") can start a cell inside a value, after a separator: a formula sign there gets
the same quote. Numbers the app writes itself (ids, amounts) are left unquoted and stay numbers.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from flask import Response, stream_with_context

#: What makes a spreadsheet read a cell as a formula: OWASP's list, and the full-width forms of the signs,
#: which some locales of Excel read as the signs themselves.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: A formula sign after a separator (with spaces or quotes between): where a spreadsheet splitting on that
#: separator would start a cell.
_SIGN_AFTER_SEPARATOR = re.compile(r"(?<=[,;|\t\r\n])([\s\"]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")

#: Characters of CSV gathered before they are sent on: one write to the socket per few hundred rows.
CSV_CHUNK = 64 * 1024


def safe_cell(value):
    """The value as a spreadsheet must get it: numbers as they are, anything else as defused text."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = _SIGN_AFTER_SEPARATOR.sub(r"\1'", str(value))
    # Spreadsheets may trim leading spaces before they look at the first character.
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_writer(stream):
    """A csv.writer whose every row goes through `safe_cell`."""
    return _SafeWriter(stream)


class _SafeWriter:
    def __init__(self, stream):
        # QUOTE_NONNUMERIC quotes every cell that is not a number: all text, nothing the app counted.
        self._writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The header and rows as CSV, in chunks of about CSV_CHUNK characters.

    UTF-8 with a byte-order mark, so that Excel reads Cyrillic; rows are read from `rows` only as the
    chunks are taken, so a long export streams with flat memory.
    """
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield "\ufeff" + taken()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CSV_CHUNK:
            yield taken()
    if rest := taken():
        yield rest


def csv_response(header: Sequence, rows: Iterable[Sequence], filename: str) -> Response:
    """A streamed CSV download of the rows, private to the user who asked for it."""
    response = Response(stream_with_context(csv_text(header, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file: UTF-8 (with or without Excel's byte-order mark), else Windows-1252, which
    Excel in Western European locales and many meeting platforms still write. Raise UnicodeDecodeError when
    neither reads it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")
