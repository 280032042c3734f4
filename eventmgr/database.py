"""The declarative base and column types shared by every model."""

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import DateTime, MetaData, TypeDecorator, event, func, inspect
from sqlalchemy.orm import DeclarativeBase

from eventmgr.errors import EventMgrError

# Stable constraint names, so that migrations name the same thing the same way on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC, also on SQLite which keeps no zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def contains_text(expression, text: str):
    """SQL: `expression` contains `text` (stripped) in any case, each character as itself (no LIKE wildcards)."""
    return func.lower(expression).contains(text.strip().lower(), autoescape=True)


def enable_sqlite_foreign_keys(engine) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL does, and let reads run beside a write."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_pragma(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers do not block the writer, nor the writer the readers.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches must match Cyrillic names case-insensitively too.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def refuse_overlong_text(session, flush_context, instances) -> None:
    """Refuse to store text longer than its column allows: String(n)'s n, or a Text column's
    info["max_length"]. PostgreSQL enforces the first itself, SQLite neither; forms check both before this, so
    this guard catches what reached a service another way (an import, a command, a bug)."""
    for instance in (*session.new, *session.dirty):
        state = inspect(instance)
        for attribute in state.mapper.column_attrs:
            column = attribute.columns[0]
            limit = column.info.get("max_length") or getattr(column.type, "length", None)
            value = state.dict.get(attribute.key)  # only what is loaded: what changed is
            if limit and isinstance(value, str) and len(value) > limit:
                raise EventMgrError(_("At most %(max)d characters.", max=limit), field=attribute.key)


def guard_text_lengths(session_class) -> None:
    """Check every flush of sessions of this class with refuse_overlong_text (called once, by create_app)."""
    if not event.contains(session_class, "before_flush", refuse_overlong_text):
        event.listen(session_class, "before_flush", refuse_overlong_text)
