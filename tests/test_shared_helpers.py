"""Small helpers every feature shares: moving an entry up or down its list, raising the first broken rule."""

from types import SimpleNamespace

import pytest

from eventmgr.errors import EventMgrError, raise_first
from eventmgr.ordering import STEPS, move, renumber


@pytest.mark.parametrize(
    "index, action, expected, moved",
    [
        (1, "up", "bac", True),
        (1, "down", "acb", True),
        (0, "up", "abc", False),  # already first
        (2, "down", "abc", False),  # already last
    ],
)
def test_an_entry_moves_one_place_and_never_past_either_end(index, action, expected, moved):
    items = list("abc")
    assert move(items, index, STEPS[action]) is moved
    assert "".join(items) == expected


def test_renumbering_stores_each_rows_place():
    rows = [SimpleNamespace(position=7), SimpleNamespace(position=3)]
    renumber(rows)
    assert [row.position for row in rows] == [0, 1]


def test_the_first_broken_rule_is_raised_with_its_field():
    raise_first({})
    with pytest.raises(EventMgrError) as raised:
        raise_first({"end_at": "End after the start.", "title": "Give a title."})
    assert (raised.value.field, raised.value.message) == ("end_at", "End after the start.")
