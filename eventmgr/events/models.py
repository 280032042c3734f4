"""Events, the series they belong to, the organisations behind them and the people who run them."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db
from eventmgr.languages import Translatable, original_language_column
from eventmgr.organisations.models import Organisation

EVENT_KINDS = {
    "conference": _l("Conference"),
    "webinar": _l("Webinar"),
    "meeting": _l("Meeting"),
    "workshop": _l("Workshop"),
}
#: Where an event happens, whatever its kind: an online conference is as common as an in-person workshop.
EVENT_FORMATS = {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}
#: How one delegate attends: the event's format decides which modes it offers (Event.modes).
ATTENDANCE_MODES = {"in_person": _l("In person"), "online": _l("Online")}
#: "event status": Russian agrees the word with "мероприятие"; a document's and a registration's differ.
EVENT_STATUSES = {
    "draft": _lp("event status", "Draft"),
    "published": _lp("event status", "Published"),
    "cancelled": _lp("event status", "Cancelled"),
}
#: An event's phase (Event.phase) as its organisers read it.
EVENT_PHASES = {
    "draft": _lp("event status", "Draft"),
    "upcoming": _lp("event status", "Upcoming"),
    "ongoing": _lp("event status", "Ongoing"),
    "finished": _lp("event status", "Finished"),
    "cancelled": _lp("event status", "Cancelled"),
}
VISIBILITIES = {
    "public": _l("Public: listed on the site"),
    "unlisted": _l("Unlisted: anyone with the link"),
    "private": _l("Private: organisers only"),
}
#: The visibilities in a word, for lists and summaries.
VISIBILITY_NAMES = {
    "public": _lp("event visibility", "Public"),
    "unlisted": _lp("event visibility", "Unlisted"),
    "private": _lp("event visibility", "Private"),
}
REGISTRATION_POLICIES = {
    "open": _l("Open: confirmed at once while seats remain"),
    "approval": _l("Approval: an organiser approves each registration"),
    "invitation": _l("Invitation: only invited addresses may register"),
}
#: The registration policies in a word, for lists and summaries.
REGISTRATION_POLICY_NAMES = {
    "open": _lp("registration policy", "Open"),
    "approval": _lp("registration policy", "Approval"),
    "invitation": _lp("registration policy", "Invitation"),
}
#: "organisation role": in Russian an organisation that hosts is not the host of a session (PARTICIPANT_ROLES).
ORGANISATION_ROLES = {
    "host": _lp("organisation role", "Host"),
    "co_organiser": _lp("organisation role", "Co-organiser"),
    "partner": _lp("organisation role", "Partner"),
}
EVENT_ROLES = {"organiser": _l("Organiser"), "secretariat": _l("Secretariat")}
#: The hours before its start from which an event's desk may check delegates in: at least 0, at most two days.
CHECK_IN_OPENS_HOURS = (0, 48)


class Series(db.Model):
    """A recurring family of events, such as the Issyk-Kul Initiative conferences.

    Its owner (who created it) decides which events are its editions: another organiser asks to join.
    """

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Used in /series/<slug>.
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown, sanitised when shown.
    description: Mapped[str] = mapped_column(Text, default="", info={"max_length": 20_000})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list["Event"]] = relationship(back_populates="series", order_by="Event.start_at")

    def __repr__(self) -> str:
        return f"<Series {self.slug}>"


class Event(Translatable, db.Model):
    """A conference, webinar, meeting or workshop, in person, online or both."""

    TRANSLATED = {"title": 300, "description": 20_000}

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_listing", "status", "visibility", "start_at"),
        UniqueConstraint("series_id", "edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Used in the public URL /events/<slug>; unique, editable (old slugs redirect).
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: One of EVENT_KINDS: what the event is.
    kind: Mapped[str] = mapped_column(String(16))
    #: One of EVENT_FORMATS: where it happens. In-person parts have a venue, online parts a platform and link.
    format: Mapped[str] = mapped_column(String(16), default="in_person", server_default="in_person")
    #: One of EVENT_STATUSES; "finished" is not stored, it is a published event whose end has passed.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: One of VISIBILITIES.
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"), index=True)
    #: Edition number within the series (3 for the 3rd conference).
    edition: Mapped[int | None]
    #: Markdown, sanitised when shown.
    description: Mapped[str] = mapped_column(Text, default="", info={"max_length": 20_000})
    #: ISO 639-1 code of the language title and description are written in; other languages in `translations`.
    original_language: Mapped[str] = original_language_column()
    #: IANA name such as Asia/Almaty; times are shown in it.
    timezone: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str | None] = mapped_column(String(300))
    venue_address: Mapped[str | None] = mapped_column(String(500))
    venue_city: Mapped[str | None] = mapped_column(String(120))
    #: ISO 3166-1 alpha-2 code of the venue's country.
    venue_country: Mapped[str | None] = mapped_column(String(2), index=True)
    #: Shown publicly, e.g. "Zoom Webinars".
    online_platform: Mapped[str | None] = mapped_column(String(120))
    #: Never shown publicly; only confirmed delegates receive it.
    join_url: Mapped[str | None] = mapped_column(String(1000))
    #: One of REGISTRATION_POLICIES.
    registration_policy: Mapped[str] = mapped_column(String(16), default="open")
    #: Seats in the room for confirmed in-person delegates; None means no limit.
    capacity: Mapped[int | None]
    #: Places for confirmed online delegates; None means no limit.
    online_capacity: Mapped[int | None]
    #: How many registrations are confirmed (in either mode), kept by eventmgr.registration.seats outside the
    #: ORM (like programme_version), so that deciding a new delegate's seat reads one number instead of counting.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    #: How many of them attend online; the others hold seats in the room.
    online_seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 0 means free.
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    #: ISO 4217 code.
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    #: ISO 639-1 codes of the working languages.
    languages: Mapped[list] = mapped_column(JSON, default=list)
    #: Where delegates can write with questions; shown publicly.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Recording of a past webinar, shown publicly afterwards.
    recording_url: Mapped[str | None] = mapped_column(String(1000))
    cancellation_reason: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    #: Whether heads of delegation (or focal points) may register a delegation and its members.
    delegations_enabled: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Members one delegation may have, head included; None means no limit.
    delegation_max_size: Mapped[int | None]
    #: Until when delegations may add, replace or remove members; None means until registration closes.
    delegation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ISO 3166-1 alpha-2 codes of the countries that may send a delegation; empty means any.
    delegation_countries: Mapped[list] = mapped_column(JSON, default=list)
    #: Ids of the organisations that may send a delegation; empty means any. Focal points invited by e-mail
    #: (eventmgr.registration.models.DelegationInvitation) may send one for any country or organisation.
    delegation_organisation_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether /events/<slug>/participants lists the delegates who agreed to be listed.
    publish_participant_list: Mapped[bool] = mapped_column(default=False)
    #: Minutes before the start at which confirmed delegates get their two reminders; None turns one off.
    reminder_early_minutes: Mapped[int | None] = mapped_column(default=24 * 60)
    reminder_late_minutes: Mapped[int | None] = mapped_column(default=60)
    #: Hours before the start from which the desk checks delegates in (CHECK_IN_OPENS_HOURS bounds it); check-in
    #: closes at the end of the event's last day in its zone.
    check_in_opens_hours: Mapped[int] = mapped_column(default=2, server_default="2")
    #: Rises on every save; a save from an older form is refused (optimistic locking).
    version: Mapped[int] = mapped_column(default=1)
    #: Rises whenever time, place or title change, for calendar updates.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    #: The sequence delegates' calendars last received; below calendar_sequence, an update is owed.
    calendar_sent_sequence: Mapped[int] = mapped_column(default=0)
    #: When to send the owed update: a while after the last change, so a burst of edits sends one.
    calendar_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the calendars showed before the owed update's changes ({field: value before, times in ISO 8601}),
    #: kept from the first change after the last update sent, so that its mail says old → new.
    calendar_changed_from: Mapped[dict | None] = mapped_column(JSON)
    #: Rises with every change to the programme (its sessions, their people and organisations), written by
    #: eventmgr.agenda.changes outside the ORM so that it never trips the optimistic lock above.
    programme_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the programme last changed: Last-Modified of the calendar files built from it.
    programme_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    series: Mapped[Series | None] = relationship(back_populates="events")
    organisation_links: Mapped[list["EventOrganisation"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventOrganisation.position"
    )
    roles: Mapped[list["EventRole"]] = relationship(back_populates="event", cascade="all, delete-orphan")
    #: Who created the event: its calendar entries name them as organiser when it has no host.
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.start_at.astimezone(self.tz)

    @property
    def local_end(self) -> datetime:
        return self.end_at.astimezone(self.tz)

    @property
    def is_free(self) -> bool:
        return not self.fee

    @property
    def is_in_person(self) -> bool:
        """Some delegates are in the room (in person or hybrid)."""
        return self.format != "online"

    @property
    def is_online(self) -> bool:
        """Some delegates follow online (online or hybrid)."""
        return self.format != "in_person"

    @property
    def has_venue(self) -> bool:
        return self.is_in_person and bool(self.venue_name)

    @property
    def modes(self) -> tuple[str, ...]:
        """The attendance modes a delegate may choose from, in ATTENDANCE_MODES' order."""
        offered = {"in_person": self.is_in_person, "online": self.is_online}
        return tuple(mode for mode in ATTENDANCE_MODES if offered[mode])

    def default_mode(self) -> str:
        return self.modes[0]

    def capacity_for(self, mode: str) -> int | None:
        """Seats (in person) or places (online) for confirmed delegates of that mode; None means no limit."""
        return self.online_capacity if mode == "online" else self.capacity

    def taken_for(self, mode: str) -> int:
        return self.online_seats_taken if mode == "online" else self.seats_taken - self.online_seats_taken

    def seats_left(self, mode: str | None = None) -> int | None:
        """Free seats in that mode (or in all the event's modes together), or None when there is no limit."""
        modes = (mode,) if mode else self.modes
        if any(self.capacity_for(m) is None for m in modes):
            return None
        return sum(max(self.capacity_for(m) - self.taken_for(m), 0) for m in modes)

    def is_full(self, mode: str | None = None) -> bool:
        """No seat left in that mode (or in any of the event's modes)."""
        return self.seats_left(mode) == 0

    @hybrid_property
    def is_listed(self) -> bool:
        """Shown on the home page and in search; anyone may find it and what it shows (its presenters)."""
        return self.status in ("published", "cancelled") and self.visibility == "public"

    @is_listed.inplace.expression
    @classmethod
    def _is_listed_expression(cls):
        return and_(cls.status.in_(("published", "cancelled")), cls.visibility == "public")

    def is_past(self, now: datetime) -> bool:
        return self.end_at <= now

    def phase(self, now: datetime) -> str:
        """draft, upcoming, ongoing, finished or cancelled."""
        if self.status != "published":
            return self.status
        if now < self.start_at:
            return "upcoming"
        return "ongoing" if now < self.end_at else "finished"

    def registration_is_open(self, now: datetime) -> bool:
        """Whether the registration window and the event's status allow registering now."""
        if self.status != "published" or now >= self.end_at:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return not (self.registration_closes_at and now >= self.registration_closes_at)

    def check_in_window(self) -> tuple[datetime, datetime]:
        """When the desk may check delegates in: from check_in_opens_hours before the start until midnight after
        the event's last day in its own zone (UTC, like every stored time)."""
        opens_at = self.start_at - timedelta(hours=self.check_in_opens_hours)
        next_day = self.local_end.date() + timedelta(days=1)
        closes_at = datetime.combine(next_day, time(0), tzinfo=self.tz).astimezone(self.start_at.tzinfo)
        return opens_at, closes_at

    def organisations_with_role(self, role: str) -> list[Organisation]:
        return [link.organisation for link in self.organisation_links if link.role == role]

    @property
    def hosts(self) -> list[Organisation]:
        return self.organisations_with_role("host")

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class EventOrganisation(db.Model):
    """An organisation's part in an event: host, co-organiser or partner."""

    __tablename__ = "event_organisations"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    #: One of ORGANISATION_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    #: Order in which they are named on the event page.
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="organisation_links")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class EventRole(db.Model):
    """A user's role on one event: organiser or secretariat."""

    __tablename__ = "event_roles"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of EVENT_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="roles")
    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class EventSlugRedirect(db.Model):
    """A slug the event had before; shared links keep working."""

    __tablename__ = "event_slug_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)


class SeriesRequest(db.Model):
    """An organiser's request that their event become an edition of someone else's series, until its owner decides."""

    __tablename__ = "series_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    #: One request per event at a time.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: The edition number asked for; None to leave it unnumbered.
    edition: Mapped[int | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[Series] = relationship()
    event: Mapped[Event] = relationship()
    requested_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821


class EventRoleInvitation(db.Model):
    """A role on an event offered to an e-mail address; it becomes an EventRole when that address's account
    accepts it. Granting by invitation answers the same whether or not the address has an account."""

    __tablename__ = "event_role_invitations"
    __table_args__ = (UniqueConstraint("event_id", "email", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Lower-cased; only the account with this address may accept.
    email: Mapped[str] = mapped_column(String(254))
    #: One of EVENT_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    #: The secret in the mailed link (256 bits, URL-safe); compared in constant time.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The link works for INVITATION_MAX_AGE seconds from then; resending renews it.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    invited_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
