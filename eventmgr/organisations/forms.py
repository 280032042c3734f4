"""The organisation form."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from eventmgr import locales
from eventmgr.forms import Form, select_choices
from eventmgr.organisations.models import ORGANISATION_KINDS


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=select_choices(ORGANISATION_KINDS))
    country_code = SelectField(
        _l("Country"), validators=[Optional()], description=_l("Leave empty for an international body.")
    )
    website = URLField(_l("Web site"), validators=[Optional(), URL(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = [("", _l("(none)"))] + locales.country_choices()


class OwnerForm(Form):
    user_id = SelectField(_l("Account"), coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(user.id, f"{user.name} <{user.email}>") for user in candidates]
