"""Who may change an organisation's entry, and which organisations a user may find (see auth/permissions.py).

Which organisations a user may find depends on events and programmes, which sit above organisations: they
register, at app set-up, conditions naming the organisations of what the user may find (`named_on`).
"""

from functools import cache

from sqlalchemy import exists, or_, select, true

from eventmgr.auth.permissions import Sources, is_admin, is_authenticated
from eventmgr.extensions import db
from eventmgr.organisations.models import Organisation, OrganisationOwner

#: Functions user -> SQL condition on Organisation: named on something the user may find (an event, a presenter).
named_on = Sources("sources of the organisations named on events")


def can_edit_organisation(user, organisation) -> bool:
    """Change an organisation's entry: its owners and admins."""
    return is_admin(user) or (is_authenticated(user) and any(owner.id == user.id for owner in organisation.owners))


def organisations_findable(user):
    """SQL condition on Organisation: the entries a user may find and choose — those without owners (the shared
    directory kept by admins), their own, and those named on events or profiles they may find."""
    if is_admin(user):
        return true()
    if not is_authenticated(user):
        return _findable_by_anyone(tuple(named_on))
    return or_(
        _unowned(),
        *(source(user) for source in named_on),
        exists().where(OrganisationOwner.organisation_id == Organisation.id, OrganisationOwner.user_id == user.id),
    )


@cache
def _findable_by_anyone(sources: tuple):
    """The condition for a visitor without an account: the same at every request (every registration form asks it),
    so built once for each set of sources (SQL expressions are immutable, and safe to share)."""
    return or_(_unowned(), *(source(None) for source in sources))


def _unowned():
    return ~exists().where(OrganisationOwner.organisation_id == Organisation.id)


def can_find_organisation(user, organisation) -> bool:
    """Whether the user may find the organisation in the directory (and so choose it)."""
    return db.session.execute(
        select(exists().where(Organisation.id == organisation.id, organisations_findable(user)))
    ).scalar()
