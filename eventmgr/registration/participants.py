"""Who took part, grouped by delegation: for the public list of participants and the annex of outcome documents.

Members of a registered delegation are shown under its name, its head first; everyone else stands on their own
("Individual participants"), by country as before delegations existed.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventmgr.extensions import db
from eventmgr.registration.models import Delegation, Registration


@dataclass
class DelegationGroup:
    """A registered delegation and those of its members being shown, its head first."""

    delegation: Delegation
    members: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.delegation.name

    @property
    def head(self) -> Registration | None:
        return next((member for member in self.members if member.is_head), None)


def by_delegation(registrations) -> tuple[list[DelegationGroup], list[Registration]]:
    """The registrations split into their delegations (by name; head first, then by name) and the individual
    participants (by country, then name): members of a withdrawn delegation count as individuals."""
    groups: dict[int, DelegationGroup] = {}
    individuals = []
    for registration in registrations:
        delegation = registration.delegation_group
        if delegation is None or delegation.cancelled_at is not None:
            individuals.append(registration)
            continue
        groups.setdefault(delegation.id, DelegationGroup(delegation)).members.append(registration)
    for group in groups.values():
        group.members.sort(key=lambda r: (not r.is_head, r.family_name.casefold(), r.given_name.casefold()))
    individuals.sort(key=lambda r: (r.country or "~", r.family_name.casefold(), r.given_name.casefold()))
    return sorted(groups.values(), key=lambda g: g.name.casefold()), individuals


def listed_participants(event) -> tuple[list[DelegationGroup], list[Registration]]:
    """The confirmed delegates who agreed to be listed publicly, by delegation and on their own."""
    listed = (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == "confirmed",
                Registration.list_publicly.is_(True),
            )
            .options(joinedload(Registration.delegation_group), joinedload(Registration.organisation))
        )
        .scalars()
        .all()
    )
    return by_delegation(listed)


def has_delegations(event) -> bool:
    """Whether any delegation is registered (and not withdrawn) for the event."""
    return (
        db.session.execute(
            select(Delegation.id).where(Delegation.event_id == event.id, Delegation.cancelled_at.is_(None)).limit(1)
        ).first()
        is not None
    )
