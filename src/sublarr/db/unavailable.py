"""Telling "the database cannot be reached right now" apart from real errors.

A PostgreSQL server that is restarting or gone, a connection it cut, a pool
with no free connection, a SQLite file locked by another process for longer
than the busy timeout: none of these is a bug, and each ends by itself.  The
API answers them with 503 and ``Retry-After`` (see ``sublarr.api.errors``);
everything else stays a 500.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

# How long a client should wait before trying again (the Retry-After header).
RETRY_AFTER_SECONDS = 5
# Primary result codes of SQLite: another connection holds the lock.
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
_SQLITE_LOCK_MESSAGES = ("database is locked", "database table is locked",
                         "database schema is locked")
_CHAIN_DEPTH = 8


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the database is unreachable or busy."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < _CHAIN_DEPTH:
        if _unavailable_here(current):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def describe_error(exc: BaseException) -> str:
    """The first line of what the driver said (for a one-line log entry)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _unavailable_here(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError):  # every pooled connection is in use
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:  # SQLAlchemy saw a disconnect
            return True
        return exc.orig is not None and _unavailable_here(exc.orig)
    if isinstance(exc, psycopg.OperationalError):
        # connection refused or cut, server starting up or shutting down,
        # statement cancelled: all transient, none a programming error
        return True
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
        return str(exc).startswith(_SQLITE_LOCK_MESSAGES)
    return False
