"""The organiser's desk: finding registrations, exporting them, statistics, announcements."""

from collections.abc import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from eventmgr.audit.services import record
from eventmgr.database import contains_text
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.locales import country_name
from eventmgr.mail.models import MailMessage
from eventmgr.mail.services import queue_mail
from eventmgr.organisations.models import ORGANISATION_KINDS, Organisation
from eventmgr.registration.models import REGISTRATION_STATUSES, Announcement, Registration
from eventmgr.registration.services import event_questions


def filtered_query(event, filters: dict):
    """Registrations of the event matching the desk's filters, newest first."""
    query = (select(Registration).where(Registration.event_id == event.id)
             .options(joinedload(Registration.organisation)))
    if filters.get("status") in REGISTRATION_STATUSES:
        query = query.where(Registration.status == filters["status"])
    if filters.get("country"):
        query = query.where(Registration.country == filters["country"])
    if filters.get("organisation_id"):
        query = query.where(Registration.organisation_id == filters["organisation_id"])
    if filters.get("checked_in") == "yes":
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.get("checked_in") == "no":
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.get("q"):
        text = filters["q"]
        query = query.where(or_(
            contains_text(Registration.given_name, text), contains_text(Registration.family_name, text),
            contains_text(Registration.email, text), contains_text(Registration.organisation_name, text),
            contains_text(Registration.delegation, text),
            contains_text(Registration.given_name + " " + Registration.family_name, text),
        ))
    rows = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    question_id, answer = filters.get("question"), filters.get("answer")
    return rows, (str(question_id), answer) if question_id and answer else None


def matches_answer(registration: Registration, answer_filter) -> bool:
    """Whether the registration's answer to a question is (or includes) the value."""
    if answer_filter is None:
        return True
    key, wanted = answer_filter
    value = (registration.answers or {}).get(key)
    if isinstance(value, list):
        return wanted in value
    if isinstance(value, bool):
        return (wanted == "yes") == value
    return value is not None and wanted.lower() in str(value).lower()


def find(event, filters: dict, page: int, per_page: int = 50):
    """One page of matching registrations and the total count."""
    query, answer_filter = filtered_query(event, filters)
    if answer_filter is None:
        pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
        return pagination.items, pagination.total
    # Answers live in a JSON column; filter them here so the query stays portable.
    matching = [r for r in db.session.execute(query).scalars() if matches_answer(r, answer_filter)]
    start = (page - 1) * per_page
    return matching[start:start + per_page], len(matching)


CSV_COLUMNS = ("id", "status", "honorific", "given_name", "family_name", "email", "position", "organisation",
               "country", "country_name", "delegation", "needs_visa_letter", "accessibility_needs",
               "dietary_needs", "interpretation_language", "list_publicly", "offer_code", "amount_due",
               "amount_paid", "registered_at", "checked_in_at")


def export_table(event, filters: dict) -> tuple[list[str], Iterator[list]]:
    """The header and the matching registrations' rows, every field and answer; rows are read as they are taken.

    Write them with eventmgr.spreadsheets, which defuses what delegates and organisers typed.
    """
    questions = event_questions(event.id)
    query, answer_filter = filtered_query(event, filters)
    query = query.options(joinedload(Registration.offer_code), selectinload(Registration.payments)) \
        .execution_options(yield_per=500)

    def rows() -> Iterator[list]:
        for registration in db.session.execute(query).scalars():
            if not matches_answer(registration, answer_filter):
                continue
            answers = registration.answers or {}
            yield [
                registration.id, registration.status, registration.honorific, registration.given_name,
                registration.family_name, registration.email, registration.position,
                registration.organisation_display, registration.country, country_name(registration.country),
                registration.delegation, "yes" if registration.needs_visa_letter else "no",
                registration.accessibility_needs, registration.dietary_needs,
                registration.interpretation_language, "yes" if registration.list_publicly else "no",
                registration.offer_code.code if registration.offer_code else None, registration.amount_due,
                registration.amount_paid, registration.created_at.isoformat(),
                registration.checked_in_at.isoformat() if registration.checked_in_at else None,
            ] + [_answer_text(answers.get(str(q.id))) for q in questions]

    return list(CSV_COLUMNS) + [q.label for q in questions], rows()


def _answer_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def statistics(event) -> dict:
    """Confirmed and attended delegates by country and by kind of organisation."""
    active = Registration.status == "confirmed"
    by_country = db.session.execute(
        select(Registration.country, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.event_id == event.id, active).group_by(Registration.country)
        .order_by(func.count().desc())
    ).all()
    by_kind = db.session.execute(
        select(Organisation.kind, func.count(), func.count(Registration.checked_in_at))
        .select_from(Registration).outerjoin(Organisation, Registration.organisation_id == Organisation.id)
        .where(Registration.event_id == event.id, active).group_by(Organisation.kind)
        .order_by(func.count().desc())
    ).all()
    return {
        "by_country": [(code, country_name(code) if code else "—", n, attended) for code, n, attended in by_country],
        "by_kind": [(ORGANISATION_KINDS.get(kind, "Not in the directory"), n, attended)
                    for kind, n, attended in by_kind],
    }


def announce(event, subject: str, body: str, filters: dict, by) -> Announcement:
    """Queue one message per matching active registrant; the outbox sends them."""
    query, answer_filter = filtered_query(event, filters)
    if filters.get("status") not in REGISTRATION_STATUSES:
        query = query.where(Registration.status.in_(("pending", "confirmed", "waitlisted")))
    recipients = [r for r in db.session.execute(query).scalars() if matches_answer(r, answer_filter)]
    if not recipients:
        raise EventMgrError("No registration matches these filters.")
    announcement = Announcement(event_id=event.id, subject=subject, body=body, audience=filters,
                                recipients=len(recipients), sent_by_id=by.id)
    db.session.add(announcement)
    db.session.flush()
    for registration in recipients:
        message = queue_mail(to=registration.email, subject=f"{subject} · {event.title}",
                             body=f"Dear {registration.full_name},\n\n{body}\n", event_id=event.id)
        if message is not None:  # None while mail is withheld
            message.announcement_id = announcement.id
    record("announcement.send", by, event, summary=f"{subject} ({len(recipients)} recipients)")
    return announcement


def announcement_progress(event) -> list[tuple[Announcement, dict]]:
    """Each announcement of the event with how many of its messages are sent, queued and failed."""
    announcements = db.session.execute(
        select(Announcement).where(Announcement.event_id == event.id).order_by(Announcement.created_at.desc())
    ).scalars().all()
    states = db.session.execute(
        select(MailMessage.announcement_id, MailMessage.state, func.count())
        .where(MailMessage.announcement_id.in_([a.id for a in announcements] or [-1]))
        .group_by(MailMessage.announcement_id, MailMessage.state)
    ).all()
    progress = {a.id: {"sent": 0, "queued": 0, "failed": 0} for a in announcements}
    for announcement_id, state, count in states:
        bucket = "sent" if state in ("sent", "logged") else "failed" if state == "failed" else "queued"
        progress[announcement_id][bucket] += count
    return [(a, progress[a.id]) for a in announcements]
