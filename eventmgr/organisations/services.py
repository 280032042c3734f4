"""Create and change organisations; their owners; every change in the audit log."""

from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from eventmgr import locales
from eventmgr.audit.services import record
from eventmgr.auth.permissions import is_authenticated
from eventmgr.database import contains_text
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.organisations.models import ORGANISATION_KINDS, Organisation
from eventmgr.organisations.permissions import organisations_findable

FIELDS = ("name", "acronym", "kind", "country_code", "website")


def _check(data: dict, organisation: Organisation | None) -> dict:
    data = {key: (data.get(key) or "").strip() or None for key in FIELDS}
    if not data["name"]:
        raise EventMgrError(_("Give the organisation's name."), field="name")
    if data["kind"] not in ORGANISATION_KINDS:
        raise EventMgrError(_("Choose a kind from the list."), field="kind")
    if data["country_code"] and data["country_code"] not in locales.country_codes():
        raise EventMgrError(_("Choose a country from the list."), field="country_code")
    same_name = select(Organisation.id).where(func.lower(Organisation.name) == data["name"].lower())
    if organisation is not None:
        same_name = same_name.where(Organisation.id != organisation.id)
    if db.session.execute(same_name).first():
        raise EventMgrError(
            _(
                "An organisation with this name is in the directory already; if you cannot find it, "
                "ask the site's administrators."
            ),
            field="name",
        )
    return data


def create_organisation(data: dict, user=None) -> Organisation:
    """Add an organisation to the shared directory; whoever adds it owns its entry."""
    organisation = Organisation(**_check(data, None))
    if user is not None:
        organisation.owners.append(user)
    db.session.add(organisation)
    db.session.flush()
    record("organisation.create", user, summary=f"{organisation.display_name} (#{organisation.id})")
    return organisation


def update_organisation(organisation: Organisation, data: dict, user=None) -> dict:
    """Change an organisation's details; return the changes (the caller checked the user may)."""
    changes = {
        key: (getattr(organisation, key), value)
        for key, value in _check(data, organisation).items()
        if getattr(organisation, key) != value
    }
    for key, (_before, after) in changes.items():
        setattr(organisation, key, after)
    if changes:
        record(
            "organisation.update", user, summary=f"{organisation.display_name} (#{organisation.id})", changes=changes
        )
    db.session.flush()
    return changes


def add_owner(organisation: Organisation, owner, by) -> None:
    """Let another account change the organisation's entry (an administrator's decision)."""
    if owner in organisation.owners:
        raise EventMgrError(_("%(name)s owns this entry already.", name=owner.name), field="user_id")
    organisation.owners.append(owner)
    record("organisation.owner_add", by, summary=f"{organisation.display_name}: {owner.name}")
    db.session.flush()


def remove_owner(organisation: Organisation, owner, by) -> None:
    """Stop an account changing the organisation's entry (an administrator's decision)."""
    if owner in organisation.owners:
        organisation.owners.remove(owner)
        record("organisation.owner_remove", by, summary=f"{organisation.display_name}: {owner.name}")
        db.session.flush()


def find_or_create(name: str, **details) -> Organisation:
    """The organisation with this name (ignoring case), created if missing (without owner: the demo's and the
    command line's entries belong to the shared directory kept by administrators)."""
    found = db.session.execute(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    ).scalar_one_or_none()
    return found or create_organisation({"name": name, **details})


def directory(user) -> list[Organisation]:
    """Every organisation the user may find and choose, by name: what a form's list of organisations offers."""
    query = _anyones_directory() if not is_authenticated(user) else _directory_query(organisations_findable(user))
    return db.session.execute(query).scalars().all()


@cache
def _anyones_directory():
    # A visitor's list is asked by every registration form: one statement, built once (its SQL is cached with it).
    return _directory_query(organisations_findable(None))


def _directory_query(condition):
    return select(Organisation).where(condition).order_by(Organisation.name)


def search(text: str | None, user, page: int, per_page: int = 50):
    """Organisations the user may find whose name or acronym contains the text, by name."""
    query = _directory_query(organisations_findable(user))
    if text:
        query = query.where(or_(contains_text(Organisation.name, text), contains_text(Organisation.acronym, text)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
