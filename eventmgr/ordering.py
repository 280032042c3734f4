"""Lists people put in order by hand: sections and paragraphs, a session's people, featured presenters, an event's
organisations, registration questions."""

#: How far the "up" and "down" buttons move an entry in its list.
STEPS = {"up": -1, "down": 1}


def move(items: list, index: int, step: int) -> bool:
    """Move items[index] `step` places (-1 up, 1 down), in place; False, with nothing moved, past either end."""
    target = index + step
    if not 0 <= target < len(items):
        return False
    items.insert(target, items.pop(index))
    return True


def renumber(rows) -> None:
    """Store each row's place in the list as its `position`."""
    for position, row in enumerate(rows):
        row.position = position
