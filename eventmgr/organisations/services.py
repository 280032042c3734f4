"""Create and change organisations."""

from sqlalchemy import func, or_, select

from eventmgr import locales
from eventmgr.database import contains_pattern, lower_like
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.organisations.models import ORGANISATION_KINDS, Organisation

FIELDS = ("name", "acronym", "kind", "country_code", "website")


def _check(data: dict, organisation: Organisation | None) -> dict:
    data = {key: (data.get(key) or "").strip() or None for key in FIELDS}
    if not data["name"]:
        raise EventMgrError("Give the organisation's name.", field="name")
    if data["kind"] not in ORGANISATION_KINDS:
        raise EventMgrError("Choose a kind from the list.", field="kind")
    if data["country_code"] and data["country_code"] not in locales.country_codes():
        raise EventMgrError("Choose a country from the list.", field="country_code")
    same_name = select(Organisation.id).where(func.lower(Organisation.name) == data["name"].lower())
    if organisation is not None:
        same_name = same_name.where(Organisation.id != organisation.id)
    if db.session.execute(same_name).first():
        raise EventMgrError("An organisation with this name exists already.", field="name")
    return data


def create_organisation(data: dict) -> Organisation:
    """Add an organisation to the shared directory."""
    organisation = Organisation(**_check(data, None))
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, data: dict) -> None:
    """Change an organisation's details."""
    for key, value in _check(data, organisation).items():
        setattr(organisation, key, value)
    db.session.flush()


def find_or_create(name: str, **details) -> Organisation:
    """The organisation with this name (ignoring case), created if missing."""
    found = db.session.execute(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    ).scalar_one_or_none()
    return found or create_organisation({"name": name, **details})


def search(text: str | None, page: int, per_page: int = 50):
    """Organisations whose name or acronym contains the text, by name."""
    query = select(Organisation).order_by(Organisation.name)
    if text:
        like = contains_pattern(text)
        query = query.where(or_(lower_like(Organisation.name, like), lower_like(Organisation.acronym, like)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
