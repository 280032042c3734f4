"""Register delegates, keep seats and the waiting list right, apply offer codes, queue their e-mails.

Every function that changes seats first locks the event's row (`lock_event`), so that concurrent
registrations, cancellations and capacity changes on one event run one at a time: on PostgreSQL with
SELECT ... FOR UPDATE, on SQLite by taking the write lock at once. Mail is queued in the same
transaction, so a rolled-back registration leaves no mail behind.
"""

import hmac
import secrets
from datetime import datetime
from decimal import Decimal
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from eventmgr.audit.services import record
from eventmgr.auth.services import normalise_email
from eventmgr.database import utcnow
from eventmgr.errors import ConflictError, EventMgrError, PermissionDenied
from eventmgr.events.models import ATTENDANCE_MODES, Event
from eventmgr.events.permissions import can_manage_event
from eventmgr.events.services import event_by_slug
from eventmgr.extensions import db
from eventmgr.formatting import local_datetime
from eventmgr.languages import current_language, supported
from eventmgr.ordering import move, renumber
from eventmgr.registration import notifications, seats, signals
from eventmgr.registration.models import (
    ACTIVE_STATUSES,
    QUESTION_KINDS,
    REGISTRATION_STATUSES,
    Invitation,
    OfferCode,
    Payment,
    Registration,
    RegistrationQuestion,
)
from eventmgr.urls import external_url

#: Fields of a registration the delegate fills in (and may change later through their link).
DELEGATE_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "position",
    "organisation_id",
    "organisation_name",
    "country",
    "delegation",
    "answers",
    "needs_visa_letter",
    "accessibility_needs",
    "dietary_needs",
    "interpretation_language",
    "list_publicly",
    "attendance_mode",
)
#: What only a delegate in the room is asked: an online delegate's are cleared (eventmgr.registration.models
#: Registration.in_person; the form shows them under "If you attend in person").
IN_PERSON_FIELDS = ("needs_visa_letter", "accessibility_needs", "dietary_needs")


class AlreadyRegistered(EventMgrError):
    """The address has an active registration; its link was sent again instead."""


class InvitationRequired(EventMgrError):
    """An invitation-only event registers only through a valid invitation link."""

    status_code = 403


class CheckInClosed(EventMgrError):
    """The desk checks delegates in only within the event's check-in window."""

    status_code = 409


class RegistrationInactive(EventMgrError):
    """The registration is cancelled or declined: its delegate can no longer change it."""

    status_code = 409


def new_access_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def registration_by_token(event: Event, token: str) -> Registration | None:
    """The event's registration with this private token, compared in constant time."""
    return by_token(Registration, Registration.access_token, event, token)


def registration_for_link(slug: str, token: str) -> Registration | None:
    """The registration a delegate's private link names: /events/<slug>/registration/<token>/...

    The slug may be one the event had before: the organisers may rename the event, and links already mailed,
    calendars already subscribed and certificates already shared keep working.
    """
    event = event_for_link(slug)
    return registration_by_token(event, token) if event is not None else None


def event_for_link(slug: str) -> Event | None:
    """The event a private link's slug names, also a slug it had before (links already mailed keep working)."""
    event, moved_to = event_by_slug(slug)
    if event is None and moved_to:
        event, _moved = event_by_slug(moved_to)
    return event


def invitation_by_token(event: Event, token: str | None) -> Invitation | None:
    """The event's invitation with this token (from the invitation's link), compared in constant time."""
    return by_token(Invitation, Invitation.token, event, token)


def by_token(model, column, event: Event, token: str | None):
    """The event's row of `model` whose secret `column` holds this token (from a private link), compared in
    constant time; None for no token, an overlong one or no match."""
    if not token or len(token) > 64:
        return None
    found = db.session.execute(select(model).where(column == token, model.event_id == event.id)).scalar_one_or_none()
    if found is None or not hmac.compare_digest(getattr(found, column.key).encode(), token.encode()):
        return None
    return found


def lock_event(event_id: int) -> Event:
    """Lock the event's row until the transaction ends, and return the event fresh from the database.

    The event comes with what every mail about it names (its host organisations and its creator, for the sender:
    eventmgr.ics.organiser), in the same query: the changes made under this lock queue mail.
    """
    if db.engine.dialect.name == "sqlite":
        # A write as the first statement makes SQLite take its single write lock now, not at commit. A plain
        # UPDATE of the table, not of the ORM's objects: the SELECT below reads the row afresh anyway.
        db.session.execute(_take_sqlite_lock(), {"event_id": event_id})
    return db.session.execute(_locked_event(), {"event_id": event_id}).unique().scalar_one()


@cache
def _take_sqlite_lock():
    events = Event.__table__
    # updated_at is set to itself, or its onupdate would mark the event as changed.
    return (
        update(events)
        .where(events.c.id == bindparam("event_id"))
        .values(capacity=events.c.capacity, updated_at=events.c.updated_at)
    )


@cache
def _locked_event():
    # Built once: every registration runs it. FOR UPDATE OF the event's row alone (SQLite has no FOR UPDATE: it
    # holds its lock from _take_sqlite_lock).
    return (
        select(Event)
        .where(Event.id == bindparam("event_id"))
        .options(joinedload(Event.organisation_links), joinedload(Event.created_by))
        .with_for_update(of=Event)
        .execution_options(populate_existing=True)
    )


def confirmed_count(event_id: int) -> int:
    """Confirmed registrations, counted (Event.seats_taken keeps the same number without counting)."""
    return db.session.execute(
        select(func.count()).where(Registration.event_id == event_id, Registration.status == "confirmed")
    ).scalar_one()


def has_free_seat(event: Event, mode: str) -> bool:
    return not event.is_full(mode)


def mode_for(event: Event, mode: str | None) -> str:
    """The attendance mode a delegate asked for, checked against the event's: an in-person or online event has
    one, which is taken whatever was asked; a hybrid event needs a choice."""
    if len(event.modes) == 1:
        return event.modes[0]
    if mode not in event.modes:
        raise EventMgrError(_("Choose whether you attend in person or online."), field="attendance_mode")
    return mode


def fit_to_mode(fields: dict, mode: str) -> dict:
    """The delegate's fields with what their mode does not ask cleared (IN_PERSON_FIELDS for online)."""
    if mode == "online":
        fields = fields | {"needs_visa_letter": False, "accessibility_needs": None, "dietary_needs": None}
    return fields


def status_counts(event_id: int) -> dict[str, int]:
    """How many registrations the event has in each status (and checked in)."""
    rows = db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event_id).group_by(Registration.status)
    ).all()
    counts = dict.fromkeys(("pending", "confirmed", "waitlisted", "declined", "cancelled"), 0) | dict(rows)
    counts["attended"] = attendance_count(event_id)
    return counts


def counts_by_mode(event_id: int) -> dict[str, dict[str, int]]:
    """How many active registrations the event has in each attendance mode and status: {mode: {status: n}}."""
    counts = {mode: dict.fromkeys(ACTIVE_STATUSES, 0) for mode in ATTENDANCE_MODES}
    rows = db.session.execute(
        select(Registration.attendance_mode, Registration.status, func.count())
        .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Registration.attendance_mode, Registration.status)
    ).all()
    for mode, status, count in rows:
        counts.setdefault(mode, dict.fromkeys(ACTIVE_STATUSES, 0))[status] = count
    return counts


def counts_by_event(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Registrations per status for several events in one query, for the dashboard."""
    counts = {event_id: dict.fromkeys(("pending", "confirmed", "waitlisted", "attended"), 0) for event_id in event_ids}
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id.in_(event_ids or [-1]), Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Registration.event_id, Registration.status)
    ).all()
    for event_id, status, count, attended in rows:
        counts[event_id][status] = count
        counts[event_id]["attended"] += attended
    return counts


def attendance_count(event_id: int) -> int:
    return db.session.execute(
        select(func.count()).where(Registration.event_id == event_id, Registration.checked_in_at.is_not(None))
    ).scalar_one()


# --- Offer codes -----------------------------------------------------------------------------------


def find_offer_code(event: Event, code: str, email: str, now: datetime) -> OfferCode:
    """The usable code with this text for this address, or a clear error at the offer code field."""
    found = db.session.execute(
        select(OfferCode).where(OfferCode.event_id == event.id, OfferCode.code == code.strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise EventMgrError(_("This offer code is not valid for this event."), field="offer_code")
    if found.email and not (email or "").strip():
        raise EventMgrError(
            _("This offer code is personal: type the e-mail address it was given to."), field="offer_code"
        )
    if found.email and found.email != normalise_email(email):
        raise EventMgrError(_("This offer code is personal to another delegate."), field="offer_code")
    if (found.valid_from and now < found.valid_from) or (found.valid_until and now >= found.valid_until):
        raise EventMgrError(_("This offer code is not valid at this time."), field="offer_code")
    if found.max_uses is not None and found.uses >= found.max_uses:
        raise EventMgrError(_("This offer code has been used up."), field="offer_code")
    return found


def quote(event: Event, code: str | None, email: str, now: datetime) -> tuple[Decimal, OfferCode | None]:
    """The amount due for a registration with this code (no seat or use is taken)."""
    if not code:
        return Decimal(event.fee or 0), None
    offer = find_offer_code(event, code, email, now)
    return offer.price_for(Decimal(event.fee or 0)), offer


def _claim_offer_code(offer: OfferCode) -> None:
    """Count one use, atomically: the UPDATE only matches while uses remain."""
    result = db.session.execute(
        update(OfferCode)
        .where(OfferCode.id == offer.id, (OfferCode.max_uses.is_(None)) | (OfferCode.uses < OfferCode.max_uses))
        .values(uses=OfferCode.uses + 1)
    )
    if result.rowcount != 1:
        raise EventMgrError(_("This offer code has been used up."), field="offer_code")


def _release_offer_code(registration: Registration) -> None:
    if registration.offer_code_id is not None:
        db.session.execute(
            update(OfferCode)
            .where(OfferCode.id == registration.offer_code_id, OfferCode.uses > 0)
            .values(uses=OfferCode.uses - 1)
        )


def create_offer_code(event: Event, data: dict, user) -> OfferCode:
    """Add an offer code to the event."""
    code = (data.get("code") or "").strip().upper()
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        raise EventMgrError(_("Use letters, digits, - and _ only."), field="code")
    if db.session.execute(select(OfferCode.id).where(OfferCode.event_id == event.id, OfferCode.code == code)).first():
        raise EventMgrError(_("The event has this code already."), field="code")
    kind, discount = data.get("discount_kind"), data.get("discount")
    if kind not in ("percent", "fixed"):
        raise EventMgrError(_("Choose percent or a fixed amount."), field="discount_kind")
    if discount is None or discount <= 0 or (kind == "percent" and discount > 100):
        raise EventMgrError(_("A percent discount is between 0 and 100; a fixed one above 0."), field="discount")
    if data.get("max_uses") is not None and data["max_uses"] < 1:
        raise EventMgrError(_("Allow at least one use, or leave it empty for no limit."), field="max_uses")
    if data.get("valid_from") and data.get("valid_until") and data["valid_until"] <= data["valid_from"]:
        raise EventMgrError(_("The code must stop being valid after it starts."), field="valid_until")
    offer = OfferCode(
        event_id=event.id,
        code=code,
        discount_kind=kind,
        discount=discount,
        max_uses=data.get("max_uses"),
        valid_from=data.get("valid_from"),
        valid_until=data.get("valid_until"),
        email=normalise_email(data["email"]) if data.get("email") else None,
    )
    db.session.add(offer)
    record("offer_code.create", user, event, summary=code)
    db.session.flush()
    return offer


# --- Registering -----------------------------------------------------------------------------------


def check_answers(event: Event, answers: dict, questions: list[RegistrationQuestion] | None = None) -> dict:
    """Validate answers to the event's questions (read unless given); return them keyed by question id (str)."""
    if questions is None:
        questions = event_questions(event.id)
    clean = {}
    for question in questions:
        key = str(question.id)
        value = answers.get(key)
        if question.kind == "yes_no":
            value = None if value in (None, "") else value in (True, "yes", "y", "true", "1")
        elif question.kind == "multiple_choice":
            value = [v for v in (value or []) if v in question.options] or None
        elif question.kind == "single_choice":
            value = value if value in question.options else None
        else:
            value = (value or "").strip() or None
        if question.required and value is None:
            raise EventMgrError(_("Please answer this question."), field=f"q_{question.id}")
        if value is not None:
            clean[key] = value
    return clean


def event_questions(event_id: int) -> list[RegistrationQuestion]:
    return db.session.execute(_event_questions(), {"event_id": event_id}).scalars().all()


@cache
def _event_questions():
    # Built once: every registration form runs it, and building a query costs SQLAlchemy more than running it.
    return (
        select(RegistrationQuestion)
        .where(RegistrationQuestion.event_id == bindparam("event_id"))
        .order_by(RegistrationQuestion.position, RegistrationQuestion.id)
    )


def invitation_for(event: Event, email: str) -> Invitation | None:
    """The event's invitation of this address, if any."""
    return db.session.execute(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.email == normalise_email(email))
    ).scalar_one_or_none()


def register(
    event: Event,
    data: dict,
    now: datetime | None = None,
    questions: list[RegistrationQuestion] | None = None,
    invitation: Invitation | None = None,
) -> Registration:
    """Register a delegate: confirmed while seats remain in their mode, else waitlisted; pending under approval.

    An invitation-only event registers only with the `invitation` its link carries, and then exactly the
    invited address, whatever `data` says: without one, every address gets the same InvitationRequired,
    so that nobody learns whether an address is invited, and nobody can register (and mail) one.
    A second registration with an address that already has an active one raises AlreadyRegistered
    after queueing that registration's private link to the address, so the page can answer the same
    way whether or not the address was registered. `questions`: the event's, when the caller has read them.
    """
    now = now or utcnow()
    event = lock_event(event.id)
    if not event.registration_is_open(now):
        raise EventMgrError(_("Registration for this event is closed."))
    if invitation is not None and invitation.event_id != event.id:
        invitation = None
    if event.registration_policy == "invitation" and invitation is None:
        raise InvitationRequired(_("This event is by invitation: please register through the link in your invitation."))
    email = invitation.email if invitation is not None else normalise_email(data.get("email") or "")
    answers = check_answers(event, data.get("answers") or {}, questions)
    existing = registration_for_email(event, email)
    if existing is not None and existing.is_active:
        notifications.queue(existing, "link")
        raise AlreadyRegistered(_("registered already"))
    amount_due, offer = quote(event, data.get("offer_code"), email, now)
    mode = mode_for(event, data.get("attendance_mode"))
    if offer is not None:
        _claim_offer_code(offer)
    return admit(event, email, data | {"answers": answers, "attendance_mode": mode}, now, existing, offer, amount_due)


def register_again_args(registration: Registration) -> dict:
    """The registration form's arguments for a cancelled or declined delegate: on an invitation-only event the
    address's invitation (whoever holds the registration's link holds the address's mail, where the invitation
    went), else the address to fill in."""
    invitation = invitation_for(registration.event, registration.email)
    if invitation is not None:
        return {"invitation": invitation.token}
    return {"email": registration.email}


def likely_outcome(event: Event, mode: str | None) -> tuple[str, int | None]:
    """The status a new registration in that mode would get now, and its place on the waiting list.

    The page after registering says this when the address was registered already (or a bot filled the form),
    so that it tells nobody whether an address is registered: what it says follows from the event alone.
    """
    mode = mode if mode in event.modes else event.default_mode()
    if event.registration_policy == "approval":
        return "pending", None
    if has_free_seat(event, mode):
        return "confirmed", None
    waiting = db.session.execute(
        select(func.count()).select_from(seats.waiting_list(event.id, mode).subquery())
    ).scalar_one()
    return "waitlisted", waiting + 1


def registration_for_email(event: Event, email: str) -> Registration | None:
    """The event's registration (active or not) of this address, if any."""
    return db.session.execute(
        _registration_for_email(), {"event_id": event.id, "email": normalise_email(email)}
    ).scalar_one_or_none()


@cache
def _registration_for_email():
    # Built once, as _event_questions: every registration runs it.
    return select(Registration).where(
        Registration.event_id == bindparam("event_id"), Registration.email == bindparam("email")
    )


def admit(
    event: Event,
    email: str,
    data: dict,
    now: datetime,
    existing: Registration | None = None,
    offer: OfferCode | None = None,
    amount_due: Decimal | None = None,
    delegation=None,
) -> Registration:
    """Write a registration whose data is checked (answers, an attendance mode among the event's) and give it its
    status and mail; the caller holds the event's lock and has refused an active `existing` one.

    Confirmed while seats remain in its mode, else waitlisted; pending under approval. `existing`: the address's
    cancelled or declined registration, which registers anew with the same row and link. `delegation`: the
    registered delegation it joins as a member.
    """
    mode = data["attendance_mode"]
    if event.registration_policy == "approval":
        status = "pending"
    elif has_free_seat(event, mode):
        status = "confirmed"
    else:
        status = "waitlisted"
    fields = {key: data.get(key) for key in DELEGATE_FIELDS} | {
        # Flags left out (CLI, API) mean no; None would break NOT NULL when an old row is reused.
        "needs_visa_letter": bool(data.get("needs_visa_letter")),
        "list_publicly": bool(data.get("list_publicly")),
        "status": status,
        "consented_at": now,
        "created_at": now,
        "offer_code_id": offer.id if offer else None,
        "amount_due": Decimal(event.fee or 0) if amount_due is None else amount_due,
        "waitlisted_at": now if status == "waitlisted" else None,
        "cancelled_at": None,
        "decided_at": None,
        "decision_message": None,
        "delegation_id": delegation.id if delegation is not None else None,
        "is_head": bool(data.get("is_head")) and delegation is not None,
        # Mail is written in the language the delegate registered in (a delegation's member: its focal point's).
        "language": supported(data.get("language")) or current_language(),
    }
    if delegation is not None:
        fields["delegation"] = delegation.name
    fields = fit_to_mode(fields, mode)
    if existing is not None:
        # A cancelled or declined delegate registers anew: same row, same link, new decision.
        registration = existing
        for key, value in fields.items():
            setattr(registration, key, value)
    else:
        registration = Registration(event_id=event.id, email=email, access_token=new_access_token(), **fields)
        db.session.add(registration)
    db.session.flush()
    notifications.queue(registration, registration.status)
    return registration


def update_details(registration: Registration, data: dict, by=None) -> None:
    """Change the delegate's details: by an organiser (`by`), or by the delegate through their link (no `by`).

    A delegate changes only an active registration; a cancelled or declined one is a record, kept as it
    was until they register again.
    """
    if by is None and not registration.is_active:
        raise RegistrationInactive(_("This registration is no longer active, so its details cannot be changed."))
    data = dict(data)
    data["answers"] = check_answers(registration.event, data.get("answers") or {})
    if (data.get("attendance_mode") or registration.attendance_mode) != registration.attendance_mode:
        change_mode(registration, data["attendance_mode"], by)
    data = fit_to_mode(data, registration.attendance_mode)
    for key in DELEGATE_FIELDS:
        if key in data and key != "attendance_mode":
            setattr(registration, key, data[key])
    if by is not None:
        record("registration.update", by, registration.event, summary=registration.email)
    db.session.flush()


def cancel(registration: Registration, by=None, now: datetime | None = None, promote: bool = True) -> None:
    """Cancel a registration; its seat goes to the first on the waiting list.

    `promote=False` leaves the seat free for the caller, which holds the event lock: a delegation's substitute
    takes the seat of the member they replace (eventmgr.registration.delegations.replace_member).
    """
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if not registration.is_active:
        raise EventMgrError(_("This registration is not active."))
    held_seat = registration.status == "confirmed"
    if registration.is_head and registration.delegation_id is not None:
        _refuse_removing_head(registration)
    signals.registration_cancelled.send(registration)
    registration.status = "cancelled"
    registration.cancelled_at = now
    _release_offer_code(registration)
    again = register_again_args(registration) if event.registration_is_open(now) else None
    notifications.queue(
        registration,
        "cancelled",
        register_again_url=external_url("registration.register", slug=event.slug, **again) if again else None,
    )
    if by is not None:
        record("registration.cancel", by, event, summary=registration.email)
    db.session.flush()
    if held_seat and promote:
        promote_waitlisted(event, now, registration.attendance_mode)


def _refuse_removing_head(registration: Registration) -> None:
    others = db.session.execute(
        select(func.count()).where(
            Registration.delegation_id == registration.delegation_id,
            Registration.id != registration.id,
            Registration.status.in_(ACTIVE_STATUSES),
        )
    ).scalar_one()
    if others:
        raise EventMgrError(
            _("The head of the delegation cannot be removed while members remain: name another head first."),
            field="head",
        )


def promote_waitlisted(event: Event, now: datetime | None = None, mode: str | None = None) -> list[Registration]:
    """Fill free seats from the waiting list of that mode (or of each of the event's), first come first served;
    the caller holds the event lock."""
    now = now or utcnow()
    promoted = []
    for each in (mode,) if mode else event.modes:
        free = event.seats_left(each)
        if free == 0:
            continue
        query = seats.waiting_list(event.id, each)
        if free is not None:
            query = query.limit(free)
        promoted += db.session.execute(query).scalars().all()
    for registration in promoted:
        registration.status = "confirmed"
        registration.decided_at = now
        notifications.queue(registration, "promoted")
    db.session.flush()
    return promoted


def set_capacity(event: Event, capacity: int | None, by, mode: str | None = None) -> list[Registration]:
    """Change the number of seats in the room or places online (`mode`; by default the event's first mode: its
    only one, or in person); when it rises, that waiting list moves up."""
    if capacity is not None and capacity < 1:
        raise EventMgrError(_("Capacity must be at least 1 seat; leave it empty for no limit."), field="capacity")
    event = lock_event(event.id)
    mode = mode or event.default_mode()
    if mode not in event.modes:
        raise EventMgrError(_("This event has no such way of attending."), field="capacity")
    column = "online_capacity" if mode == "online" else "capacity"
    before = getattr(event, column)
    if before != capacity:
        setattr(event, column, capacity)
        record("event.update", by, event, summary=event.title, changes={column: (before, capacity)})
    db.session.flush()
    return promote_waitlisted(event, mode=mode)


def change_mode(registration: Registration, mode: str, by=None, now: datetime | None = None) -> None:
    """Move a delegate of a hybrid event to the other attendance mode, by an organiser (`by`) or by themselves.

    A confirmed delegate takes a free seat in the new mode (refused when it is full) and frees theirs, which
    goes to the first on the old mode's waiting list; a waitlisted one joins the new mode's waiting list at the
    place their first registration gives them, and is confirmed at once if a seat is free there. They are
    mailed what changed. What the new mode does not ask (a visa letter for online) is cleared.
    """
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if mode not in event.modes:
        raise EventMgrError(_("This event has no such way of attending."), field="attendance_mode")
    before = registration.attendance_mode
    if mode == before:
        return
    if not registration.is_active:
        raise RegistrationInactive(_("This registration is no longer active."))
    if registration.status == "confirmed" and event.is_full(mode):
        raise EventMgrError(
            _("There is no free seat online.") if mode == "online" else _("There is no free seat in the room."),
            field="attendance_mode",
        )
    registration.attendance_mode = mode
    for key, value in fit_to_mode({}, mode).items():
        setattr(registration, key, value)
    db.session.flush()
    if registration.status == "waitlisted":
        promote_waitlisted(event, now, mode)
    notifications.queue(registration, "mode_changed", before=before)
    if by is not None:
        record("registration.mode", by, event, summary=f"{registration.email}: {before} → {mode}")
    db.session.flush()
    promote_waitlisted(event, now, before)


class EventFull(EventMgrError):
    """Approving would take a seat the delegate's mode no longer has; the organiser chooses what to do."""

    status_code = 409


#: What an organiser may choose when approving into a full event (or mode of a hybrid one).
WHEN_FULL = ("raise", "waitlist")


def decide(
    registration: Registration,
    approve: bool,
    by,
    message: str = "",
    now: datetime | None = None,
    when_full: str | None = "waitlist",
) -> str:
    """Decline, or approve, a pending or waitlisted registration, and return the status it is left in; its mail
    carries the organiser's `message`, whichever it is (approved, waiting list, declined).

    Approved while its mode has a free seat, it is confirmed. When it has none, `when_full` says what happens:
    "raise" the capacity of that mode by the seats needed (the seats taken plus this one; the waiting list keeps
    its places) and confirm it; put it on the "waitlist" (approvals in bulk, of a delegation, the demo); or, None,
    refuse with EventFull, so that the organiser who approves one delegate is told and chooses.
    """
    now = now or utcnow()
    event = lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status not in ("pending", "waitlisted"):
        raise EventMgrError(_("Only pending or waitlisted registrations can be decided."))
    mode = registration.attendance_mode
    full = approve and not has_free_seat(event, mode)
    if full and when_full not in WHEN_FULL:
        raise EventFull(
            _("There is no free place online: raise the capacity or put the delegate on the waiting list.")
            if mode == "online"
            else _("There is no free seat in the room: raise the capacity or put the delegate on the waiting list.")
        )
    if full and when_full == "waitlist" and registration.status == "waitlisted":
        raise EventMgrError(_("The delegate is already on the waiting list."))
    registration.decision_message = message.strip() or None
    registration.decided_at = now
    if not approve:
        registration.status = "declined"
        _release_offer_code(registration)
        notifications.queue(registration, "declined")
    elif full and when_full == "waitlist":
        registration.status = "waitlisted"
        registration.waitlisted_at = now
        notifications.queue(registration, "waitlisted")
    else:
        registration.status = "confirmed"
        db.session.flush()  # the seat is counted (registration.seats), so the capacity below fits it
        if full:
            column = "online_capacity" if mode == "online" else "capacity"
            before = getattr(event, column)
            setattr(event, column, event.taken_for(mode))
            record("event.update", by, event, summary=event.title, changes={column: (before, getattr(event, column))})
        notifications.queue(registration, "approved")
    record("registration.approve" if approve else "registration.decline", by, event, summary=registration.email)
    db.session.flush()
    return registration.status


def check_in(registration: Registration, by, now: datetime | None = None) -> bool:
    """Record attendance once, as check_in_refusal allows; return False when the delegate was checked in already.

    Without `now`, a person checks the delegate in at the desk at this moment: within the event's check-in window,
    and written to the audit log. With `now`, attendance is recorded as of then (a platform's participant report,
    which writes its own entry for all it marks)."""
    refusal = check_in_refusal(registration, by, at_desk=now is None)
    if refusal is not None:
        raise refusal
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now or utcnow(), checked_in_by_id=by.id if by else None)
    )
    db.session.refresh(registration)
    first = result.rowcount == 1
    if first and now is None and by is not None:
        record(
            "registration.check_in", by, registration.event, summary=f"{registration.full_name} ({registration.email})"
        )
    return first


def undo_check_in(registration: Registration, by, checked_in_at: datetime | None) -> None:
    """Undo the check-in made at `checked_in_at` (the one the desk showed), and nothing else: not a later one after
    it was undone already."""
    if not can_manage_event(by, registration.event):
        raise PermissionDenied(_("Only the event's organisers can check delegates in."))
    if checked_in_at is None or registration.checked_in_at != checked_in_at:
        raise ConflictError(_("%(name)s's check-in was undone or changed already.", name=registration.full_name))
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at == checked_in_at)
        .values(checked_in_at=None, checked_in_by_id=None)
    )
    db.session.refresh(registration)
    if result.rowcount != 1:
        raise ConflictError(_("%(name)s's check-in was undone or changed already.", name=registration.full_name))
    record(
        "registration.check_in_undo",
        by,
        registration.event,
        summary=f"{registration.full_name} ({registration.email}), checked in {checked_in_at.isoformat()}",
    )


def record_payment(registration: Registration, amount: Decimal, method: str, reference: str, by) -> Payment:
    """Record money received from a delegate."""
    if amount is None or amount <= 0:
        raise EventMgrError(_("Give the amount received."), field="amount")
    payment = Payment(
        amount=amount, method=method or None, reference=reference or None, recorded_by_id=by.id if by else None
    )
    registration.payments.append(payment)
    record("payment.record", by, registration.event, summary=f"{registration.email}: {amount}")
    db.session.flush()
    return payment


def invite(event: Event, entries: list[tuple[str, str | None]], by) -> int:
    """Invite addresses (email, name) to an event; return how many were new. Each is mailed its own link."""
    added = 0
    for email, name in entries:
        email = normalise_email(email)
        if invitation_for(event, email) is not None:
            continue
        invitation = Invitation(
            event_id=event.id, email=email, name=name or None, invited_by_id=by.id, token=new_access_token()
        )
        db.session.add(invitation)
        notifications.queue_invitation(event, invitation)
        added += 1
    record("invitation.create", by, event, summary=f"{added} address(es)")
    db.session.flush()
    return added


def resend_invitation(invitation: Invitation, by) -> None:
    """Mail the invitation again, with the same link (the first one may have been lost or filtered)."""
    event = db.session.get(Event, invitation.event_id)
    notifications.queue_invitation(event, invitation)
    record("invitation.resend", by, event, summary=invitation.email)
    db.session.flush()


def invitations_with_status(event: Event) -> list[tuple[Invitation, str | None]]:
    """The event's invitations by address, each with the status of its address's registration, if any."""
    statuses = dict(
        db.session.execute(
            select(Registration.email, Registration.status).where(Registration.event_id == event.id)
        ).all()
    )
    invitations = (
        db.session.execute(select(Invitation).where(Invitation.event_id == event.id).order_by(Invitation.email))
        .scalars()
        .all()
    )
    return [(invitation, statuses.get(invitation.email)) for invitation in invitations]


def add_question(event: Event, data: dict, by=None) -> RegistrationQuestion:
    """Add one of the event's own questions at the end of the form."""
    if data.get("kind") not in QUESTION_KINDS:
        raise EventMgrError(_("Choose a kind of question."), field="kind")
    options = [o.strip() for o in data.get("options") or [] if o.strip()]
    if data["kind"] in ("single_choice", "multiple_choice") and len(options) < 2:
        raise EventMgrError(_("Give at least two choices, one per line."), field="options")
    last = (
        db.session.execute(
            select(func.max(RegistrationQuestion.position)).where(RegistrationQuestion.event_id == event.id)
        ).scalar()
        or 0
    )
    question = RegistrationQuestion(
        event_id=event.id,
        label=data["label"].strip(),
        kind=data["kind"],
        help_text=(data.get("help_text") or "").strip() or None,
        options=options if data["kind"] in ("single_choice", "multiple_choice") else [],
        required=bool(data.get("required")),
        position=last + 1,
    )
    db.session.add(question)
    record("question.add", by, event, summary=question.label)
    db.session.flush()
    return question


def active_registration_ids(event_id: int) -> list[int]:
    return (
        db.session.execute(
            select(Registration.id).where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
        )
        .scalars()
        .all()
    )


# --- The desk's rules: questions' order, check-in ---------------------------------------------------------
# (Moved out of registration/desk_views.py, so that the CLI and the API keep them too.)


def move_question(event: Event, question: RegistrationQuestion, step: int, by) -> None:
    """Move one of the event's questions up (-1) or down (+1) the form."""
    questions = event_questions(event.id)
    if move(questions, questions.index(question), step):
        renumber(questions)
        record("question.move", by, event, summary=question.label)
        db.session.flush()


def delete_question(event: Event, question: RegistrationQuestion, by) -> None:
    """Take a question off the form; answers already given stay with their registrations."""
    db.session.delete(question)
    record("question.delete", by, event, summary=question.label)
    db.session.flush()


def check_in_refusal(registration: Registration, by, at_desk: bool = True) -> EventMgrError | None:
    """Why the registration may not be checked in by `by`, or None when it may.

    Who: the event's organisers (`by` None is the system itself, as in imports). What: a confirmed
    registration. When: while the event is published, not once it is cancelled; at the desk (`at_desk`, a
    person checking in now) only within the event's check-in window (Event.check_in_window). Attendance recorded
    afterwards from a participant report is not bound to the window.
    """
    event = registration.event
    if by is not None and not can_manage_event(by, event):
        return PermissionDenied(_("Only the event's organisers can check delegates in."))
    if event.status == "cancelled":
        return EventMgrError(_("The event is cancelled: nobody can be checked in."))
    if event.status != "published":
        return EventMgrError(_("Delegates can be checked in once the event is published."))
    if registration.status != "confirmed":
        return EventMgrError(
            _(
                "%(name)s is not confirmed (%(status)s): only confirmed delegates can be checked in.",
                name=registration.full_name,
                status=REGISTRATION_STATUSES[registration.status],
            )
        )
    if at_desk and by is not None:
        return check_in_window_refusal(event)
    return None


def check_in_window_refusal(event: Event, now: datetime | None = None) -> EventMgrError | None:
    """Why the desk may not check anyone in now, saying when it opens or when it closed; None while it is open."""
    now = now or utcnow()
    opens_at, closes_at = event.check_in_window()
    zone = event.timezone
    if now < opens_at:
        return CheckInClosed(_("Check-in opens %(when)s.", when=local_datetime(opens_at, zone)))
    if now >= closes_at:
        return CheckInClosed(
            _("Check-in closed %(when)s, at the end of the event's last day.", when=local_datetime(closes_at, zone))
        )
    return None
