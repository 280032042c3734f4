"""Organisations that host, co-organise, partner in or send delegations to events."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db

ORGANISATION_KINDS = {
    "border_agency": _l("Border agency"),
    "ministry": _l("Ministry or government body"),
    "international": _l("International organisation"),
    "programme": _l("Programme or project"),
    "research": _l("Research institute"),
    "ngo": _l("NGO"),
    "other": _l("Other"),
}


class Organisation(db.Model):
    """An entry of the shared directory, changed only by its owners and the site's administrators."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Full name, e.g. "Foreign Policy Research Institute"; unique ignoring case.
    name: Mapped[str] = mapped_column(String(300), unique=True)
    #: Short form such as "BOMCA" or "OSCE"; optional.
    acronym: Mapped[str | None] = mapped_column(String(40))
    #: One of ORGANISATION_KINDS.
    kind: Mapped[str] = mapped_column(String(20), default="other")
    #: ISO 3166-1 alpha-2 code of its seat; None for international bodies without one.
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    #: Web site, shown on event pages.
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    #: Who may change the entry: whoever created it, and whom an administrator adds.
    owners: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary="organisation_owners", order_by="User.name"
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def kind_label(self) -> str:
        return str(ORGANISATION_KINDS.get(self.kind, self.kind))

    def __repr__(self) -> str:
        return f"<Organisation {self.acronym or self.name}>"


class OrganisationOwner(db.Model):
    """An account that may change an organisation's entry."""

    __tablename__ = "organisation_owners"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
