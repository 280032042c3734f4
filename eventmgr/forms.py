"""Forms shared by every feature."""

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def select_choices(pairs) -> list[SelectChoice]:
    """Choices for a select field from a {value: label} mapping or (value, label) pairs."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (publish, delete, approve)."""
