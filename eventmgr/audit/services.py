"""Record entries in the audit log."""

from datetime import date, datetime
from decimal import Decimal

from eventmgr.audit.models import AuditEntry
from eventmgr.extensions import db


def _plain(value):
    """Make a value JSON-friendly for the changes column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(action: str, user=None, event=None, summary: str = "", changes: dict | None = None) -> AuditEntry:
    """Add an audit entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        event_id=event.id if event is not None else None,
        summary=summary[:500],
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in changes.items()} if changes else None,
    )
    db.session.add(entry)
    return entry


def event_log(event, limit: int = 200) -> list[AuditEntry]:
    """The newest entries about one event."""
    return (
        db.session.execute(
            db.select(AuditEntry)
            .where(AuditEntry.event_id == event.id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def site_log(limit: int = 500) -> list[AuditEntry]:
    """The newest entries that concern no single event: accounts, organisations, people."""
    return (
        db.session.execute(
            db.select(AuditEntry)
            .where(AuditEntry.event_id.is_(None))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
