"""Forms for a person's profile, alone or inside the forms that add someone to a programme."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, ValidationError

from eventmgr import locales
from eventmgr.forms import Form, LanguageField, SubForm, Translations, add_translation_fields
from eventmgr.organisations.services import directory
from eventmgr.people.models import HONORIFIC_LABELS, Person
from eventmgr.people.photos import MAX_BYTES
from eventmgr.people.services import PERSON_FIELDS, links_text


def optional_int(value):
    """Coerce a select's value to an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class PersonFields(SubForm):
    """A person's details; used on its own (PersonForm) and nested in the participant and featured forms."""

    honorific = SelectField(_l("Honorific"), validators=[Optional()])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    position = StringField(
        _l("Position"),
        validators=[Optional(), Length(max=300)],
        description=_l("E.g. Programme Manager, Transnational Threats Department."),
    )
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validate_choice=False)
    organisation_name = StringField(
        _l("Organisation, if not in the directory"), validators=[Optional(), Length(max=300)]
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Private: used to recognise the person again, never shown publicly."),
    )
    bio = TextAreaField(
        _l("Bio"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Markdown: blank lines between paragraphs, **bold**, lists, links."),
    )
    links = TextAreaField(
        _l("Links"),
        validators=[Optional(), Length(max=3000)],
        description=_l("One per line: the address, then a label if you like, e.g. https://www.osce.org OSCE profile."),
    )
    photo = FileField(
        _l("Photo"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
        description=_l(
            "JPEG, PNG or WebP, at most %(mb)d MB. It is re-encoded and its metadata "
            "(such as the place it was taken) removed.",
            mb=MAX_BYTES // (1024 * 1024),
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.honorific.choices = [("", _l("(none)"))] + list(HONORIFIC_LABELS.items())
        self.organisation_id.choices = [("", _l("(none or not in the directory)"))] + [
            (o.id, o.display_name) for o in directory(current_user)
        ]
        self.country.choices = [("", _l("(none)"))] + locales.country_choices()

    def validate_organisation_id(self, field) -> None:
        if field.data is not None and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an organisation from the list."))

    def person_data(self) -> dict:
        """The submitted details as the people services take them."""
        return {name: self[name].data for name in PERSON_FIELDS if name in self}

    def uploaded_photo(self):
        """The uploaded file, or None when no file was chosen."""
        upload = self.photo.data
        return upload if upload is not None and getattr(upload, "filename", "") else None

    def is_filled(self) -> bool:
        """Whether the user typed anything that describes a new person."""
        return (
            any(
                (self[name].data or "")
                for name in ("full_name", "position", "organisation_name", "email", "bio", "links")
            )
            or self.uploaded_photo() is not None
        )


class PersonForm(Translations, PersonFields, Form):
    """Edit a person's profile; position and bio in the language they are written in, and in others."""

    original_language = LanguageField(
        _l("Written in"), description=_l("The language of the position and the bio above; others go below.")
    )
    remove_photo = BooleanField(_l("Remove the photo"))

    def person_data(self) -> dict:
        """The submitted details as the people services take them, with the texts in other languages."""
        return super().person_data() | {
            "original_language": self.original_language.chosen(),
            "translations": self.translations_data(),
        }

    def fill_from(self, person) -> None:
        for name in (
            "honorific",
            "full_name",
            "position",
            "organisation_id",
            "organisation_name",
            "country",
            "email",
            "bio",
        ):
            if name in self:
                self[name].data = getattr(person, name)
        self.links.data = links_text(person.links)
        self.original_language.data = person.original_language
        self.fill_translations(person)


def add_language_fields(languages) -> None:
    """Give the profile forms the position and bio in each of the interface's languages."""
    add_translation_fields(PersonForm, Person.TRANSLATED, languages)


class OwnProfileForm(PersonForm):
    """The person's own changes through their link: everything but the address organisers know them by."""

    email = None


class MergeForm(Form):
    kept_id = SelectField(_l("Keep this person"), coerce=optional_int, validate_choice=False)
    duplicate_id = SelectField(_l("Merge this duplicate into them"), coerce=optional_int, validate_choice=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _l("(choose)"))] + [(p.id, f"{p.display_name} · {p.affiliation} · #{p.id}") for p in people]
        self.kept_id.choices = choices
        self.duplicate_id.choices = choices
