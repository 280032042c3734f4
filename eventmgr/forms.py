"""Forms shared by every feature."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (publish, delete, approve)."""
