"""User accounts."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name and where password resets go; stored lower-cased.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: How the user is named on pages and in the audit log.
    name: Mapped[str] = mapped_column(String(200))
    #: Argon2 hash; None until an invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Site administrators manage accounts and may act on every event.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: May create events, series and organisations (an admin grants it); roles on events come from their organisers.
    can_organise: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Deactivated accounts cannot log in; their history stays.
    is_active_account: Mapped[bool] = mapped_column(default=True)
    #: Changes whenever the password does, so that reset links work once only.
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised at every logout: part of what sessions and remember-me cookies hold, so that all of them end.
    session_version: Mapped[int] = mapped_column(default=0)
    #: The interface language the account chose (ISO 639-1); None: the browser's. Staff mail is written in it.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold: the account, when its password last changed and
        its session version, so that a new password (a reset after a theft, say) or a logout ends every
        session at once, copied cookies included."""
        changed = round(self.password_changed_at.timestamp() * 1_000_000) if self.password_changed_at else 0
        return f"{self.id}:{changed}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginFailure(db.Model):
    """A failed login, kept for the sliding window in which failures are counted, by address and by address and
    client. Addresses without an account (or without a password yet) are counted the same way: otherwise the
    throttle itself would tell which addresses have accounts."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_failed_at", "email", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased, as typed at login.
    email: Mapped[str] = mapped_column(String(254))
    #: Who failed: the client's network address, or "device:<id>" for a browser known to the account.
    client: Mapped[str] = mapped_column(String(64))
    #: Failures older than the window count no more; the worker deletes them.
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: This failure had the account's owner told that someone is failing to log in (once per window).
    owner_warned: Mapped[bool] = mapped_column(default=False)
