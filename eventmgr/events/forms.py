"""Forms for events, series, organisations on events and roles."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from eventmgr import locales
from eventmgr.events.models import (
    EVENT_FORMATS,
    EVENT_KINDS,
    EVENT_ROLES,
    ORGANISATION_ROLES,
    REGISTRATION_POLICIES,
    VISIBILITIES,
    Event,
)
from eventmgr.events.services import event_rule_errors
from eventmgr.forms import (  # noqa: F401 - ConfirmForm kept importable from here
    ConfirmForm,
    Form,
    LanguageField,
    Translations,
    add_translation_fields,
    select_choices,
)

#: Fields of the form that are not the event's own (the version it was loaded at, a request to join a series).
NOT_EVENT_FIELDS = (
    "csrf_token",
    "version",
    "join_series",
    "join_edition",
    "reminder_early_unit",
    "reminder_late_unit",
)
# Form field name -> model field, for the times entered in the event's own time zone.
LOCAL_TIME_FIELDS = {
    "start": "start_at",
    "end": "end_at",
    "registration_opens": "registration_opens_at",
    "registration_closes": "registration_closes_at",
    "delegation_deadline": "delegation_deadline",
}
# Form field name -> model field, for the reminders entered as a number of hours or days (stored in minutes).
REMINDER_FIELDS = {"reminder_early": "reminder_early_minutes", "reminder_late": "reminder_late_minutes"}
REMINDER_UNITS = {"hours": 60, "days": 24 * 60}
# Model field -> form field, where they differ: for putting a service's message at the field the user filled.
FORM_FIELD_OF = {attr: name for name, attr in (LOCAL_TIME_FIELDS | REMINDER_FIELDS).items()}


class CheckboxesField(SelectMultipleField):
    """A choice of several, each a checkbox: nothing to Ctrl-click."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(Translations, Form):
    original_language = LanguageField(
        _l("Written in"), description=_l("The language you wrote the title and the description in.")
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=100)],
        description=_l("The last part of /events/…; made from the title when left empty."),
    )
    kind = SelectField(_l("Kind"), choices=select_choices(EVENT_KINDS))
    format = SelectField(
        _l("Format"),
        choices=select_choices(EVENT_FORMATS),
        description=_l("In person needs a venue; online a platform and a join link; hybrid both."),
    )
    series_id = SelectField(
        _l("Series"),
        coerce=lambda v: int(v) if v else None,
        validate_choice=False,
        description=_l("One of your series."),
    )
    edition = IntegerField(_l("Edition number"), validators=[Optional(), NumberRange(min=1)])
    join_series = StringField(
        _l("Or ask to join another organiser's series"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "Its web address, e.g. https://…/series/issyk-kul-initiative. Its owner "
            "decides; until then the event stays outside the series."
        ),
    )
    join_edition = IntegerField(_l("As edition number"), validators=[Optional(), NumberRange(min=1, max=10_000)])
    description = TextAreaField(
        _l("About this event"), description=_l("Markdown: blank lines between paragraphs, **bold**, lists, links.")
    )
    timezone = SelectField(
        _l("Time zone"),
        validators=[DataRequired()],
        description=_l("Times below are in this zone, and shown in it to delegates."),
    )
    start = DateTimeLocalField(_l("Starts"), validators=[DataRequired()])
    end = DateTimeLocalField(_l("Ends"), validators=[DataRequired()])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    venue_address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    venue_city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    venue_country = SelectField(_l("Country"), validators=[Optional()])
    online_platform = StringField(
        _l("Online platform"),
        validators=[Optional(), Length(max=120)],
        description=_l("Shown publicly, e.g. Zoom Webinars."),
    )
    join_url = URLField(
        _l("Join link"),
        validators=[Optional(), URL(), Length(max=1000)],
        description=_l("Never shown publicly; only confirmed delegates receive it."),
    )
    visibility = SelectField(_l("Who can see it"), choices=select_choices(VISIBILITIES))
    registration_policy = SelectField(_l("Registration"), choices=select_choices(REGISTRATION_POLICIES))
    capacity = IntegerField(
        _l("Seats in the room"), validators=[Optional()], description=_l("In person. Leave empty for no limit.")
    )
    online_capacity = IntegerField(
        _l("Places online"), validators=[Optional()], description=_l("Online. Leave empty for no limit.")
    )
    delegations_enabled = BooleanField(_l("Delegations may register, each through its head or a focal point"))
    delegation_max_size = IntegerField(
        _l("Members per delegation"),
        validators=[Optional(), NumberRange(min=1, max=10_000)],
        description=_l("Head included. Leave empty for no limit."),
    )
    delegation_deadline = DateTimeLocalField(
        _l("Delegations may change members until"),
        validators=[Optional()],
        description=_l("Empty: until registration closes."),
    )
    delegation_countries = SelectMultipleField(
        _l("Countries that may send a delegation"),
        validators=[Optional()],
        description=_l("None chosen: any country. Focal points you invite by e-mail may register whatever this says."),
    )
    delegation_organisation_ids = SelectMultipleField(
        _l("Organisations that may send a delegation"),
        coerce=int,
        validators=[Optional()],
        description=_l("None chosen: any organisation."),
    )
    registration_opens = DateTimeLocalField(_l("Registration opens"), validators=[Optional()])
    registration_closes = DateTimeLocalField(_l("Registration closes"), validators=[Optional()])
    fee = DecimalField(_l("Fee"), places=2, validators=[Optional()], description=_l("0 or empty: free."))
    currency = SelectField(_l("Currency"), default="EUR")
    languages = CheckboxesField(_l("Working languages"), validators=[Optional()])
    publish_participant_list = BooleanField(_l("Publish the list of participants who agree to be listed"))
    reminder_early = IntegerField(
        _l("First reminder before the start"),
        validators=[Optional()],
        default=1,
        description=_l("Empty: no reminder."),
    )
    reminder_early_unit = SelectField(_l("Unit of the first reminder"), default="days")
    reminder_late = IntegerField(
        _l("Second reminder before the start"),
        validators=[Optional()],
        default=1,
        description=_l("Online delegates' reminders carry the join link."),
    )
    reminder_late_unit = SelectField(_l("Unit of the second reminder"), default="hours")
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    recording_url = URLField(
        _l("Recording"),
        validators=[Optional(), URL(), Length(max=1000)],
        description=_l("After the event: a link to its recording."),
    )
    version = HiddenField()

    def __init__(self, *args, series_choices=(), organisation_choices=(), event: Event | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.delegation_countries.choices = locales.country_choices()
        self.delegation_organisation_ids.choices = [(o.id, o.display_name) for o in organisation_choices]
        self.series_id.choices = [("", _l("(none)"))] + [(s.id, s.title) for s in series_choices]
        # An event keeps a zone or currency it was saved with even when the lists no longer offer it.
        self.timezone.choices = locales.grouped_timezone_choices(keep=event.timezone if event else None)
        self.venue_country.choices = [("", _l("(none)"))] + locales.country_choices()
        self.currency.choices = locales.currency_choices(keep=event.currency if event else None)
        self.languages.choices = locales.language_choices()
        self.languages.usual = locales.FIRST_LANGUAGES  # shown first; the rest one click away
        units = [("hours", _l("hours")), ("days", _l("days"))]
        if event is not None and any(
            (getattr(event, attr) or 0) % 60 for attr in REMINDER_FIELDS.values()
        ):  # saved in minutes before reminders were asked in hours or days
            units.insert(0, ("minutes", _l("minutes")))
        self.reminder_early_unit.choices = self.reminder_late_unit.choices = units
        self._event = event

    def _is_event_field(self, name: str) -> bool:
        """Whether the form's field is one of the event's own columns, entered as it is stored."""
        return (
            name not in LOCAL_TIME_FIELDS
            and name not in REMINDER_FIELDS
            and name not in NOT_EVENT_FIELDS
            and name not in self.translation_field_names
        )

    def browser_zone_fallback(self) -> None:
        """Let the page's script choose the browser's zone, when the server knows none better (no script: UTC)."""
        self.timezone.render_kw = {
            "data-browser-zone": "",
            "data-zone-aliases": json.dumps(locales.timezone_aliases(), separators=(",", ":")),
        }

    def fill_from(self, event: Event) -> None:
        """Show an event's stored values, with times in its own zone."""
        for name in self._fields:
            if self._is_event_field(name):
                self[name].data = getattr(event, name)
        self.fill_translations(event)
        for name, attr in LOCAL_TIME_FIELDS.items():
            value = getattr(event, attr)
            self[name].data = value.astimezone(event.tz).replace(tzinfo=None) if value else None
        for name, attr in REMINDER_FIELDS.items():
            self[name].data, self[f"{name}_unit"].data = _in_largest_unit(getattr(event, attr))
        self.version.data = event.version

    def event_data(self) -> dict:
        """The submitted values as model fields, times converted to UTC, texts in other languages as `translations`."""
        data = {name: field.data for name, field in self._fields.items() if self._is_event_field(name)}
        data["original_language"] = self.original_language.chosen()
        data["translations"] = self.translations_data()
        for name, attr in REMINDER_FIELDS.items():
            amount, unit = self[name].data, self[f"{name}_unit"].data
            data[attr] = amount * REMINDER_UNITS.get(unit, 1) if amount is not None else None
        zone = ZoneInfo(self.timezone.data) if locales.is_timezone(self.timezone.data or "") else None
        for name, attr in LOCAL_TIME_FIELDS.items():
            value: datetime | None = self[name].data
            data[attr] = value.replace(tzinfo=zone) if value and zone else None
        return data

    def validate(self, extra_validators=None) -> bool:
        """Field checks first, then the event rules, each message at its field."""
        valid = super().validate(extra_validators)
        for field, message in event_rule_errors(self.event_data(), getattr(self, "_event", None)).items():
            form_field = self[FORM_FIELD_OF.get(field, field)]
            if message not in form_field.errors:
                form_field.errors = list(form_field.errors) + [message]
            valid = False
        return valid


def add_language_fields(languages) -> None:
    """Give the event form the title and description in each of the interface's languages."""
    add_translation_fields(EventForm, Event.TRANSLATED, languages)


def _in_largest_unit(minutes: int | None) -> tuple[int | None, str]:
    """A reminder's minutes as the form shows them: (2, 'days'), (5, 'hours'), or (90, 'minutes') for what neither
    divides."""
    if minutes is None:
        return None, "hours"
    for unit in ("days", "hours"):
        if minutes % REMINDER_UNITS[unit] == 0:
            return minutes // REMINDER_UNITS[unit], unit
    return minutes, "minutes"


class CancelForm(Form):
    reason = TextAreaField(_l("Reason, shown on the event page"), validators=[Optional(), Length(max=2000)])


class SeriesForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=100)],
        description=_l("The last part of /series/…; made from the title when left empty."),
    )
    description = TextAreaField(_l("Description"), description=_l("Markdown."))


class EventOrganisationForm(Form):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=select_choices(ORGANISATION_ROLES))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [(o.id, o.display_name) for o in organisations]


class GrantRoleForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("We send this address an invitation; the role starts when its account accepts it."),
    )
    role = SelectField(_l("Role"), choices=select_choices(EVENT_ROLES))
