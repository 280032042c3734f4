"""CSV the app writes: no cell a delegate or organiser typed can run as a formula; numbers stay numbers."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from eventmgr import spreadsheets
from eventmgr.spreadsheets import csv_text, safe_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\uff1d1+1",  # a full-width equals sign
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_text_cell_that_would_start_a_formula_gets_a_quote(value):
    assert safe_cell(value).startswith("'" + value[0])
    assert safe_cell(value).replace("'", "") == value.replace("'", "")


@pytest.mark.parametrize(
    "value, defused",
    [
        ("Aida;=1+1", "Aida;'=1+1"),
        ("Morning; -", "Morning; '-"),
        ('x","=1+1', 'x","\'=1+1'),
        ("a\n@b", "a\n'@b"),
        ("=a;+b", "'=a;'+b"),
    ],
)
def test_a_formula_sign_after_a_separator_gets_a_quote(value, defused):
    assert safe_cell(value) == defused


@pytest.mark.parametrize(
    "value",
    [
        "Aida",
        "Омарова",
        "Jean-Pierre",
        "a=b",
        "1+1",
        "Morning; Afternoon",
        "'=already quoted",
        "2026-05-20T04:00:00+00:00",
        "",
    ],
)
def test_other_text_is_left_as_it_is(value):
    assert safe_cell(value) == value


def test_numbers_stay_numbers_and_none_is_empty():
    assert safe_cell(7) == 7 and safe_cell(Decimal("-2.50")) == Decimal("-2.50") and safe_cell(1.5) == 1.5
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"  # not a number to a spreadsheet: callers say yes or no


def test_every_text_cell_is_quoted_so_a_separator_inside_starts_no_cell():
    text = "".join(csv_text(["name", "amount"], [["Aida;=1+1", Decimal("-2.50")], ['x","=1+1', 3]]))
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines == ['"name","amount"', '"Aida;\'=1+1",-2.50', '"x"",""\'=1+1",3']
    for separator in (",", ";", "\t"):
        # Read as a spreadsheet would: quoted cells are text, bare ones numbers.
        for row in csv.reader(
            io.StringIO(text.removeprefix("\ufeff")), delimiter=separator, quoting=csv.QUOTE_NONNUMERIC
        ):
            texts = [cell for cell in row if isinstance(cell, str)]
            assert not any(cell.lstrip().startswith(spreadsheets.FORMULA_STARTS) for cell in texts), row


def test_a_long_table_is_sent_in_chunks(monkeypatch):
    monkeypatch.setattr(spreadsheets, "CSV_CHUNK", 100)
    chunks = list(csv_text(["n"], ([f"row {n}"] for n in range(100))))
    assert 8 <= len(chunks) <= 15 and all(chunks)
    assert [row[0] for row in csv.reader(io.StringIO("".join(chunks).removeprefix("\ufeff")))][1:] == [
        f"row {n}" for n in range(100)
    ]


def test_no_module_writes_csv_but_through_the_helper():
    """The next export gets the same protection: csv.writer appears only in eventmgr/spreadsheets.py."""
    package = Path(spreadsheets.__file__).parent
    writers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "spreadsheets.py" and re.search(r"csv\.(writer|DictWriter)\b", path.read_text())
    ]
    assert writers == []
