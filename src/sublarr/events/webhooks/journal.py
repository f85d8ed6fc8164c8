"""The producer's journal on SQLite: emits append here, the scheduler moves them on.

SQLite has one writer per database file, and the scheduler writes the main
database all the time (delivery rows, leases, outcomes, in transactions of
a few milliseconds).  An emit that had to wait for one of those would wait
that long.  So with SQLite an emit appends its event (envelope + targets)
to ``<data dir>/webhook-journal.db`` instead: a database file of its own,
written only by producers and by this module's short deletes, both taking
turns on one lock.  The scheduler copies the events into the outbox (one
transaction: event row + delivery rows), then deletes them here; after a
crash between the two, the copy is recognised by its event id and skipped.

Durability is the main database's: WAL with ``synchronous=NORMAL`` keeps
every committed append through a crash or kill -9 of the process.  The file
is a queue, not a schema of record, so it is created here rather than by a
migration.  PostgreSQL needs none of this (writers do not block each other);
there, events go straight to ``webhook_events``.

Earlier releases called the file ``webhook-intake.db`` and its table
``intake`` (with AUTOINCREMENT). At start, the events waiting in that table
are moved to ``events`` in the same file, and those waiting in a file of the
old name are copied into this one (one transaction, skipping any copied
already); the old file is then removed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from sublarr.db.engine import SQLITE_BUSY_TIMEOUT_MS, apply_sqlite_pragmas
from sublarr.events.webhooks.outbox_rows import (
    NewEvent,
    count_targets,
    decode_targets,
    encode_targets,
)

log = logging.getLogger(__name__)

FILE_NAME = "webhook-journal.db"
LEGACY_FILE_NAMES = ("webhook-intake.db",)  # what the journal was called before
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
# Checkpoint the journal after this many removed events (its WAL would grow
# forever otherwise: automatic checkpoints are off so no emit pays for one).
CHECKPOINT_EVERY = 2000

# No AUTOINCREMENT: positions only need to grow while rows exist (they are read,
# then removed through a position); AUTOINCREMENT would also rewrite the
# sqlite_sequence page in every append's commit, a third of an append's cost.
_SCHEMA = """CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    targets TEXT NOT NULL)"""
_COLUMNS = "event_id, event_name, payload, created_at, targets"
_APPEND = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
_OLDEST = f"SELECT id, {_COLUMNS} FROM events ORDER BY id LIMIT ?"
# The table of earlier releases (AUTOINCREMENT), in this file or a legacy one.
_LEGACY_TABLE = "intake"


class Journaled(NamedTuple):
    """An event read back from the journal, with its position there."""

    position: int
    event: NewEvent


class WebhookJournal:
    """One journal file; ``append`` is for producers, the rest for the scheduler."""

    def __init__(self, data_dir: Path) -> None:
        self._path = path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._writer: sqlite3.Connection | None = _connect(path)
        _create_or_upgrade(self._writer)
        for name in LEGACY_FILE_NAMES:
            _take_over(self._writer, Path(data_dir) / name)
        self._reader = _connect(path)
        # The scheduler reads; an API or metrics thread may count meanwhile.
        self._reader_lock = threading.Lock()
        self._removed_since_checkpoint = 0

    def append(self, event: NewEvent) -> None:
        """Store one event durably (a single autocommitted INSERT)."""
        values = (event.event_id, event.event_name, event.payload,
                  event.created_at.isoformat(), encode_targets(event.targets))
        with self._lock:
            if self._writer is not None:
                self._writer.execute(_APPEND, values)
                return
        # Closed (the app is stopping): still durable, on a connection of its own.
        late = _connect(self._path)
        try:
            late.execute(_APPEND, values)
        finally:
            late.close()

    def oldest(self, limit: int) -> list[Journaled]:
        with self._reader_lock:
            rows = self._reader.execute(_OLDEST, (limit,)).fetchall()
        return [Journaled(row[0], _event_of(row)) for row in rows]

    def remove_through(self, position: int) -> None:
        """Forget every event up to ``position`` (they are in the outbox now)."""
        with self._lock:
            if self._writer is None:  # closed: the events are simply copied again next start
                return
            removed = self._writer.execute("DELETE FROM events WHERE id <= ?",
                                           (position,)).rowcount
        self._removed_since_checkpoint += removed
        if self._removed_since_checkpoint >= CHECKPOINT_EVERY:
            # PASSIVE: copies what it can without waiting for, or blocking, producers
            with self._reader_lock:
                self._reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self._removed_since_checkpoint = 0

    def targets_waiting(self, webhook_id: int | None = None) -> int:
        """Deliveries the journalled events will become."""
        with self._reader_lock:
            rows = self._reader.execute("SELECT targets FROM events").fetchall()
        return count_targets((targets for (targets,) in rows), webhook_id)

    def close(self) -> None:
        """Close both connections (the scheduler has stopped; a later append
        opens its own)."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        with self._reader_lock:
            self._reader.close()


def _take_over(writer: sqlite3.Connection, old: Path) -> None:
    """Copy the events waiting in a journal file of an older name, then remove it.

    A second process doing the same waits for the first on the write lock and
    then finds every event copied; the old file is never created by this.
    """
    if not old.exists():
        return
    try:
        source = sqlite3.connect(f"file:{old}?mode=rw", uri=True,
                                 timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    except sqlite3.OperationalError:  # removed meanwhile by another process
        return
    try:
        rows = source.execute(f"SELECT {_COLUMNS} FROM {_LEGACY_TABLE} ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # an empty file (no table): nothing waits in it
        rows = []
    finally:
        source.close()  # checkpoints its WAL: nothing is left in -wal after this
    copied = 0
    if rows:
        writer.execute("BEGIN IMMEDIATE")
        try:
            present = {event_id for (event_id,) in writer.execute("SELECT event_id FROM events")}
            fresh = [row for row in rows if row[0] not in present]
            writer.executemany(_APPEND, fresh)
            writer.execute("COMMIT")
        except BaseException:
            writer.execute("ROLLBACK")
            raise
        copied = len(fresh)
    for suffix in SQLITE_SUFFIXES:
        Path(f"{old}{suffix}").unlink(missing_ok=True)
    log.info("moved %d waiting webhook events from %s to %s", copied, old.name, FILE_NAME)


def _create_or_upgrade(writer: sqlite3.Connection) -> None:
    """Create the table, or move the events of an earlier release's table into it
    (one transaction, positions and order kept)."""
    writer.execute("BEGIN IMMEDIATE")
    try:
        writer.execute(_SCHEMA)
        legacy = writer.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (_LEGACY_TABLE,)).fetchone()
        if legacy:
            writer.execute(f"INSERT INTO events (id, {_COLUMNS}) "
                           f"SELECT id, {_COLUMNS} FROM {_LEGACY_TABLE} ORDER BY id")
            writer.execute(f"DROP TABLE {_LEGACY_TABLE}")
        writer.execute("COMMIT")
    except BaseException:
        writer.execute("ROLLBACK")
        raise


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: every statement commits by itself, no BEGIN round trip
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                           timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    apply_sqlite_pragmas(conn)  # those of the main database: WAL, no automatic checkpoints
    return conn


def _event_of(row: tuple) -> NewEvent:
    _position, event_id, event_name, payload, created_at, targets = row
    at = datetime.fromisoformat(created_at)
    return NewEvent(event_id, event_name, payload, decode_targets(targets),
                    at if at.tzinfo else at.replace(tzinfo=timezone.utc))
