"""Forms for sessions, their participants, featured presenters and a delegate's personal agenda."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from eventmgr.agenda.models import PARTICIPANT_ROLES, SESSION_KINDS, EventSession
from eventmgr.forms import Form, Translations, add_translation_fields, select_choices
from eventmgr.people.forms import PersonFields, optional_int

#: Form field -> model field, for the times entered in the event's own zone.
LOCAL_TIME_FIELDS = {"start": "start_at", "end": "end_at"}


class SessionForm(Translations, Form):
    """A session of the programme; its texts are in the event's language, and in others below."""

    kind = SelectField(_l("Kind"), choices=select_choices(SESSION_KINDS))
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=300)],
        description=_l("May stay empty for opening remarks, breaks and closing."),
    )
    description = TextAreaField(
        _l("Theme or description"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Markdown: blank lines between paragraphs, **bold**, lists, links."),
    )
    start = DateTimeLocalField(_l("Starts"), validators=[DataRequired()])
    end = DateTimeLocalField(_l("Ends"), validators=[DataRequired()])
    room = StringField(
        _l("Room or stream"),
        validators=[Optional(), Length(max=120)],
        description=_l("Leave empty for the event's main room or stream."),
    )

    def fill_from(self, event_session, tz) -> None:
        """Show a session's values, with times in the event's zone."""
        for name in ("kind", "title", "description", "room"):
            self[name].data = getattr(event_session, name)
        self.fill_translations(event_session)
        self.start.data = event_session.start_at.astimezone(tz).replace(tzinfo=None)
        self.end.data = event_session.end_at.astimezone(tz).replace(tzinfo=None)

    def session_data(self, tz) -> dict:
        """The submitted values as model fields, times read in the event's zone and kept in UTC."""
        data = {name: self[name].data for name in ("kind", "title", "description", "room")}
        data["translations"] = self.translations_data()
        for name, attr in LOCAL_TIME_FIELDS.items():
            value: datetime | None = self[name].data
            data[attr] = value.replace(tzinfo=tz) if value else None
        return data


def add_language_fields(languages) -> None:
    """Give the session form the title and description in each of the interface's languages."""
    add_translation_fields(SessionForm, EventSession.TRANSLATED, languages)


class _PersonChoiceForm(Form):
    """An existing person chosen from a list, or a new one described in the nested fields."""

    person_id = SelectField(_l("Person"), coerce=optional_int, validate_choice=False)
    person = FormField(PersonFields, label=_l("Or add a new person"))

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.person_id.choices = [("", _l("A new person (fill in below)"))] + list(people_choices)

    def validate_person_id(self, field) -> None:
        if field.data is None and not (self.person.full_name.data or "").strip():
            raise ValidationError(_l("Choose a person from the list, or give a new person's full name below."))
        if field.data is not None and self.person.is_filled():
            raise ValidationError(_l("Choose a person from the list or fill in a new one, not both."))


class ParticipantForm(_PersonChoiceForm):
    role = SelectField(_l("Role"), choices=select_choices(PARTICIPANT_ROLES), default="speaker")
    talk_title = StringField(
        _l("Title of their talk"), validators=[Optional(), Length(max=300)], description=_l("Optional.")
    )


class FeaturedForm(_PersonChoiceForm):
    role_label = StringField(
        _l("Role label"),
        validators=[Optional(), Length(max=120)],
        description=_l("Shown with the person, e.g. Webinar hosting presenter."),
        render_kw={"list": "role-label-suggestions"},
    )


class PersonalAgendaForm(Form):
    sessions = SelectMultipleField(_l("Sessions I will attend"), coerce=int, validate_choice=False)
