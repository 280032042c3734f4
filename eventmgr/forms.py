"""Forms shared by every feature."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def select_choices(pairs) -> list[SelectChoice]:
    """Choices for a select field from a {value: label} mapping or (value, label) pairs."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


def show_error(form, error, field_names: dict[str, str] | None = None) -> None:
    """Put a service's EventMgrError at its form field, or at the top of the page when the form has none.

    `field_names` maps the model attributes services name to the form's own field names where they differ.
    """
    name = (field_names or {}).get(error.field, error.field)
    if form is not None and name and name in form:
        form[name].errors = list(form[name].errors) + [error.message]
    else:
        flash(error.message, "error")


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (publish, delete, approve)."""
