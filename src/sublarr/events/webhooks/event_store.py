"""Storing events and their delivery rows: the producer's write and the fan-out.

The producer's write in every ``emit`` is one row (the envelope with its
targets as JSON), in plain SQL on a connection of its own on SQLite;
:meth:`EventStore.fan_out` writes the per-webhook rows later, off the
producer's thread.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, ContextManager, Iterator, Sequence

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sublarr.db.base import driver_stamp, utcnow
from sublarr.db.engine import Database, writer_turn
from sublarr.events.webhooks import outbox_sql as sql
from sublarr.events.webhooks.outbox_rows import (
    Claimed,
    FanOut,
    NewEvent,
    encode_targets,
    pair_rows,
    public_delivery_id,
    unfanned_event,
    with_known_targets,
)
from sublarr.owners import new_owner_id


class EventStore:
    """Writes events and their delivery rows for one process (lease owner ``owner``)."""

    def __init__(self, db: Database, owner: str | None = None) -> None:
        self._db = db
        self.owner = owner or new_owner_id()
        # SQLite has one writer: queueing our own writers on a lock here
        # avoids SQLite's busy-handler sleeps (1, 2, 5… ms).
        self._sqlite_writer = threading.Lock()
        self._is_sqlite = db.dialect == "sqlite"
        dialect = db.engine.dialect
        self._dialect = db.dialect
        self._to_db = driver_stamp(db.dialect)
        self._claim = sql.claim_statement()
        self._envelopes = sql.envelopes_statement()
        self._due_sql = sql.due_webhooks_sql(db.dialect)
        self._expire = sql.expire_statement()
        self._marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self._record_sql = sql.record_sql(self._marker)
        self._insert_event_sql = sql.events_insert_sql(self._marker, 1)
        self._insert_unfanned_sql = sql.event_with_targets_insert_sql(self._marker)
        self._unfanned = sql.unfanned_statement()
        self._fanned = sql.fanned_statement()
        self._own: Any = None       # the SQLite producer connection, see _producer_connection
        self._closed = False

    # -- transactions -------------------------------------------------------
    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a transaction, serialised with our other writers on SQLite."""
        with self._gate_cm(), self._db.engine.begin() as conn:
            yield conn

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """An ORM session for a batch spanning several tables (one commit)."""
        with self._gate_cm(), self._db.session() as session:
            yield session

    def _gate_cm(self) -> ContextManager[Any]:
        return writer_turn(self._sqlite_writer) if self._is_sqlite else nullcontext()

    # -- producer side ------------------------------------------------------
    def enqueue(self, event_id: str, event_name: str, payload: str,
                targets: Sequence[tuple[int, int]], now: datetime | None = None) -> list[str]:
        """Store one pending row per ``(webhook_id, max_attempts)``; returns the delivery ids."""
        event = NewEvent(event_id, event_name, payload, targets, now or utcnow())
        return [public_delivery_id(key) for key in self.store(event)]

    def store_event(self, event: NewEvent) -> None:
        """The producer's write inside every ``emit``: one row, however many
        webhooks want the event.

        The targets ride along as JSON; :meth:`fan_out` writes the delivery
        rows later, off the producer's thread.  Plain SQL to the driver: the
        SQLAlchemy layers would cost more than the insert.
        """
        if not event.targets:
            return
        values = (event.event_id, event.event_name, event.payload,
                  self._to_db(event.created_at), encode_targets(event.targets))
        with self._raw_transaction(self._insert_unfanned_sql) as cursor:
            cursor.execute(self._insert_unfanned_sql, values)

    def store(self, event: NewEvent) -> list[int]:
        """Store the event and its pending rows at once (redelivery, deferred
        events); the row ids in ``targets`` order."""
        if not event.targets:
            return []
        rows_sql = sql.deliveries_insert_sql(self._marker, len(event.targets))
        params = self._row_params([event], (), None)
        with self._raw_transaction(rows_sql) as cursor:
            cursor.execute(self._insert_event_sql, (event.event_id, event.event_name,
                                                    event.payload, self._to_db(event.created_at)))
            cursor.execute(rows_sql, params)
            # ids grow in VALUES order; RETURNING's own order is not promised
            return sorted(row[0] for row in cursor.fetchall())

    def _row_params(self, events: Sequence[NewEvent], leased_to_me: Collection[int],
                    lease_until: datetime | None) -> list[Any]:
        """Positional parameters of :func:`outbox_sql.deliveries_insert_sql`, in
        ``targets`` order; rows of ``leased_to_me`` are stored leased to us."""
        mine = (self.owner, self._to_db(lease_until))
        params: list[Any] = []
        for event in events:
            stamp = self._to_db(event.created_at)
            for wid, max_attempts in event.targets:
                lease = mine if wid in leased_to_me else (None, None)
                params += (wid, event.event_id, max_attempts, stamp, *lease)
        return params

    def fan_out(self, max_events: int, leased_to_me: Collection[int],
                lease_seconds: float, exists: Callable[[int], bool],
                now: datetime | None = None) -> FanOut:
        """Write the delivery rows of up to ``max_events`` events stored by
        :meth:`store_event`, oldest first, and mark them done.

        One transaction per call, so a producer waits behind at most one
        bounded batch.  Rows of ``leased_to_me`` (the webhooks this process
        has room to send for, decided by the caller beforehand) are stored
        leased to us and returned as claims (no claim query needed); the rest
        go to the shared backlog.  Targets whose webhook no longer ``exists``
        (deleted since the emit) are dropped.
        """
        until = (now or utcnow()) + timedelta(seconds=lease_seconds)
        with self.write_connection() as conn:
            taken = conn.execute(self._unfanned, {"f_limit": max_events}).all()
            # RETURNING promises no order: oldest first, as emitted
            stored = [with_known_targets(unfanned_event(row), exists)
                      for row in sorted(taken, key=lambda r: (r.created_at, r.event_id))]
            if not stored:
                return FanOut(0, [], set())
            adopted, queued = self._insert_rows(conn, stored, leased_to_me, until)
            conn.execute(self._fanned, {"f_ids": [e.event_id for e in stored]})
        return FanOut(len(stored), adopted, queued)

    def store_fanned(self, events: Sequence[NewEvent], leased_to_me: Collection[int],
                     lease_seconds: float, exists: Callable[[int], bool],
                     now: datetime | None = None) -> FanOut:
        """Store journalled events (see :mod:`sublarr.events.webhooks.journal`) with their
        delivery rows in one transaction.

        An event already stored (copied before a crash stopped its removal
        from the journal) is skipped with its rows.
        """
        until = (now or utcnow()) + timedelta(seconds=lease_seconds)
        with self.write_connection() as conn:
            stamps = [self._to_db(e.created_at) for e in events]
            inserted = {row[0] for row in conn.exec_driver_sql(
                sql.events_insert_sql(self._marker, len(events)),
                tuple(v for e, at in zip(events, stamps, strict=True)
                      for v in (e.event_id, e.event_name, e.payload, at)))}
            fresh = [with_known_targets(e, exists) for e in events if e.event_id in inserted]
            adopted, queued = self._insert_rows(conn, fresh, leased_to_me, until)
        return FanOut(len(events), adopted, queued)

    def _insert_rows(self, conn: Connection, events: Sequence[NewEvent],
                     mine: Collection[int], until: datetime
                     ) -> tuple[list[Claimed], set[int]]:
        events = [e for e in events if e.targets]
        count = sum(len(e.targets) for e in events)
        if not count:
            return [], set()
        rows_sql = sql.deliveries_insert_sql(self._marker, count)
        # ids grow in VALUES order; RETURNING's own order is not promised
        keys = sorted(row[0] for row in conn.exec_driver_sql(
            rows_sql, tuple(self._row_params(events, mine, until))))
        return pair_rows(events, keys, mine, until)

    @contextmanager
    def _raw_transaction(self, statement: str) -> Iterator[Any]:
        """A DBAPI cursor in a transaction (SQLAlchemy's Connection and Transaction
        objects would add a third to the producer's tiny one)."""
        dbapi_error = self._db.engine.dialect.loaded_dbapi.Error
        with self._gate_cm():
            try:
                # the pool hands out connect errors raw (no Connection to wrap them)
                raw, pooled = self._producer_connection()
            except dbapi_error as exc:
                raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
            try:
                cursor = raw.cursor()
                yield cursor
                cursor.close()
                raw.commit()
            except BaseException as exc:
                self._roll_back(raw, pooled, dbapi_error)
                if isinstance(exc, dbapi_error):
                    # the same typed errors (IntegrityError, OperationalError…) as elsewhere
                    raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
                raise
            finally:
                if pooled:
                    raw.close()  # back to the pool

    def _roll_back(self, raw: Any, pooled: bool, dbapi_error: type[Exception]) -> None:
        """Never leave a connection inside a transaction; one that cannot even roll
        back (the server went away) is thrown away instead."""
        try:
            raw.rollback()
        except dbapi_error:
            if pooled:
                raw.invalidate()
            else:
                self._own = None
                try:
                    raw.close()
                except dbapi_error:
                    pass

    def _producer_connection(self) -> tuple[Any, bool]:
        """(connection, whether it is pooled).  On SQLite our writers take turns
        on one lock, so the producer keeps its own connection: a pool checkout
        and check-in per emit would cost about a third of its insert."""
        if not self._is_sqlite or self._closed:
            return self._db.engine.raw_connection(), True
        if self._own is None:
            fairy = self._db.engine.raw_connection()  # with the engine's pragmas
            fairy.detach()
            self._own = fairy.dbapi_connection
        return self._own, False

    def close(self) -> None:
        """Close the producer's own connection (later writes use the pool)."""
        with self._gate_cm():
            self._closed = True
            if self._own is not None:
                self._own.close()
                self._own = None
