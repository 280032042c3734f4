"""The registration form (with the event's own questions) and the organiser's desk forms."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventmgr import locales
from eventmgr.events.models import ATTENDANCE_MODES, CHECK_IN_OPENS_HOURS
from eventmgr.extensions import db
from eventmgr.forms import Form, SubForm, select_choices
from eventmgr.languages import current_language, interface_languages, language_switcher
from eventmgr.organisations.models import Organisation
from eventmgr.organisations.permissions import can_find_organisation
from eventmgr.organisations.services import directory
from eventmgr.people.models import HONORIFIC_LABELS
from eventmgr.registration.models import QUESTION_KINDS, REGISTRATION_STATUSES

#: The most member rows the delegation's form shows (a larger delegation adds members through its link).
MAX_MEMBER_ROWS = 60


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DelegateForm(Form):
    """The delegate's own details; the event's questions are added per event by `delegate_form`."""

    honorific = SelectField(_lp("form of address", "Title"), validators=[Optional()])
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=120)])
    family_name = StringField(_l("Family name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("Your confirmation and private link are sent here."),
    )
    position = StringField(_l("Position"), validators=[Optional(), Length(max=300)])
    organisation_id = SelectField(
        _l("Organisation"),
        coerce=lambda v: int(v) if v else None,
        validate_choice=False,
        description=_l("Choose yours, or name it below if it is not in the list."),
    )
    organisation_name = StringField(_l("Organisation not in the list"), validators=[Optional(), Length(max=300)])
    country = SelectField(_l("Country"), validators=[DataRequired(_l("Choose your country."))], validate_choice=False)
    delegation = StringField(
        _l("Delegation"),
        validators=[Optional(), Length(max=300)],
        description=_l("The country or organisation you represent, if not your own."),
    )
    attendance_mode = RadioField(
        _l("How you attend"),
        validators=[Optional()],
        validate_choice=False,
        description=_l("In the room, or online through the link we send you."),
    )
    needs_visa_letter = BooleanField(_l("I need a visa support letter"))
    accessibility_needs = TextAreaField(_l("Accessibility needs"), validators=[Optional(), Length(max=2000)])
    dietary_needs = StringField(_l("Dietary needs"), validators=[Optional(), Length(max=300)])
    interpretation_language = SelectField(_l("Interpretation into"), validators=[Optional()])
    list_publicly = BooleanField(_l("List my name, organisation and country in the published list of participants"))

    def __init__(self, *args, event=None, organisations=None, **kwargs):
        """`organisations`: the directory to offer; when None, it is read only if the form is drawn (a
        registration that goes through never reads it)."""
        super().__init__(*args, **kwargs)
        # A registration keeps the organisation it has, even one the reader may not find.
        self._kept_organisation_id = getattr(kwargs.get("obj"), "organisation_id", None)
        self.honorific.choices = [("", "—")] + list(HONORIFIC_LABELS.items())
        self.organisation_id.choices = lambda: (
            [("", _l("(not in the list)"))]
            + [(o.id, o.display_name) for o in (organisations if organisations is not None else _directory())]
        )
        self.country.choices = lambda: [("", _l("Choose…"))] + locales.country_choices()
        modes = event.modes if event is not None else ()
        labels = {"in_person": _l("In person"), "online": _l("Online")}
        self.attendance_mode.choices = [(mode, labels[mode]) for mode in modes]
        if event is not None and self.attendance_mode.data is None and len(modes) == 1:
            self.attendance_mode.data = modes[0]
        languages = (event.languages if event is not None else None) or []
        self.interpretation_language.choices = [("", _l("None needed"))] + [
            (code, locales.language_name(code)) for code in languages
        ]

    def validate_organisation_id(self, field):
        organisation = db.session.get(Organisation, field.data) if field.data is not None else None
        if field.data is not None and (
            organisation is None
            or not can_find_organisation(current_user, organisation)
            and organisation.id != self._kept_organisation_id
        ):
            raise ValidationError(_l("Choose an organisation from the list."))

    def validate_country(self, field):
        if field.data not in locales.country_codes():
            raise ValidationError(_l("Choose your country."))

    def answers(self) -> dict:
        return {name[2:]: field.data for name, field in self._fields.items() if name.startswith("q_")}

    def delegate_data(self) -> dict:
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "consent", "website", "offer_code") and not name.startswith("q_")
        }
        for key in ("honorific", "interpretation_language", "attendance_mode"):
            data[key] = data.get(key) or None
        data["answers"] = self.answers()
        return data


def _directory() -> list[Organisation]:
    """The organisations a delegate may choose: those anyone may find (never another organiser's private ones)."""
    return directory(current_user)


class RegistrationForm(DelegateForm):
    offer_code = StringField(_l("Offer code"), validators=[Optional(), Length(max=40)])
    consent = BooleanField(
        _l("I agree that the organisers process my data to run this event"),
        validators=[DataRequired(_l("We cannot register you without this consent."))],
    )
    #: A honeypot: hidden from people by CSS, filled in by bots.
    website = StringField(_l("Leave this empty"), validators=[Optional()])
    #: The token of the invitation whose link opened the form; it fixes the address. (Its label, never shown, is
    #: given so that WTForms does not translate one from the field's name for every form made.)
    invitation = HiddenField("invitation", validators=[Optional(), Length(max=64)])


def with_questions(form_class, questions):
    """A subclass of the form with one field per question of the event (and the questions as `questions`)."""

    class Form(form_class):
        pass

    Form.questions = questions

    for question in questions:
        validators = [DataRequired(_l("Please answer this question."))] if question.required else [Optional()]
        label, help_text = question.label, question.help_text or ""
        if question.kind == "short_text":
            field = StringField(label, validators=validators + [Length(max=500)], description=help_text)
        elif question.kind == "long_text":
            field = TextAreaField(label, validators=validators + [Length(max=5000)], description=help_text)
        elif question.kind == "single_choice":
            field = RadioField(
                label,
                choices=select_choices((o, o) for o in question.options),
                validators=validators,
                description=help_text,
            )
        elif question.kind == "multiple_choice":
            field = MultiCheckboxField(
                label,
                choices=select_choices((o, o) for o in question.options),
                validators=validators,
                description=help_text,
            )
        else:
            field = RadioField(
                label,
                choices=select_choices({"yes": _l("Yes"), "no": _l("No")}),
                validators=validators,
                description=help_text,
            )
        setattr(Form, f"q_{question.id}", field)
    return Form


class ResendLinkForm(Form):
    email = EmailField(_l("E-mail you registered with"), validators=[DataRequired(), Email(check_deliverability=False)])


class QuestionForm(Form):
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=500)])
    help_text = StringField(_l("Help text"), validators=[Optional(), Length(max=500)])
    kind = SelectField(_l("Kind of answer"), choices=select_choices(QUESTION_KINDS))
    options = TextAreaField(
        _l("Choices, one per line"),
        validators=[Optional()],
        description=_l("For single and multiple choice questions."),
    )
    required = BooleanField(_l("An answer is required"))


class OfferCodeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    discount_kind = SelectField(
        _l("Discount"), choices=select_choices({"percent": _l("Percent"), "fixed": _l("Fixed amount")})
    )
    discount = DecimalField(_l("Amount"), places=2, validators=[DataRequired()])
    max_uses = IntegerField(_l("Uses allowed"), validators=[Optional()], description=_l("Empty: no limit."))
    valid_from = DateTimeLocalField(_l("Valid from"), validators=[Optional()])
    valid_until = DateTimeLocalField(_l("Valid until"), validators=[Optional()])
    email = EmailField(
        _l("Personal to"),
        validators=[Optional(), Email(check_deliverability=False)],
        description=_l("Only this address may use the code."),
    )


class InviteForm(Form):
    emails = TextAreaField(
        _l("Addresses to invite"),
        validators=[Optional()],
        description=_l("One per line, optionally followed by a comma and the name."),
    )
    csv_file = FileField(
        _l("…or a CSV file"),
        validators=[Optional(), FileAllowed(["csv", "txt"], _l("A CSV file."))],
        description=_l("Columns: email, name (a header row is fine)."),
    )


class CapacityForm(Form):
    """Seats in the room and places online: each of the event's modes has its own (and its own waiting list)."""

    capacity = IntegerField(
        _l("Seats in the room"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Empty: no limit. Raising it moves the waiting list up."),
    )
    online_capacity = IntegerField(
        _l("Places online"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Empty: no limit. Raising it moves the online waiting list up."),
    )

    #: The field of each attendance mode.
    FIELDS = {"in_person": "capacity", "online": "online_capacity"}


class DecisionForm(Form):
    message = TextAreaField(
        _l("Message to the delegate (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Sent in the mail that tells them the decision."),
    )
    #: Set by the button pressed when the delegate's mode is full: "raise" the capacity, or "waitlist".
    when_full = HiddenField(validators=[Optional(), Length(max=16)])


class PaymentForm(Form):
    amount = DecimalField(
        _l("Amount received"), places=2, validators=[DataRequired(), NumberRange(min=0.01, max=99_999_999)]
    )
    method = StringField(_l("Method"), validators=[Optional(), Length(max=60)])
    reference = StringField(_lp("payment", "Reference"), validators=[Optional(), Length(max=200)])
    send_receipt = BooleanField(_l("E-mail the delegate a receipt (PDF)"), default=True)


class PaymentSettingsForm(Form):
    """How the event's delegates pay, by when, and who invoices them."""

    beneficiary = StringField(
        _l("Beneficiary"), validators=[Optional(), Length(max=200)], description=_l("The account holder's name.")
    )
    bank_name = StringField(
        _l("Bank"),
        validators=[Optional(), Length(max=300)],
        description=_l("The bank's name and, if payers need it, its address."),
    )
    account = StringField(
        _l("IBAN or account number"),
        validators=[Optional(), Length(max=64)],
        description=_l("Delegates see payment instructions once this is set."),
    )
    swift_bic = StringField(_l("SWIFT/BIC"), validators=[Optional(), Length(max=11)])
    note = TextAreaField(
        _l("Other instructions"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For example: bank charges are paid by the sender."),
    )
    deadline_at = DateTimeLocalField(_l("Pay by"), validators=[Optional()])
    days_to_pay = IntegerField(
        _l("Days to pay after the seat is confirmed"),
        validators=[Optional(), NumberRange(min=1, max=365)],
        description=_l("Each delegate's deadline is the earlier of the two; leave one empty to use the other."),
    )
    reminder_days = IntegerField(
        _l("Remind unpaid delegates this many days before their deadline"),
        validators=[Optional(), NumberRange(min=1, max=60)],
        description=_l("Once, by e-mail, to confirmed delegates who have not paid in full. Empty: no reminder."),
    )
    legal_name = StringField(
        _l("Legal name of the organiser"),
        validators=[Optional(), Length(max=300)],
        description=_l("Printed on invoices and receipts; delegates can download an invoice once it is set."),
    )
    legal_address = TextAreaField(_l("Legal address"), validators=[Optional(), Length(max=1000)])
    tax_number = StringField(_l("Tax or registration number"), validators=[Optional(), Length(max=64)])

    def validate_deadline_at(self, field):
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Give a date between 2000 and 2100."))


class AnnouncementForm(Form):
    """One form: the audience, the message (in the language chosen, and optionally in the interface's other
    languages), then a preview and an explicit confirmation of whom it goes to.

    Made for the configured languages by `announcement_form`, which adds `subject_<code>` and `body_<code>`."""

    status = SelectField(
        _lp("recipients", "To"),
        validators=[Optional()],
        description=_l("Everyone registered: pending, confirmed and on the waiting list."),
    )
    country = SelectField(_l("Delegates from"), validators=[Optional()])
    mode = SelectField(_l("Attending"), validators=[Optional()])
    language = SelectField(
        _l("Written in"),
        validators=[Optional()],
        default=current_language,
        description=_l(
            "Each registrant gets the message in the language they registered in when you write it in "
            "that language too, otherwise in this one."
        ),
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20000)])
    #: Who the organiser saw in the preview and confirms (desk.audience_key), and the text they saw.
    audience_key = HiddenField(validators=[Optional(), Length(max=64)])
    content_key = HiddenField(validators=[Optional(), Length(max=64)])
    #: The interface languages, each with a subject and a message of its own (set by announcement_form).
    languages: tuple[str, ...] = ()

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = select_choices([("", _l("Everyone registered"))] + list(REGISTRATION_STATUSES.items()))
        self.country.choices = select_choices([("", _l("Any country"))] + locales.country_choices())
        self.mode.choices = select_choices(
            [("", _l("In person or online"))] + [(mode, ATTENDANCE_MODES[mode]) for mode in event.modes]
        )
        self.language.choices = language_switcher()
        if self.language.data not in self.languages:
            self.language.data = current_language()
        for code in self.languages:
            name = locales.language_name(code)
            self[f"subject_{code}"].label.text = _("Subject in %(language)s", language=name)
            self[f"body_{code}"].label.text = _("Message in %(language)s", language=name)

    def audience_filters(self) -> dict:
        """The chosen filters, as desk.audience takes them."""
        return {name: self[name].data or None for name in ("status", "country", "mode")}

    def versions(self) -> list[tuple[str, str, object, object]]:
        """(code, name, subject field, body field) of each language the message may also be written in, the one it
        is written in too (shown hidden, for the script that swaps them when the language chosen changes)."""
        return [
            (code, locales.language_name(code), self[f"subject_{code}"], self[f"body_{code}"])
            for code in self.languages
        ]

    def translations(self) -> dict[str, dict]:
        """{code: {"subject", "body"}} of the other languages the message is written in, as desk.announce takes
        them."""
        return {
            code: {"subject": self[f"subject_{code}"].data or "", "body": self[f"body_{code}"].data or ""}
            for code in self.languages
            if code != self.language.data
        }


def announcement_form(event, **kwargs) -> AnnouncementForm:
    """The announcement form with a subject and a message for each interface language."""

    class Form(AnnouncementForm):
        pass

    Form.languages = tuple(interface_languages())
    for code in Form.languages:
        setattr(Form, f"subject_{code}", StringField(validators=[Optional(), Length(max=300)]))
        setattr(Form, f"body_{code}", TextAreaField(validators=[Optional(), Length(max=20000)]))
    return Form(event=event, **kwargs)


# --- Delegations ---------------------------------------------------------------------------------------------


class _MemberFields:
    """A delegation member's fields. All optional here: a row left empty is no member, and the service says
    which field a member lacks (eventmgr.registration.delegations)."""

    honorific = SelectField(
        _lp("form of address", "Title"),
        choices=select_choices([("", "—")] + list(HONORIFIC_LABELS.items())),
        validators=[Optional()],
    )
    given_name = StringField(_l("Given name"), validators=[Optional(), Length(max=120)])
    family_name = StringField(_l("Family name"), validators=[Optional(), Length(max=120)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=300)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        description=_l("The member's own confirmation and private link are sent here."),
    )
    attendance_mode = RadioField(_l("How they attend"), validators=[Optional()], validate_choice=False)

    def member_data(self) -> dict:
        return {name: self[name].data for name in ("honorific", "given_name", "family_name", "position", "email")} | {
            "attendance_mode": self.attendance_mode.data or None,
            "is_head": bool(getattr(self, "is_head", None) and self.is_head.data),
        }

    def is_empty(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("given_name", "family_name", "email"))


class MemberRowForm(SubForm, _MemberFields):
    """One row of members on the delegation's registration form."""

    is_head = BooleanField(_l("Head of delegation"))


class MemberForm(Form, _MemberFields):
    """A member the delegation's manager adds, or a substitute for one."""


def mode_choices(event) -> list[tuple[str, str]]:
    labels = {"in_person": _l("In person"), "online": _l("Online")}
    return [(mode, labels[mode]) for mode in event.modes]


class DelegationForm(Form):
    """The delegation's registration: whom it represents, who manages it, its members (rows added without JS)."""

    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    organisation_id = SelectField(
        _l("…or organisation"),
        coerce=lambda v: int(v) if v else None,
        validators=[Optional()],
        validate_choice=False,
        description=_l("A delegation represents a country or an international organisation."),
    )
    contact_name = StringField(
        _l("Your name"),
        validators=[DataRequired(), Length(max=240)],
        description=_l("The head of delegation, or the focal point who registers it."),
    )
    contact_email = EmailField(
        _l("Your e-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("The delegation's private link, to change it later, is sent here."),
    )
    members = FieldList(FormField(MemberRowForm), min_entries=1, max_entries=MAX_MEMBER_ROWS)
    consent = BooleanField(
        _l("The members agree that the organisers process their data to run this event"),
        validators=[DataRequired(_l("We cannot register the delegation without this consent."))],
    )
    #: The token of the focal point's invitation whose link opened the form.
    invitation = HiddenField(validators=[Optional(), Length(max=64)])

    def __init__(self, *args, event=None, invited: bool = False, **kwargs):
        """`invited`: the focal point's invitation lets any country or organisation register."""
        super().__init__(*args, **kwargs)
        self.event = event
        countries = [] if invited else list(event.delegation_countries or [])
        self.country.choices = lambda: (
            [("", _l("Choose…"))]
            + [(code, name) for code, name in locales.country_choices() if not countries or code in countries]
        )
        organisation_ids = [] if invited else list(event.delegation_organisation_ids or [])
        self.organisation_id.choices = lambda: (
            [("", _l("(none: a country's delegation)"))]
            + [(o.id, o.display_name) for o in _directory() if not organisation_ids or o.id in organisation_ids]
        )
        self.fit_rows()

    def fit_rows(self) -> None:
        """Give every row (also one just added) the event's attendance modes to choose from."""
        for row in self.members:
            row.form.attendance_mode.choices = mode_choices(self.event)

    def add_row(self) -> None:
        if len(self.members) < MAX_MEMBER_ROWS:
            self.members.append_entry()
            self.fit_rows()

    def member_rows(self) -> list[tuple[int, dict]]:
        """(row number, member data) of every row that is filled in."""
        return [(n, row.form.member_data()) for n, row in enumerate(self.members) if not row.form.is_empty()]


class ReplaceMemberForm(MemberForm):
    """A substitute for one of the delegation's members."""

    replaces = SelectField(_l("Replace"), coerce=lambda v: int(v) if v else None, validate_choice=False)


class AttendanceReportForm(Form):
    """The participant report of the online platform, to mark who attended."""

    report = FileField(
        _l("Participant report (CSV)"),
        validators=[FileRequired(_l("Choose the report's file.")), FileAllowed(["csv", "txt"], _l("A CSV file."))],
        description=_l(
            "As Zoom, Webex or Teams export it, with the participants' e-mail addresses. Importing the same report "
            "again changes nothing."
        ),
    )


class CheckInSettingsForm(Form):
    """When the desk starts checking delegates in; it stops at the end of the event's last day."""

    check_in_opens_hours = IntegerField(
        _l("Check-in opens this many hours before the start"),
        validators=[InputRequired(), NumberRange(min=CHECK_IN_OPENS_HOURS[0], max=CHECK_IN_OPENS_HOURS[1])],
        description=_l("From 0 to 48; check-in closes at midnight after the event's last day, in its time zone."),
    )
