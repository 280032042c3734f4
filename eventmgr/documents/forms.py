"""Forms of the outcome-document editor."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eventmgr import locales
from eventmgr.documents.models import DOCUMENT_KINDS
from eventmgr.forms import Form, select_choices


class DocumentForm(Form):
    kind = SelectField(_l("Kind"), choices=select_choices({kind: _l(label) for kind, label in DOCUMENT_KINDS.items()}))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    reference = StringField(
        _l("Reference code"),
        validators=[Optional(), Length(max=80)],
        description=_l("Printed in the footer of every page, e.g. JEU/2012/REC/1."),
    )
    language = SelectField(_l("Language"))
    translation_of_id = SelectField(
        _l("Language version of"),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        description=_l(
            "The same text in another language, if there is one: the pages and PDFs of its language versions "
            "link to each other."
        ),
    )
    place = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=200)],
        description=_l("Filled in from the event when left empty."),
    )
    dates = StringField(
        _l("Dates"),
        validators=[Optional(), Length(max=120)],
        description=_l("Filled in from the event when left empty."),
    )

    def __init__(self, *args, documents=(), document=None, **kwargs):
        """`documents`: the event's documents, of which the one being edited (`document`) may be a version."""
        super().__init__(*args, **kwargs)
        self.language.choices = select_choices(locales.language_choices())
        others = [other for other in documents if other is not document]
        self.translation_of_id.choices = [("", _l("None: an original text"))] + [
            (other.id, f"{other.title} · {locales.language_name(other.language)}") for other in others
        ]

    def document_data(self) -> dict:
        names = ("kind", "title", "reference", "language", "translation_of_id", "place", "dates")
        return {name: self[name].data for name in names}


class SectionForm(Form):
    heading = StringField(
        _l("Section heading"),
        validators=[Length(max=300)],
        description=_l("Without its number, which is added automatically."),
    )
    position = IntegerField(validators=[Optional()])


class ParagraphForm(Form):
    numbered = BooleanField(_l("Numbered paragraph"), default=True)
    lead = StringField(_l("Lead sentence (printed in bold)"), validators=[Optional(), Length(max=2000)])
    body = TextAreaField(
        _l("Text"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Markdown: *italic*, **bold**; a blank line starts a new paragraph."),
    )
    items = TextAreaField(
        _l("Lettered items"),
        validators=[Optional(), Length(max=20000)],
        description=_l("One per line; they are lettered (a), (b) … automatically."),
    )
    position = IntegerField(validators=[Optional()])
    #: When the editor loaded the paragraph, to refuse overwriting a colleague's newer text.
    seen_at = HiddenField()

    def paragraph_data(self) -> dict:
        return {
            "numbered": self.numbered.data,
            "lead": self.lead.data,
            "body": self.body.data,
            "items": (self.items.data or "").splitlines(),
        }


class ImportForm(Form):
    text = TextAreaField(
        _l("Paste the text"),
        validators=[Optional(), Length(max=500_000)],
        description=_l('Headings like "2. Lessons learned", paragraphs starting "(1)", items "(a)"; Markdown is fine.'),
    )
    file = FileField(_l("Or a Word file (.docx)"))
    replace = BooleanField(_l("Replace the current text"), default=True)


class CommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])


class PublishForm(Form):
    note = StringField(
        _l("What this version changes"),
        validators=[Optional(), Length(max=500)],
        description=_l("Required for a correction; shown with the list of versions."),
    )
    accept_unresolved = BooleanField(_l("Publish although review comments are unresolved"))


class MoveForm(Form):
    direction = SelectField(choices=select_choices({"up": "up", "down": "down"}), validators=[DataRequired()])


class LetterSettingsForm(Form):
    letterhead = StringField(
        _l("Letterhead"),
        validators=[Optional(), Length(max=300)],
        description=_l("The issuing body; the hosts are named when left empty."),
    )
    letterhead_address = TextAreaField(
        _l("Address and contacts under the letterhead"), validators=[Optional(), Length(max=1000)]
    )
    signatory_name = StringField(_l("Signatory"), validators=[Optional(), Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[Optional(), Length(max=300)])
