"""The programme: sessions, the people in them, featured presenters, and delegates' personal agendas."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventmgr.database import UTCDateTime, utcnow
from eventmgr.extensions import db
from eventmgr.languages import Translatable, in_language, interface_languages
from eventmgr.people.models import Person

SESSION_KINDS = {
    "opening": _l("Opening or welcoming remarks"),
    "keynote": _l("Keynote"),
    "panel": _l("Panel"),
    "presentation": _l("Presentation"),
    "break": _l("Break"),
    "closing": _l("Closing"),
    "other": _l("Other"),
}
PARTICIPANT_ROLES = {
    "chair": _l("Chair"),
    "moderator": _l("Moderator"),
    "speaker": _l("Speaker"),
    "discussant": _l("Discussant"),
    "host": _l("Host"),
}
#: Role labels offered for featured presenters; organisers may write any other.
FEATURED_ROLE_SUGGESTIONS = (
    _l("Webinar hosting presenter"),
    _l("Keynote speaker"),
    _l("Moderator"),
    _l("Panellist"),
    _l("Host"),
)


class EventSession(Translatable, db.Model):
    """One item of an event's programme: remarks, a keynote, a panel, a break ..."""

    TRANSLATED = {"title": 300, "description": 20_000}

    __tablename__ = "event_sessions"
    __table_args__ = (Index("ix_event_sessions_event_id_start_at", "event_id", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: One of SESSION_KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    #: The theme or description, Markdown, sanitised when shown.
    description: Mapped[str] = mapped_column(Text, default="", info={"max_length": 20_000})
    #: In UTC; entered and shown in the event's zone.
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Room or stream, e.g. "Hall A" or "English channel"; empty means the event's main room or stream.
    room: Mapped[str | None] = mapped_column(String(120))
    #: Rises whenever time, place or title change, for the SEQUENCE of calendar entries.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    #: The sequence attendees' and presenters' calendars last received; below calendar_sequence, an update is owed.
    calendar_sent_sequence: Mapped[int] = mapped_column(default=0)
    #: When the owed update goes out: a while after the last edit, so a burst of edits sends one.
    calendar_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the calendars showed before the owed update's changes ({field: value before}; the event's title and
    #: place as "event_title", "event_venue_city" ...), kept from the first change after the last update sent.
    calendar_changed_from: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped["Event"] = relationship()  # noqa: F821
    participants: Mapped[list["SessionParticipant"]] = relationship(
        back_populates="event_session", cascade="all, delete-orphan", order_by="SessionParticipant.position"
    )

    @property
    def original_language(self) -> str:
        """A session is written in its event's language."""
        return self.event.original_language

    @property
    def kind_label(self) -> str:
        return str(SESSION_KINDS.get(self.kind, self.kind))

    @property
    def titled_by_kind(self) -> bool:
        """Whether the title is just the kind's name ("Break", "Перерыв"), in whichever interface language the
        organiser left it untitled in: pages then name the kind in their reader's language."""
        label = SESSION_KINDS.get(self.kind)
        if label is None:
            return False
        names = set()
        for code in interface_languages():
            with in_language(code):
                names.add(str(label))
        return self.title in names

    @property
    def is_break(self) -> bool:
        return self.kind == "break"

    def overlaps(self, other: "EventSession") -> bool:
        """Whether the two sessions share some time (touching ends do not count)."""
        return self.start_at < other.end_at and other.start_at < self.end_at

    def __repr__(self) -> str:
        return f"<EventSession {self.title!r}>"


class SessionParticipant(db.Model):
    """A person's part in a session: chair, moderator, speaker, discussant or host, in the order shown."""

    __tablename__ = "session_participants"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)
    # RESTRICT: a person leaves the programme only by being removed or merged, never by accident.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    #: One of PARTICIPANT_ROLES.
    role: Mapped[str] = mapped_column(String(16))
    #: The title of this person's own talk within the session, if any.
    talk_title: Mapped[str | None] = mapped_column(String(300))
    #: Order within the session, from 0.
    position: Mapped[int] = mapped_column(default=0)

    event_session: Mapped[EventSession] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()

    @property
    def role_label(self) -> str:
        return str(PARTICIPANT_ROLES.get(self.role, self.role))


class FeaturedPresenter(db.Model):
    """A person shown first on the event's page and presenters page, with a role label of the organiser's."""

    __tablename__ = "featured_presenters"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    #: Free text, e.g. "Webinar hosting presenter".
    role_label: Mapped[str] = mapped_column(String(120), default="")
    #: Order on the pages, from 0.
    position: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship()


class PresenterPosition(db.Model):
    """A person's place in the event's list of presenters, as the organiser set it (without one: by first
    appearance in the programme, the host of the welcoming remarks first)."""

    __tablename__ = "presenter_positions"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: Order on the pages, from 0.
    position: Mapped[int] = mapped_column(default=0)


class PersonalAgendaItem(db.Model):
    """A session a registered delegate means to attend (for their personal agenda and calendar)."""

    __tablename__ = "personal_agenda_items"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A mailed invite or update put the session in the delegate's calendar: dropping it sends a CANCEL.
    calendar_mailed: Mapped[bool] = mapped_column(default=False, server_default=false())
