"""Build an event's programme, check it, and read it back for the public pages, the PDF and personal agendas."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from eventmgr import formatting, languages
from eventmgr.agenda import signals
from eventmgr.agenda.models import (
    PARTICIPANT_ROLES,
    SESSION_KINDS,
    EventSession,
    FeaturedPresenter,
    PersonalAgendaItem,
    PresenterPosition,
    SessionParticipant,
)
from eventmgr.audit.services import record
from eventmgr.errors import EventMgrError, raise_first
from eventmgr.events.models import Event
from eventmgr.extensions import db
from eventmgr.ordering import STEPS, move, renumber
from eventmgr.people.models import Person
from eventmgr.registration.models import Registration

#: Fields a form or the API may set on a session.
SESSION_FIELDS = ("kind", "title", "description", "start_at", "end_at", "room")
#: Kinds whose title may be left empty: the kind's own name is used.
KINDS_WITH_DEFAULT_TITLE = ("opening", "break", "closing")


# --- Sessions ---------------------------------------------------------------------------------------


def session_rule_errors(event: Event, data: dict) -> dict[str, str]:
    """Check the rules a session must keep; return {field: message} for every one broken."""
    errors: dict[str, str] = {}
    if data.get("kind") not in SESSION_KINDS:
        errors["kind"] = _("Choose a kind from the list.")
    if not (data.get("title") or "").strip():
        errors["title"] = _("Give the session a title.")
    elif len(data["title"]) > 300:
        errors["title"] = _("Keep the title under 300 characters.")
    if data.get("room") and len(data["room"]) > 120:
        errors["room"] = _("Keep the room's name under 120 characters.")
    start, end = data.get("start_at"), data.get("end_at")
    if start is None:
        errors["start_at"] = _("Give the time the session starts.")
    if end is None:
        errors["end_at"] = _("Give the time the session ends.")
    if start is not None and end is not None and end <= start:
        errors["end_at"] = _("The session must end after it starts.")
    if start is not None and not event.start_at <= start < event.end_at:
        errors["start_at"] = _("The session must start within the event's time (%(span)s).", span=_event_span(event))
    elif end is not None and end > event.end_at and "end_at" not in errors:
        errors["end_at"] = _("The session must end by the event's end (%(span)s).", span=_event_span(event))
    return errors


def _event_span(event: Event) -> str:
    """The event's start and end in its zone, in the reader's language, naming the zone."""
    return f"{formatting.event_times(event)} ({event.timezone})"


def _clean_session(data: dict) -> dict:
    cleaned = {}
    for key in SESSION_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip() if key == "description" else " ".join(value.split())
            value = value or None
        cleaned[key] = value
    if "description" in cleaned:
        cleaned["description"] = cleaned["description"] or ""
    if not cleaned.get("title") and cleaned.get("kind") in KINDS_WITH_DEFAULT_TITLE:
        cleaned["title"] = str(SESSION_KINDS[cleaned["kind"]])  # stored: a plain string, not a lazy label
    return cleaned


def create_session(event: Event, data: dict, user=None) -> EventSession:
    """Add a session to the event's programme; its texts are in the event's language, and in others in
    `translations` ({"ru": {"title": ..., "description": ...}})."""
    translations = data.get("translations")
    data = _clean_session(data)
    raise_first(session_rule_errors(event, data))
    event_session = EventSession(event_id=event.id, event=event, **data)
    languages.apply_translation_changes(
        event_session, languages.translation_changes(event_session, translations, event.original_language)
    )
    db.session.add(event_session)
    db.session.flush()
    record("session.create", user, event, summary=event_session.title)
    return event_session


def update_session(event_session: EventSession, data: dict, user=None) -> dict:
    """Change a session and its texts in other languages (`translations`, as create_session takes them); return the
    changes, those in other languages as 'title (ru)'."""
    event = event_session.event
    translations = data.get("translations")
    data = _clean_session(data)
    merged = {key: getattr(event_session, key) for key in SESSION_FIELDS} | data
    raise_first(session_rule_errors(event, merged))
    translated = languages.translation_changes(event_session, translations, event.original_language)
    changes = {
        key: (getattr(event_session, key), value) for key, value in data.items() if getattr(event_session, key) != value
    }
    for key, (_before, after) in changes.items():
        setattr(event_session, key, after)
    languages.apply_translation_changes(event_session, translated)
    changes |= translated
    if changes:
        signals.session_changed.send(event_session, changes=changes)
        record("session.update", user, event, summary=event_session.title, changes=changes)
    db.session.flush()
    return changes


def delete_session(event_session: EventSession, user=None) -> None:
    """Remove a session, its participants and any delegate's choice of it; calendars holding it are told."""
    signals.session_deleting.send(event_session)
    record("session.delete", user, event_session.event, summary=event_session.title)
    db.session.delete(event_session)
    db.session.flush()


def get_session(event: Event, session_id: int) -> EventSession | None:
    """The event's session with this id, with its people; None if it belongs to another event."""
    event_session = db.session.execute(
        select(EventSession)
        .where(EventSession.id == session_id, EventSession.event_id == event.id)
        .options(
            selectinload(EventSession.participants)
            .joinedload(SessionParticipant.person)
            .joinedload(Person.organisation)
        )
    ).scalar_one_or_none()
    return event_session


def next_free_start(event: Event) -> datetime:
    """Where a new session most likely starts: when the last one ends, or at the event's start."""
    last_end = db.session.execute(
        select(func.max(EventSession.end_at)).where(EventSession.event_id == event.id)
    ).scalar()
    if last_end is None:
        return event.start_at
    if last_end.tzinfo is None:  # SQLite's max() bypasses the column type
        last_end = datetime.fromisoformat(str(last_end)).replace(tzinfo=ZoneInfo("UTC"))
    return last_end if last_end < event.end_at else event.start_at


# --- Participants -----------------------------------------------------------------------------------


def add_participant(
    event_session: EventSession, person: Person, role: str, talk_title: str | None = None, user=None
) -> SessionParticipant:
    """Put a person in a session with a role, after those already there."""
    if role not in PARTICIPANT_ROLES:
        raise EventMgrError(_("Choose a role from the list."), field="role")
    talk_title = " ".join((talk_title or "").split()) or None
    if talk_title and len(talk_title) > 300:
        raise EventMgrError(_("Keep the talk's title under 300 characters."), field="talk_title")
    if any(p.person_id == person.id for p in event_session.participants):
        raise EventMgrError(_("%(name)s is already in this session.", name=person.full_name), field="person_id")
    participant = SessionParticipant(
        person=person, role=role, talk_title=talk_title, position=len(event_session.participants)
    )
    event_session.participants.append(participant)
    db.session.flush()
    signals.participant_added.send(event_session, person=person)
    record(
        "session.participant_add",
        user,
        event_session.event,
        summary=f"{person.full_name} · {PARTICIPANT_ROLES[role]} · {event_session.title}",
    )
    return participant


def move_participant(event_session: EventSession, participant: SessionParticipant, action: str, user=None) -> None:
    """Move a participant up or down the session's list, or remove them."""
    people = list(event_session.participants)
    index = people.index(participant)
    if action == "remove":
        signals.participant_removing.send(event_session, person=participant.person)
        event_session.participants.remove(participant)
        people.pop(index)
        record(
            "session.participant_remove",
            user,
            event_session.event,
            summary=f"{participant.person.full_name} · {event_session.title}",
        )
    elif action in STEPS:
        move(people, index, STEPS[action])
    else:
        raise EventMgrError(_("Unknown action."))
    renumber(people)
    db.session.flush()


# --- Featured presenters ----------------------------------------------------------------------------


def featured_presenters(event: Event) -> list[FeaturedPresenter]:
    """The event's featured presenters in order, with their people, organisations and photos."""
    return list(
        db.session.execute(
            select(FeaturedPresenter)
            .where(FeaturedPresenter.event_id == event.id)
            .options(
                joinedload(FeaturedPresenter.person).joinedload(Person.organisation),
                joinedload(FeaturedPresenter.person).selectinload(Person.photo),
            )
            .order_by(FeaturedPresenter.position, FeaturedPresenter.id)
        ).scalars()
    )


def add_featured(event: Event, person: Person, role_label: str, user=None) -> FeaturedPresenter:
    """Feature a person on the event's pages with a role label, after those already featured."""
    role_label = " ".join((role_label or "").split())
    if len(role_label) > 120:
        raise EventMgrError(_("Keep the role label under 120 characters."), field="role_label")
    current = featured_presenters(event)
    if any(entry.person_id == person.id for entry in current):
        raise EventMgrError(_("%(name)s is already featured.", name=person.full_name), field="person_id")
    entry = FeaturedPresenter(event_id=event.id, person=person, role_label=role_label, position=len(current))
    db.session.add(entry)
    db.session.flush()
    record("featured.add", user, event, summary=f"{person.full_name} · {role_label}")
    return entry


def change_featured(
    event: Event, entry: FeaturedPresenter, action: str, role_label: str | None = None, user=None
) -> None:
    """Move a featured presenter up or down, change their role label, or stop featuring them."""
    entries = featured_presenters(event)
    index = next(i for i, item in enumerate(entries) if item.id == entry.id)
    if action == "remove":
        entries.pop(index)
        db.session.delete(entry)
        record("featured.remove", user, event, summary=entry.person.full_name)
    elif action in STEPS:
        move(entries, index, STEPS[action])
    elif action == "label":
        label = " ".join((role_label or "").split())
        if len(label) > 120:
            raise EventMgrError(_("Keep the role label under 120 characters."), field="role_label")
        if label != entry.role_label:
            record(
                "featured.update",
                user,
                event,
                summary=entry.person.full_name,
                changes={"role_label": (entry.role_label, label)},
            )
            entry.role_label = label
    else:
        raise EventMgrError(_("Unknown action."))
    renumber(entries)
    db.session.flush()


# --- Reading the programme --------------------------------------------------------------------------


def event_sessions(event: Event) -> list[EventSession]:
    """The event's sessions by start, each with its people, their organisations and photos: three queries in all.

    Each participant knows its session without another query, even once the list is no longer held (a page that
    keeps only the people, such as the presenters page, reads `part.event_session` after the sessions are gone
    from the identity map)."""
    sessions = list(
        db.session.execute(
            select(EventSession)
            .where(EventSession.event_id == event.id)
            .options(
                selectinload(EventSession.participants)
                .joinedload(SessionParticipant.person)
                .joinedload(Person.organisation),
                selectinload(EventSession.participants)
                .joinedload(SessionParticipant.person)
                .selectinload(Person.photo),
            )
            .order_by(EventSession.start_at, EventSession.end_at, func.coalesce(EventSession.room, ""), EventSession.id)
        ).scalars()
    )
    for event_session in sessions:
        for part in event_session.participants:
            set_committed_value(part, "event_session", event_session)
    return sessions


def has_sessions(event: Event) -> bool:
    return (
        db.session.execute(select(EventSession.id).where(EventSession.event_id == event.id).limit(1)).first()
        is not None
    )


def by_day(sessions: Iterable[EventSession], tz: ZoneInfo) -> list[tuple[date, list[EventSession]]]:
    """Sessions grouped by the day they start on in `tz`, in order."""
    days: dict[date, list[EventSession]] = {}
    for event_session in sessions:
        days.setdefault(event_session.start_at.astimezone(tz).date(), []).append(event_session)
    return sorted(days.items())


def session_marks(event: Event, now: datetime) -> dict[int, str]:
    """During the event, {session id: "current" or "next"} for the sessions running now and those starting next.

    Only while the event runs are its sessions' times read, and then only their times (one small query)."""
    if event.status != "published" or not event.start_at <= now < event.end_at:
        return {}
    sessions = db.session.execute(
        select(EventSession.id, EventSession.start_at, EventSession.end_at).where(EventSession.event_id == event.id)
    ).all()
    marks = {s.id: "current" for s in sessions if s.start_at <= now < s.end_at}
    upcoming = [s for s in sessions if s.start_at > now]
    if upcoming:
        soonest = min(s.start_at for s in upcoming)
        marks |= {s.id: "next" for s in upcoming if s.start_at == soonest}
    return marks


@dataclass
class AgendaWarning:
    """Something in the programme an organiser should look at; it does not stop a save."""

    kind: str  # "room", "person" or "outside"
    message: str
    session_ids: tuple[int, ...] = field(default_factory=tuple)


def agenda_warnings(event: Event, sessions: list[EventSession]) -> list[AgendaWarning]:
    """Overlapping sessions in one room or stream, people in two overlapping sessions, sessions outside the event."""
    warnings = []
    ordered = sorted(sessions, key=lambda s: (s.start_at, s.id))
    for i, first in enumerate(ordered):
        if first.start_at < event.start_at or first.end_at > event.end_at:
            warnings.append(
                AgendaWarning(
                    "outside",
                    _("“%(title)s” lies outside the event's time: its dates have changed since.", title=first.title),
                    (first.id,),
                )
            )
        for second in ordered[i + 1 :]:
            if second.start_at >= first.end_at:
                break  # sorted by start: no later session can overlap `first`
            if not first.overlaps(second):
                continue
            if _room_key(first) == _room_key(second):
                if first.room:
                    message = _(
                        "“%(first)s” and “%(second)s” overlap in %(room)s.",
                        first=first.title,
                        second=second.title,
                        room=first.room,
                    )
                else:
                    message = _(
                        "“%(first)s” and “%(second)s” overlap in the main room or stream.",
                        first=first.title,
                        second=second.title,
                    )
                warnings.append(AgendaWarning("room", message, (first.id, second.id)))
            shared = {p.person_id for p in first.participants} & {p.person_id for p in second.participants}
            for participant in first.participants:
                if participant.person_id in shared:
                    warnings.append(
                        AgendaWarning(
                            "person",
                            _(
                                "%(name)s is in both “%(first)s” and “%(second)s”, which overlap.",
                                name=participant.person.display_name,
                                first=first.title,
                                second=second.title,
                            ),
                            (first.id, second.id),
                        )
                    )
    return warnings


def _room_key(event_session: EventSession) -> str:
    return " ".join((event_session.room or "").lower().split())


def warnings_for(warnings: list[AgendaWarning], event_session: EventSession) -> list[AgendaWarning]:
    return [w for w in warnings if event_session.id in w.session_ids]


# --- The order of presenters ------------------------------------------------------------------------


def _first_appearance(sessions: list[EventSession]) -> dict[int, tuple]:
    """Each person's sort key by default: the hosts, chairs and moderators of the welcoming remarks first, then
    everyone by their first part in the programme (its start, then their place among its people)."""
    keys: dict[int, tuple] = {}
    for event_session in sorted(sessions, key=lambda s: (s.start_at, s.id)):
        for part in event_session.participants:
            welcoming = event_session.kind == "opening" and part.role in ("host", "chair", "moderator")
            key = (0 if welcoming else 1, event_session.start_at, event_session.id, part.position)
            keys[part.person_id] = min(keys.get(part.person_id, key), key)
    return keys


def presenter_order(event: Event, sessions: list[EventSession] | None = None) -> list[Person]:
    """Everyone in the event's programme, in the order the organiser set; who has no place set yet (nobody, until
    the organiser moves someone; later, who joined the programme since) follows by first appearance."""
    sessions = event_sessions(event) if sessions is None else sessions
    people = {part.person_id: part.person for s in sessions for part in s.participants}
    default = _first_appearance(sessions)
    positions = dict(
        db.session.execute(
            select(PresenterPosition.person_id, PresenterPosition.position).where(
                PresenterPosition.event_id == event.id
            )
        ).all()
    )
    return sorted(
        people.values(),
        key=lambda person: (0, positions[person.id], ()) if person.id in positions else (1, 0, default[person.id]),
    )


def move_presenter(event: Event, person: Person, action: str, user=None) -> None:
    """Move a presenter up or down the event's list; the whole list as it then stands becomes the set order."""
    if action not in STEPS:
        raise EventMgrError(_("Unknown action."))
    order = presenter_order(event)
    index = next((i for i, someone in enumerate(order) if someone.id == person.id), None)
    if index is None:
        raise EventMgrError(_("%(name)s is not in the programme.", name=person.full_name))
    if not move(order, index, STEPS[action]):
        return
    db.session.execute(delete(PresenterPosition).where(PresenterPosition.event_id == event.id))
    db.session.add_all(
        PresenterPosition(event_id=event.id, person_id=someone.id, position=position)
        for position, someone in enumerate(order)
    )
    db.session.flush()
    record("presenter.move", user, event, summary=f"{person.full_name}: {action}")


@dataclass
class PresenterEntry:
    """A person on the presenters page: featured entry if any, and their parts in the event's sessions."""

    person: Person
    featured: FeaturedPresenter | None = None
    parts: list[SessionParticipant] = field(default_factory=list)


def presenters(
    event: Event, sessions: list[EventSession] | None = None
) -> tuple[list[PresenterEntry], list[PresenterEntry]]:
    """(featured presenters in the organiser's order, everyone else in the programme in the event's presenter
    order)."""
    sessions = event_sessions(event) if sessions is None else sessions
    featured = [PresenterEntry(entry.person, entry) for entry in featured_presenters(event)]
    by_person = {entry.person.id: entry for entry in featured}
    others: dict[int, PresenterEntry] = {}
    for event_session in sessions:
        for part in event_session.participants:
            entry = by_person.get(part.person_id) or others.setdefault(part.person_id, PresenterEntry(part.person))
            entry.parts.append(part)
    return featured, [others[person.id] for person in presenter_order(event, sessions) if person.id in others]


# --- Personal agendas -------------------------------------------------------------------------------


def personal_session_ids(registration: Registration) -> set[int]:
    """The sessions a delegate chose."""
    return set(
        db.session.execute(
            select(PersonalAgendaItem.session_id).where(PersonalAgendaItem.registration_id == registration.id)
        ).scalars()
    )


def personal_sessions(registration: Registration) -> list[EventSession]:
    """The sessions a delegate chose, by start (for their calendar)."""
    return list(
        db.session.execute(
            select(EventSession)
            .join(PersonalAgendaItem, PersonalAgendaItem.session_id == EventSession.id)
            .where(PersonalAgendaItem.registration_id == registration.id)
            .order_by(EventSession.start_at)
        ).scalars()
    )


def set_personal_agenda(registration: Registration, session_ids: Iterable[int]) -> tuple[int, int]:
    """Keep exactly these sessions of the delegate's event on their agenda; return (added, removed)."""
    if not registration.is_active:
        raise EventMgrError(_("Only a registration that is pending, confirmed or on the waiting list has an agenda."))
    allowed = set(
        db.session.execute(
            select(EventSession.id).where(EventSession.event_id == registration.event_id, EventSession.kind != "break")
        ).scalars()
    )
    wanted = {int(i) for i in session_ids} & allowed
    current = personal_session_ids(registration)
    removed = current - wanted
    if removed:
        signals.agenda_sessions_dropping.send(registration, session_ids=removed)
        db.session.execute(
            delete(PersonalAgendaItem).where(
                PersonalAgendaItem.registration_id == registration.id, PersonalAgendaItem.session_id.in_(removed)
            )
        )
    for session_id in sorted(wanted - current):
        db.session.add(PersonalAgendaItem(registration_id=registration.id, session_id=session_id))
    db.session.flush()
    return len(wanted - current), len(removed)
