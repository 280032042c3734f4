"""The organiser's desk: finding registrations, exporting them, statistics, announcements, lists of invitees."""

import csv
import hashlib
import io
from collections.abc import Iterator

from email_validator import EmailNotValidError, validate_email
from flask import render_template
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from eventmgr.audit.services import record
from eventmgr.database import contains_text
from eventmgr.errors import EventMgrError
from eventmgr.events.models import ATTENDANCE_MODES
from eventmgr.events.sender import event_mail_headers
from eventmgr.extensions import db
from eventmgr.languages import current_language, in_language, interface_languages, supported
from eventmgr.locales import country_name, language_name
from eventmgr.mail.models import MailMessage
from eventmgr.mail.services import queue_mail
from eventmgr.organisations.models import ORGANISATION_KINDS, Organisation
from eventmgr.registration.models import (
    ACTIVE_STATUSES,
    REGISTRATION_STATUSES,
    Announcement,
    OfferCode,
    Registration,
)
from eventmgr.registration.services import event_questions
from eventmgr.registration.unsubscribing import unsubscribe_url


def filtered_query(event, filters: dict):
    """Registrations of the event matching the desk's filters, newest first (their organisations not loaded)."""
    query = select(Registration).where(Registration.event_id == event.id)
    if filters.get("status") in REGISTRATION_STATUSES:
        query = query.where(Registration.status == filters["status"])
    if filters.get("country"):
        query = query.where(Registration.country == filters["country"])
    if filters.get("mode") in ATTENDANCE_MODES:
        query = query.where(Registration.attendance_mode == filters["mode"])
    if filters.get("delegation_id"):
        query = query.where(Registration.delegation_id == filters["delegation_id"])
    if filters.get("organisation_id"):
        query = query.where(Registration.organisation_id == filters["organisation_id"])
    if filters.get("checked_in") == "yes":
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.get("checked_in") == "no":
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.get("q"):
        text = filters["q"]
        query = query.where(
            or_(
                contains_text(Registration.given_name, text),
                contains_text(Registration.family_name, text),
                contains_text(Registration.email, text),
                contains_text(Registration.organisation_name, text),
                contains_text(Registration.delegation, text),
                contains_text(Registration.given_name + " " + Registration.family_name, text),
            )
        )
    rows = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    question_id, answer = filters.get("question"), filters.get("answer")
    return rows, (str(question_id), answer) if question_id and answer else None


def registered_organisations(event) -> list[Organisation]:
    """The directory's organisations that delegates of the event chose, by name (the desk's filter offers them)."""
    # A range of the (event_id, organisation_id) index, not a join with each of the event's registrations.
    chosen = select(Registration.organisation_id).where(
        Registration.event_id == event.id, Registration.organisation_id.is_not(None)
    )
    return (
        db.session.execute(select(Organisation).where(Organisation.id.in_(chosen)).order_by(Organisation.name))
        .scalars()
        .all()
    )


def offer_codes(event) -> list[OfferCode]:
    """The event's offer codes, by code."""
    return (
        db.session.execute(select(OfferCode).where(OfferCode.event_id == event.id).order_by(OfferCode.code))
        .scalars()
        .all()
    )


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


def known_total(filters: dict, counts: dict[str, int]) -> int | None:
    """How many registrations the filters match, when the counts by status (services.status_counts) already say:
    with no filter, or a status alone. None when only counting the matches can tell."""
    if any(value is not None for name, value in filters.items() if name != "status"):
        return None
    if filters.get("status"):
        return counts.get(filters["status"], 0)
    return sum(count for status, count in counts.items() if status != "attended")


def find(event, filters: dict, page: int, per_page: int = 50, total: int | None = None):
    """One page of matching registrations, their organisations loaded, and the total count (`total`, when the
    caller knows it already: known_total)."""
    query, answer_filter = filtered_query(event, filters)
    query = query.options(selectinload(Registration.organisation))
    if answer_filter is None:
        if total is None:
            total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
        # The page is read alone, with no join ahead of its OFFSET; its few organisations in one more query.
        rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()
        return rows, total
    # Answers live in a JSON column; filter them here so the query stays portable.
    matching = [r for r in db.session.execute(query).scalars() if matches_answer(r, answer_filter)]
    start = (page - 1) * per_page
    return matching[start : start + per_page], len(matching)


CSV_COLUMNS = (
    "id",
    "status",
    "honorific",
    "given_name",
    "family_name",
    "email",
    "position",
    "organisation",
    "country",
    "country_name",
    "delegation",
    "head_of_delegation",
    "attendance_mode",
    "needs_visa_letter",
    "accessibility_needs",
    "dietary_needs",
    "interpretation_language",
    "list_publicly",
    "offer_code",
    "amount_due",
    "amount_paid",
    "registered_at",
    "checked_in_at",
)


def export_table(event, filters: dict) -> tuple[list[str], Iterator[list]]:
    """The header and the matching registrations' rows, every field and answer; rows are read as they are taken.

    Write them with eventmgr.spreadsheets, which defuses what delegates and organisers typed.
    """
    questions = event_questions(event.id)
    query, answer_filter = filtered_query(event, filters)
    query = query.options(
        joinedload(Registration.organisation), joinedload(Registration.offer_code), selectinload(Registration.payments)
    ).execution_options(yield_per=500)

    def rows() -> Iterator[list]:
        for registration in db.session.execute(query).scalars():
            if not matches_answer(registration, answer_filter):
                continue
            answers = registration.answers or {}
            yield [
                registration.id,
                registration.status,
                registration.honorific,
                registration.given_name,
                registration.family_name,
                registration.email,
                registration.position,
                registration.organisation_display,
                registration.country,
                country_name(registration.country),
                registration.delegation,
                # A head whose delegation was withdrawn (delegation_id set to NULL) heads nothing any more.
                "yes" if registration.is_head and registration.delegation_id else "no",
                registration.attendance_mode,
                "yes" if registration.needs_visa_letter else "no",
                registration.accessibility_needs,
                registration.dietary_needs,
                registration.interpretation_language,
                "yes" if registration.list_publicly else "no",
                registration.offer_code.code if registration.offer_code else None,
                registration.amount_due,
                registration.amount_paid,
                registration.created_at.isoformat(),
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
        .where(Registration.event_id == event.id, active)
        .group_by(Registration.country)
        .order_by(func.count().desc())
    ).all()
    by_kind = db.session.execute(
        select(Organisation.kind, func.count(), func.count(Registration.checked_in_at))
        .select_from(Registration)
        .outerjoin(Organisation, Registration.organisation_id == Organisation.id)
        .where(Registration.event_id == event.id, active)
        .group_by(Organisation.kind)
        .order_by(func.count().desc())
    ).all()
    return {
        "by_country": [(code, country_name(code) if code else "—", n, attended) for code, n, attended in by_country],
        "by_kind": [
            (str(ORGANISATION_KINDS[kind]) if kind in ORGANISATION_KINDS else _("Not in the directory"), n, attended)
            for kind, n, attended in by_kind
        ],
    }


class AudienceChanged(EventMgrError):
    """Who an announcement would reach is no longer who the organiser confirmed; `count`: how many it is now."""

    status_code = 409

    def __init__(self, message: str, count: int):
        super().__init__(message)
        self.count = count


#: The audience filters an announcement takes (the desk's list takes more).
AUDIENCE_FILTERS = ("status", "country", "mode")


def audience(event, filters: dict) -> list[Registration]:
    """The registrants an announcement with these filters reaches: the active ones (pending, confirmed, waiting
    list) unless a status is chosen, by name; never those who stopped the event's announcements."""
    query, answer_filter = filtered_query(event, filters)
    query = query.where(Registration.unsubscribed_at.is_(None)).options(joinedload(Registration.organisation))
    if filters.get("status") not in REGISTRATION_STATUSES:
        query = query.where(Registration.status.in_(ACTIVE_STATUSES))
    query = query.order_by(None).order_by(Registration.family_name, Registration.given_name, Registration.id)
    return [r for r in db.session.execute(query).scalars() if matches_answer(r, answer_filter)]


def audience_key(recipients: list[Registration]) -> str:
    """A short digest of exactly who the recipients are: the same count can be other people."""
    ids = ",".join(str(r.id) for r in sorted(recipients, key=lambda r: r.id))
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def draft_announcement(
    event, subject: str, body: str, language: str | None = None, translations: dict[str, dict] | None = None
) -> Announcement:
    """The announcement as written, not yet sent: `subject` and `body` in `language` (the writer's own by default),
    and in other interface languages `translations`, {"ru": {"subject": ..., "body": ...}}; a language given
    neither is left out, one given only one of the two is refused (the field named is the missing one)."""
    language = supported(language) or current_language()
    announcement = Announcement(
        event_id=event.id, subject=subject, body=body, original_language=language, translations={}
    )
    for code, version in (translations or {}).items():
        code = supported(code)
        if code is None or code == language:
            continue
        given = {field: (version.get(field) or "").strip() for field in ("subject", "body")}
        missing = [field for field, value in given.items() if not value]
        if len(missing) == 1:
            raise EventMgrError(
                _(
                    "Give both the subject and the message in %(language)s, or neither.",
                    language=language_name(code),
                ),
                field=f"{missing[0]}_{code}",
            )
        for field, value in given.items():
            announcement.set_translation(code, field, value)
    return announcement


def content_key(announcement: Announcement) -> str:
    """A short digest of the message as previewed, in every language it is written in, to tell when it was edited
    after the preview."""
    versions = [announcement.original_language, announcement.subject, announcement.body]
    for code, fields in sorted((announcement.translations or {}).items()):
        versions += [code, fields.get("subject", ""), fields.get("body", "")]
    return hashlib.sha256("\0".join(versions).encode()).hexdigest()[:32]


def version_language(announcement: Announcement, registration: Registration) -> str:
    """The language of the version a registrant gets: the one they registered in if the announcement is written in
    it, else the original."""
    language = registration.language
    return language if announcement.translation(language, "subject") else announcement.original_language


def announcement_message(event, registration: Registration, announcement: Announcement) -> dict:
    """The announcement as this registrant gets it, all of it in the language of their version: {to, subject, body}
    (the preview shows the same)."""
    language = version_language(announcement, registration)
    stop_url = unsubscribe_url(registration)
    with in_language(language):
        return {
            "to": registration.email,
            "subject": f"{announcement.translation(language, 'subject')} · {event.translated.title}",
            "body": render_template(
                "email/registration/announcement.txt",
                event=event,
                name=registration.full_name,
                body=announcement.translation(language, "body"),
                unsubscribe_url=stop_url,
            ),
            "headers": event_mail_headers(event, automatic=True, unsubscribe_url=stop_url),
        }


def announcement_versions(event, announcement: Announcement, recipients: list[Registration]) -> list[dict]:
    """Each language version of the announcement, the original first: {language, name (the language's), count
    (of recipients who get it), message (as the first of them gets it, None when nobody does)}."""
    groups: dict[str, list[Registration]] = {}
    for registration in recipients:
        groups.setdefault(version_language(announcement, registration), []).append(registration)
    written = [announcement.original_language] + [
        code
        for code in interface_languages()
        if code != announcement.original_language and announcement.translation(code, "subject")
    ]
    return [
        {
            "language": code,
            "name": language_name(code),
            "count": len(groups.get(code, ())),
            "message": announcement_message(event, groups[code][0], announcement) if code in groups else None,
            "recipient": groups[code][0].full_name if code in groups else None,
        }
        for code in written
    ]


def announce(
    event,
    subject: str,
    body: str,
    filters: dict,
    by,
    confirmed_key: str | None = None,
    language: str | None = None,
    translations: dict[str, dict] | None = None,
) -> Announcement:
    """Queue one message per registrant of the audience, each in their language when it is written in it (see
    draft_announcement); the outbox sends them.

    `confirmed_key`: the audience_key of the recipients the organiser saw and confirmed; when the audience has
    changed since (a registration, a cancellation), nothing is sent and AudienceChanged says how many it is now.
    """
    announcement = draft_announcement(event, subject, body, language, translations)
    filters = {key: filters.get(key) for key in AUDIENCE_FILTERS if filters.get(key)}
    recipients = audience(event, filters)
    if not recipients:
        raise EventMgrError(_("No registration matches these filters."))
    if confirmed_key is not None and audience_key(recipients) != confirmed_key:
        raise AudienceChanged(
            ngettext(
                "The audience has changed since the preview: it is now %(num)d person. Check and confirm again.",
                "The audience has changed since the preview: it is now %(num)d people. Check and confirm again.",
                len(recipients),
            ),
            count=len(recipients),
        )
    announcement.audience, announcement.recipients, announcement.sent_by_id = filters, len(recipients), by.id
    db.session.add(announcement)
    db.session.flush()
    for registration in recipients:
        message = queue_mail(**announcement_message(event, registration, announcement), event_id=event.id)
        if message is not None:  # None while mail is withheld
            message.announcement_id = announcement.id
    record("announcement.send", by, event, summary=f"{subject} ({len(recipients)} recipients)")
    return announcement


def announcement_progress(event) -> list[tuple[Announcement, dict]]:
    """Each announcement of the event with how many of its messages are sent, queued and failed."""
    announcements = (
        db.session.execute(
            select(Announcement).where(Announcement.event_id == event.id).order_by(Announcement.created_at.desc())
        )
        .scalars()
        .all()
    )
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


#: The largest list of invitees a CSV file may hold.
INVITE_CSV_BYTES = 2 * 1024 * 1024


def invitation_entries(text: str, csv_data: bytes | None = None) -> list[tuple[str, str | None]]:
    """(email, name) pairs from rows "email[, name]" typed in a box and/or read from a CSV file, every address checked.

    A header row is skipped. Give the file's first INVITE_CSV_BYTES + 1 bytes: a longer file is refused rather
    than cut, since its cut last row could still be an address, but not the one meant.
    """
    sources = [("emails", text or "")]
    if csv_data:
        if len(csv_data) > INVITE_CSV_BYTES:
            raise EventMgrError(
                _(
                    "The file is larger than the %(mb)s MB allowed; split it.",
                    mb=format_number(INVITE_CSV_BYTES / 2**20),
                ),
                field="csv_file",
            )
        try:
            sources.append(("csv_file", csv_data.decode("utf-8-sig")))
        except UnicodeDecodeError as error:
            raise EventMgrError(_('Save the file as CSV in UTF-8 ("CSV UTF-8" in Excel).'), field="csv_file") from error
    entries = []
    for field, content in sources:
        for row in csv.reader(io.StringIO(content)):
            if not row or not row[0].strip() or row[0].strip().lower() in ("email", "e-mail"):
                continue
            try:
                email = validate_email(row[0].strip(), check_deliverability=False).normalized
            except EmailNotValidError as error:
                raise EventMgrError(
                    _("%(address)s is not a valid e-mail address.", address=row[0].strip()), field=field
                ) from error
            entries.append((email, (row[1].strip() or None) if len(row) > 1 else None))
    if not entries:
        raise EventMgrError(_("Give at least one address."), field="emails")
    return entries
