"""Attendance of online delegates, from the participant report the meeting platform (Zoom, Webex, Teams) exports.

Nobody walks past the desk at a webinar: the platform knows who joined. Its CSV report is matched by e-mail
address against the event's confirmed registrations, and each delegate found is marked as attended once, at the
time they joined, so that the event's attendance count and the certificates of attendance include them.
Platforms name their columns differently and some put a summary of the meeting above the participants, so the
header row is the first one with an e-mail column.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import select

from eventmgr.audit.services import record
from eventmgr.database import utcnow
from eventmgr.errors import EventMgrError
from eventmgr.extensions import db
from eventmgr.registration import services
from eventmgr.registration.models import Registration
from eventmgr.spreadsheets import decode_csv

#: The largest participant report accepted: a three-hour webinar of thousands of people is far below it.
REPORT_BYTES = 5 * 1024 * 1024

#: Headers of the e-mail column in the reports of the platforms in use, compared lower-cased.
EMAIL_HEADERS = (
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "user email",
    "attendee email",
    "participant email",
    "registrant email",
    "guest email",
    "mail",
)

#: Headers of the column saying when a participant (first) joined.
JOIN_HEADERS = ("join time", "first join", "first join time", "joined", "join date", "time joined", "join time (utc)")

#: How platforms write times when they do not write ISO 8601 (Zoom and Webex in US English, Teams, Europe).
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
)


@dataclass
class AttendanceImport:
    """What an import of a participant report did."""

    #: Delegates marked as attended by this import.
    marked: list = field(default_factory=list)
    #: Delegates in the report who were marked already (at the desk, or by an earlier import of it).
    already: list = field(default_factory=list)
    #: Addresses in the report of nobody registered (or whose registration is not confirmed), sorted.
    unknown: list = field(default_factory=list)
    #: Rows of the report with no address (guests who joined without signing in).
    without_email: int = 0


def _header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").strip().lower().split())


def _find_column(header: list[str], names: tuple[str, ...], contains: str | None = None) -> int | None:
    keys = [_header_key(cell) for cell in header]
    for index, key in enumerate(keys):
        if key in names:
            return index
    if contains:
        found = [index for index, key in enumerate(keys) if contains in key.replace("-", "")]
        if len(found) == 1:
            return found[0]
    return None


def read_report(data: bytes) -> list[tuple[str | None, str | None]]:
    """(address lower-cased or None, join time as written or None) for each participant row of the report."""
    if len(data) > REPORT_BYTES:
        raise EventMgrError(
            _(
                "The file is larger than the %(mb)s MB allowed; export the report again.",
                mb=format_number(REPORT_BYTES / 2**20),
            ),
            field="report",
        )
    try:
        text = decode_csv(data)
    except UnicodeDecodeError as error:
        raise EventMgrError(_('Save the report as CSV ("CSV UTF-8" in Excel).'), field="report") from error
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    email_column = join_column = None
    participants = []
    try:
        for row in rows:
            # A header row: the first with an e-mail column, or a later one naming it exactly, since Zoom puts the
            # meeting's summary (with its host's "User Email") above the participants' own header.
            header_email = _find_column(row, EMAIL_HEADERS, contains=None if email_column is not None else "email")
            if header_email is not None:
                email_column, join_column = header_email, _find_column(row, JOIN_HEADERS, contains="join")
                participants = []
                continue
            if email_column is None:
                continue
            if not any(cell.strip() for cell in row):
                continue
            address = row[email_column].strip().lower() if email_column < len(row) else ""
            joined = row[join_column].strip() if join_column is not None and join_column < len(row) else ""
            participants.append((address if "@" in address else None, joined or None))
    except csv.Error as error:
        raise EventMgrError(
            _("The file is not a CSV file that can be read (%(error)s).", error=error), field="report"
        ) from error
    if email_column is None:
        raise EventMgrError(
            _(
                'The report has no e-mail column: export it with the participants\' addresses (a column named "Email" '
                'or "User Email").'
            ),
            field="report",
        )
    return participants


def parse_join_time(text: str | None, event) -> datetime | None:
    """When the participant joined, as UTC, if the report says so plausibly (around the event, not in the future).

    A time without a zone is taken in the event's zone, which is how organisers set up their platform's meeting."""
    if not text:
        return None
    candidates = []
    try:
        candidates.append(datetime.fromisoformat(text))
    except ValueError:
        for time_format in TIME_FORMATS:
            try:
                candidates.append(datetime.strptime(text, time_format))
            except ValueError:
                continue
    earliest, latest = event.start_at - timedelta(days=1), event.end_at + timedelta(days=1)
    for candidate in candidates:
        if candidate.tzinfo is None:
            candidate = candidate.replace(tzinfo=event.tz)
        candidate = candidate.astimezone(event.start_at.tzinfo)
        if earliest <= candidate <= latest and candidate <= utcnow():
            return candidate
    return None


def import_attendance(event, data: bytes, by) -> AttendanceImport:
    """Mark as attended the event's confirmed delegates found by address in the platform's participant report, each
    once and at the first time they joined; report who was marked, who was already, and the unknown addresses."""
    joined_at: dict[str, datetime | None] = {}
    outcome = AttendanceImport()
    for address, joined in read_report(data):
        if address is None:
            outcome.without_email += 1
            continue
        when = parse_join_time(joined, event)
        # Someone who left and came back has several rows: they attended from the first.
        if address not in joined_at or (when and (joined_at[address] is None or when < joined_at[address])):
            joined_at[address] = when
    confirmed = {
        registration.email.lower(): registration
        for registration in db.session.execute(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == "confirmed",
                Registration.email.in_(list(joined_at)),
            )
        ).scalars()
    }
    for address in sorted(joined_at):
        registration = confirmed.get(address)
        if registration is None:
            outcome.unknown.append(address)
        elif services.check_in(registration, by, now=joined_at[address] or utcnow()):
            outcome.marked.append(registration)
        else:
            outcome.already.append(registration)
    if outcome.marked:
        record("registration.attendance_import", by, event, summary=f"{len(outcome.marked)} marked as attended")
    db.session.flush()
    return outcome
