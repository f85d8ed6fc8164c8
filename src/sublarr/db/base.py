"""Declarative base and column types shared by every table module."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model; one metadata for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite stores naive values; PostgreSQL stores ``timestamptz``.  Either way
    code sees aware UTC datetimes, so comparisons never mix the two kinds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001 - SQLAlchemy signature
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def sqlite_stamp(moment: datetime) -> str:
    """What UTCDateTime stores on SQLite (naive UTC text), for writers that hand
    plain SQL to the driver and skip SQLAlchemy's per-value processing."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def driver_stamp(dialect_name: str) -> Callable[[datetime | None], Any]:
    """How a UTCDateTime value goes to this dialect's driver in plain SQL."""
    if dialect_name == "sqlite":
        return lambda moment: None if moment is None else sqlite_stamp(moment)
    return lambda moment: moment


def batch_stamp(dialect_name: str) -> Callable[[datetime | None], Any]:
    """:func:`driver_stamp` for one batch of rows: a batch shares a few
    timestamps, so each distinct one is converted once."""
    convert = driver_stamp(dialect_name)
    seen: dict[datetime, Any] = {}

    def stamp(moment: datetime | None) -> Any:
        if moment is None:
            return None
        found = seen.get(moment)
        return found if found is not None else seen.setdefault(moment, convert(moment))

    return stamp


def iso_z(moment: datetime | None) -> str | None:
    """An API timestamp: ISO 8601 in UTC with a ``Z`` (None stays None)."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)
