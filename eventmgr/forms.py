"""Forms shared by every feature, and the checks every form makes at the boundary.

Every form of the app derives from `Form` (or `SubForm` when nested in another), which holds each field to
what the database and the files made from it can take, whatever the field's own validators say:

- text loses the control characters XML cannot hold (they would break the .docx export and the PDFs);
- a one-line field (a title, a name, a mail subject) refuses line breaks, which would split a mail header;
- text has a maximum length: the field's own Length, else MAX_LINE or MAX_TEXT characters;
- a whole number fits a database integer; an amount of money is finite and fits its column;
- a date or time lies between the years MIN_YEAR and MAX_YEAR, so converting it between zones cannot overflow.

Every select draws its options once for each list of choices and language (KeptOptionsSelect): a registration form
offers some 250 countries and the organisation directory, and drawing them took most of the form's time.
"""

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from babel import support
from flask import current_app, flash
from flask_babel import format_number, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Form as PlainForm
from wtforms import validators as wtf_validators
from wtforms.fields import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import Choice, SelectChoice, SelectFieldBase
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation
from wtforms.widgets import HiddenInput, Select, TextArea, html_params

from eventmgr.fragments import kept
from eventmgr.languages import autonym, current_language, interface_languages, language_switcher
from eventmgr.limits import MAX_ID, xml_safe

#: The longest text a one-line field takes when it names no length of its own.
MAX_LINE = 300
#: The longest text a multi-line field takes when it names no length of its own.
MAX_TEXT = 20_000
#: The largest whole number a form takes: a database INTEGER's.
MAX_INTEGER = MAX_ID
#: The largest amount of money a form takes: what a NUMERIC(10, 2) column holds.
MAX_AMOUNT = Decimal("99999999.99")
MIN_YEAR, MAX_YEAR = 1900, 2200


def _declared_max_length(field) -> int | None:
    lengths = [v.max for v in field.validators if isinstance(v, wtf_validators.Length) and v.max not in (None, -1)]
    return min(lengths) if lengths else None


def _text_check(limit: int | None, one_line: bool):
    def check(form, field):
        if not isinstance(field.data, str):
            return
        field.data = xml_safe(field.data)
        if one_line and ("\n" in field.data or "\r" in field.data):
            raise StopValidation(_l("Write this on one line."))
        if limit is not None and len(field.data) > limit:
            raise StopValidation(_l("At most %(max)d characters.", max=limit))

    return check


def _integer_check(form, field):
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    if any(isinstance(value, int) and not -MAX_INTEGER <= value <= MAX_INTEGER for value in values):
        field.data = [] if isinstance(field.data, list | tuple) else None  # nothing after this may look it up
        raise StopValidation(_l("Enter a number between %(min)d and %(max)d.", min=-MAX_INTEGER, max=MAX_INTEGER))


def _amount_check(form, field):
    value = field.data
    if value is None:
        return
    if not Decimal(value).is_finite():
        field.data = None
        raise StopValidation(_l("Enter a number."))
    if abs(Decimal(value)) > MAX_AMOUNT:
        raise StopValidation(_l("Enter an amount up to %(max)s.", max=format_number(MAX_AMOUNT)))


def _year_check(form, field):
    value = field.data
    if value is not None and hasattr(value, "year") and not MIN_YEAR <= value.year <= MAX_YEAR:
        field.data = None
        raise StopValidation(_l("Enter a date between the years %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR))


def boundary_checks(field) -> list:
    """The checks a field makes before its own: what the database and the files made from it can take."""
    if isinstance(field, IntegerField | SelectFieldBase):  # a select's coerced value may be an id
        return [_integer_check]
    if isinstance(field, DecimalField | FloatField):
        return [_amount_check]
    if isinstance(field, DateField | DateTimeField | DateTimeLocalField):
        return [_year_check]
    if isinstance(field, StringField) and not isinstance(field, PasswordField):
        multiline = isinstance(field.widget, TextArea)
        declared = _declared_max_length(field)
        return [_text_check(None if declared else MAX_TEXT if multiline else MAX_LINE, one_line=not multiline)]
    return []


class KeptOptionsSelect(Select):
    """wtforms' select, its options drawn once for each list of choices and language and kept (eventmgr.fragments);
    at each drawing only the chosen option is drawn again. Option groups and multiple choice are drawn as wtforms
    draws them."""

    def __call__(self, field, **kwargs):
        pairs = self._plain_pairs(field.choices() if callable(field.choices) else field.choices)
        if self.multiple or pairs is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if flag not in kwargs and getattr(field.flags, flag, False):
                kwargs[flag] = True
        options = kept(("select options", pairs), lambda: [self._option(value, label, False) for value, label in pairs])
        drawn = [
            self._option(value, label, True) if field.coerce(value) == field.data else option
            for (value, label), option in zip(pairs, options, strict=True)
        ]
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{''.join(drawn)}</select>")  # noqa: S704

    @staticmethod
    def _plain_pairs(choices) -> tuple | None:
        """The choices as (value, label text) pairs; None when some are more (grouped, with attributes of their own)."""
        pairs = []
        for choice in choices or ():
            if isinstance(choice, SelectChoice) and not choice.render_kw and choice.optgroup is None:
                pairs.append((choice.value, choice.label if choice.label is None else str(choice.label)))
            elif isinstance(choice, tuple) and len(choice) == 2 and not isinstance(choice[1], dict | list | tuple):
                pairs.append((choice[0], choice[1] if choice[1] is None else str(choice[1])))
            else:
                return None
        return tuple(pairs)

    def _option(self, value, label: str | None, selected: bool) -> str:
        return str(self.render_option(Choice(value, label, selected, {})))


#: The one select widget every single-choice select field of the app's forms draws with.
KEPT_OPTIONS_SELECT = KeptOptionsSelect()


class BoundaryChecks:
    """Put the boundary checks first in every field's validators: they stop the chain, so neither the field's
    own validators nor the form's `validate_<field>` methods ever see a value the database cannot take. Every
    plain select draws its options with KEPT_OPTIONS_SELECT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self._fields.values():
            field.validators = [*boundary_checks(field), *field.validators]
            if type(field.widget) is Select and not field.widget.multiple:
                field.widget = KEPT_OPTIONS_SELECT


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid choice.") in the reader's language, as Flask-WTF gives them, but with
    each language's catalogue read once: Flask-WTF reads it from disk again in every request that builds a form
    with a field it names itself (every registration does)."""

    def gettext(self, string):
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular, plural, n):
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_wtforms_messages = _WTFormsMessages()


class Form(BoundaryChecks, FlaskForm):
    """The base of every form the app shows: CSRF-protected, with the boundary checks, WTForms' own messages in the
    reader's language."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_messages

    def hidden_tag(self, *fields):
        """The form's hidden fields (its CSRF token among them), without ids: a page holds many forms of one kind (a
        button each), an id may be given only once (WCAG 2.1, 4.1.1), and nothing points at a hidden field.

        Drawn once for each form and choice of fields: an editor's page draws one form's buttons hundreds of times."""
        drawn = self.__dict__.setdefault("_hidden_tags", {})
        if fields not in drawn:
            chosen = (getattr(self, f, None) if isinstance(f, str) else f for f in (fields or self))
            drawn[fields] = Markup("\n").join(
                f(id=False) for f in chosen if f is not None and isinstance(f.widget, HiddenInput)
            )
        return drawn[fields]


class SubForm(BoundaryChecks, PlainForm):
    """The base of a form nested in another (a FormField): the boundary checks, no token of its own."""


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


class ConfirmForm(Form):
    """A form with only the CSRF token, for buttons that change state (publish, delete, approve)."""


# --- Content in more than one language -------------------------------------------------------------------------


class LanguageField(SelectField):
    """The language a text is written in: one of the interface's, each named in itself (English, Русский); the
    reader's own language unless the form says otherwise."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", current_language)
        super().__init__(label, validators, choices=language_switcher, **kwargs)

    def chosen(self) -> str | None:
        """The language the submitted form chose; None when it sent none (a client that knows no such field), which
        services read as "unchanged", or for something new, the language being written in."""
        return self.data if self.raw_data else None

    def pre_validate(self, form) -> None:
        if self.raw_data:
            super().pre_validate(form)


def translation_field_name(field: str, language: str) -> str:
    """The form's field for a text in another language: 'title_ru'."""
    return f"{field}_{language}"


def add_translation_fields(form_class, translated: dict[str, int], languages: Iterable[str]) -> None:
    """Give `form_class` a field `<field>_<language>` for each of its fields in `translated` (a model's TRANSLATED,
    {field: longest length}) in each language: the same kind of input and label, optional, at most as long.

    Called when an app is set up, since its LANGUAGES say which languages there are; adding them again does nothing.
    """
    names = [name for name in translated if hasattr(form_class, name)]
    added = set(form_class.translation_field_names)
    for language in languages:
        for name in names:
            field_name = translation_field_name(name, language)
            added.add(field_name)
            if field_name in vars(form_class):
                continue
            original = getattr(form_class, name)  # an UnboundField: its class and the arguments it was declared with
            label = original.kwargs.get("label", original.args[0] if original.args else name)
            setattr(
                form_class,
                field_name,
                original.field_class(
                    # "Title (Русский)": a label of its own, for voice control and whoever reads it out of its fieldset.
                    _l("%(field)s (%(language)s)", field=label, language=autonym(language)),
                    validators=[wtf_validators.Optional(), wtf_validators.Length(max=translated[name])],
                    render_kw={"lang": language},
                ),
            )
    form_class.translated_fields = tuple(names)
    form_class.translation_field_names = frozenset(added)
    _forget_fields(form_class)


def _forget_fields(form_class) -> None:
    """Make WTForms read the fields of the class and of its subclasses again (each keeps its own list once used)."""
    form_class._unbound_fields = None
    for subclass in form_class.__subclasses__():
        _forget_fields(subclass)


class Translations:
    """A form with texts in other languages than the original (see add_translation_fields): fill them from a
    model's stored translations, show them by language, and hand them to a service as `translations`."""

    #: The model's fields the form has in other languages; set by add_translation_fields.
    translated_fields: tuple[str, ...] = ()
    #: The names of those fields, in every language they were added in.
    translation_field_names: frozenset[str] = frozenset()

    def _translation_fields(self, language: str) -> dict:
        """{model field: the form's field for it in `language`}."""
        names = {name: translation_field_name(name, language) for name in self.translated_fields}
        return {name: self[field_name] for name, field_name in names.items() if field_name in self}

    def translation_fieldsets(self, leave_out: str | None = None) -> list[tuple[str, str, list]]:
        """(code, the language's name in itself, its fields) of every interface language but `leave_out`."""
        return [
            (code, name, list(fields.values()))
            for code, name in language_switcher()
            if code != leave_out and (fields := self._translation_fields(code))
        ]

    def fill_translations(self, obj) -> None:
        """Show what `obj` keeps in each other language (never the original's text, nor a fallback to it)."""
        for code in interface_languages():
            stored = (obj.translations or {}).get(code) or {}
            for name, field in self._translation_fields(code).items():
                field.data = "" if code == obj.original_language else stored.get(name, "")

    def translations_data(self) -> dict[str, dict[str, str]]:
        """{language: {field: text}} as typed, for every interface language (the service leaves out the original's)."""
        typed = {}
        for code in interface_languages():
            fields = self._translation_fields(code)
            if fields:
                typed[code] = {name: field.data or "" for name, field in fields.items()}
        return typed
