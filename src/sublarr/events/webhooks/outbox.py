"""The webhook outbox (``webhook_events`` + ``webhook_deliveries``): the only module touching them.

An emit stores its envelope once and a small row per (event, webhook)
before ``emit`` returns.  Schedulers *claim* due rows by stamping a lease
(owner + expiry) on them: on PostgreSQL with ``SELECT … FOR UPDATE SKIP
LOCKED`` so several processes share one backlog; on SQLite with a single
``UPDATE … RETURNING`` (atomic under SQLite's one writer).  A crashed
worker's lease simply runs out; a restarted process on the same host frees
its dead predecessors' leases at once.  Row states: ``pending`` →
``delivered`` | ``failed``.  The public delivery id is ``dlv_<row id>``.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, ContextManager, Iterable, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sublarr.db.base import batch_stamp, driver_stamp, utcnow
from sublarr.db.engine import Database
from sublarr.events.webhooks import outbox_sql as sql
from sublarr.owners import new_owner_id
from sublarr.events.webhooks.outbox_sql import DELIVERIES as _T
from sublarr.events.webhooks.outbox_sql import EVENTS as _E
from sublarr.events.webhooks.outbox_sql import IS_PENDING, UNFANNED

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
PRUNE_CHUNK = 1000
ID_PREFIX = "dlv_"


def encode_targets(targets: Sequence[tuple[int, int]]) -> str:
    """An event's ``(webhook_id, max_attempts)`` list as stored until its rows exist."""
    return json.dumps(targets, separators=(",", ":"))


def decode_targets(text: str) -> list[tuple[int, int]]:
    return [(int(wid), int(max_attempts)) for wid, max_attempts in json.loads(text)]


def count_targets(stored: Iterable[str], webhook_id: int | None = None) -> int:
    """Deliveries that stored target lists will become (of one webhook, or all)."""
    return sum(1 for text in stored for wid, _ in decode_targets(text)
               if webhook_id is None or wid == webhook_id)


def public_delivery_id(key: int) -> str:
    return f"{ID_PREFIX}{key}"


def delivery_key(delivery_id: str) -> int | None:
    """The row id behind a public delivery id (None when it is not one of ours)."""
    digits = delivery_id[len(ID_PREFIX):] if delivery_id.startswith(ID_PREFIX) else ""
    return int(digits) if digits.isdigit() else None


class Claimed(NamedTuple):
    """A delivery this process holds a lease on (a tuple: one emit builds a hundred)."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    attempts: int
    max_attempts: int
    lease_expires_at: datetime


@dataclass(frozen=True)
class NewEvent:
    """An event to store with one pending delivery per ``(webhook_id, max_attempts)``."""

    event_id: str
    event_name: str
    payload: str
    targets: Sequence[tuple[int, int]]
    created_at: datetime


@dataclass(frozen=True)
class FanOut:
    """What one fan-out transaction stored."""

    events: int                   # events whose rows now exist (0: none was waiting)
    adopted: list[Claimed]        # rows stored already leased to this process
    queued: set[int]              # webhooks that got rows in the shared backlog


@dataclass(frozen=True)
class AttemptRecord:
    """The stored effect of one attempt on its row."""

    delivery_id: str
    status: str                   # PENDING (rescheduled), DELIVERED or FAILED
    attempts: int
    next_attempt_at: datetime
    status_code: int | None
    error: str | None
    completed_at: datetime | None


@dataclass(frozen=True)
class StoredDelivery:
    """A delivery as the API and redelivery need it."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    status: str
    attempts: int


class Outbox:
    """Reads and writes the outbox tables for one process (lease owner ``owner``)."""

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
        self._probe = sql.probe_statement()
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
        return self._sqlite_writer if self._is_sqlite else nullcontext()

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

    def fan_out(self, max_events: int, reserve: Callable[[Iterable[int]], set[int]],
                lease_seconds: float, exists: Callable[[int], bool],
                now: datetime | None = None) -> FanOut:
        """Write the delivery rows of up to ``max_events`` events stored by
        :meth:`store_event`, oldest first, and mark them done.

        One transaction per call, so a producer waits behind at most one
        bounded batch.  ``reserve`` picks the webhooks whose rows this
        process will send itself: those are stored leased to us and returned
        as claims (no claim query needed); the rest go to the shared backlog.
        Targets whose webhook no longer ``exists`` (deleted since the emit)
        are dropped.
        """
        until = (now or utcnow()) + timedelta(seconds=lease_seconds)
        with self.write_connection() as conn:
            taken = conn.execute(self._unfanned, {"f_limit": max_events}).all()
            # RETURNING promises no order: oldest first, as emitted
            stored = [_with_known_targets(_unfanned_event(row), exists)
                      for row in sorted(taken, key=lambda r: (r.created_at, r.event_id))]
            if not stored:
                return FanOut(0, [], set())
            adopted, queued = self._insert_rows(conn, stored, reserve, until)
            conn.execute(self._fanned, {"f_ids": [e.event_id for e in stored]})
        return FanOut(len(stored), adopted, queued)

    def store_fanned(self, events: Sequence[NewEvent], reserve: Callable[[Iterable[int]], set[int]],
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
            fresh = [_with_known_targets(e, exists) for e in events if e.event_id in inserted]
            adopted, queued = self._insert_rows(conn, fresh, reserve, until)
        return FanOut(len(events), adopted, queued)

    def _insert_rows(self, conn: Connection, events: Sequence[NewEvent],
                     reserve: Callable[[Iterable[int]], set[int]], until: datetime
                     ) -> tuple[list[Claimed], set[int]]:
        events = [e for e in events if e.targets]
        count = sum(len(e.targets) for e in events)
        if not count:
            return [], set()
        mine = reserve({wid for e in events for wid, _ in e.targets})
        rows_sql = sql.deliveries_insert_sql(self._marker, count)
        # ids grow in VALUES order; RETURNING's own order is not promised
        keys = sorted(row[0] for row in conn.exec_driver_sql(
            rows_sql, tuple(self._row_params(events, mine, until))))
        return _pair_rows(events, keys, mine, until)

    @contextmanager
    def _raw_transaction(self, statement: str) -> Iterator[Any]:
        """A DBAPI cursor in a transaction (SQLAlchemy's Connection and Transaction
        objects would add a third to the producer's tiny one)."""
        dbapi_error = self._db.engine.dialect.loaded_dbapi.Error
        with self._gate_cm():
            raw, pooled = self._producer_connection()
            try:
                cursor = raw.cursor()
                yield cursor
                cursor.close()
                raw.commit()
            except BaseException as exc:
                raw.rollback()  # never leave our own connection inside a transaction
                if isinstance(exc, dbapi_error):
                    # the same typed errors (IntegrityError, OperationalError…) as elsewhere
                    raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
                raise
            finally:
                if pooled:
                    raw.close()  # back to the pool

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

    def redeliver(self, delivery_id: str, max_attempts: int) -> str | None:
        """A fresh pending copy of a stored delivery (same event id); None when pruned."""
        original = self.get(delivery_id)
        if original is None:
            return None
        return self.enqueue(original.event_id, original.event_name, original.payload,
                            [(original.webhook_id, max_attempts)])[0]

    # -- scheduler side ----------------------------------------------------
    def claim_due(self, webhook_id: int, limit: int, lease_seconds: float,
                  now: datetime | None = None) -> list[Claimed]:
        """Lease up to ``limit`` due rows of one webhook, oldest due first."""
        if limit <= 0:
            return []
        now = now or utcnow()
        expires = now + timedelta(seconds=lease_seconds)
        params = {"c_wid": webhook_id, "c_now": now, "c_limit": limit, "c_owner": self.owner,
                  "c_expires": expires}
        with self.write_connection() as conn:
            conn.execute(self._expire, {"x_now": now})
            rows = conn.execute(self._claim, params).all()
            if not rows:
                return []
            event_ids = sorted({r.event_id for r in rows})
            envelopes = {e.event_id: e for e in conn.execute(self._envelopes, {"e_ids": event_ids})}
        # An event is removed only with its last delivery, so each row has one.
        return [Claimed(public_delivery_id(r.id), r.webhook_id, r.event_id,
                        envelopes[r.event_id].event_name, envelopes[r.event_id].payload,
                        r.attempts, r.max_attempts, expires) for r in rows]

    def expire_leases(self, now: datetime | None = None) -> None:
        """Make rows whose lease ran out claimable again (a crashed or stalled owner)."""
        with self.write_connection() as conn:
            conn.execute(self._expire, {"x_now": now or utcnow()})

    def webhooks_with_due(self, webhook_ids: Iterable[int], now: datetime | None = None
                          ) -> set[int]:
        """Which of ``webhook_ids`` have a due, unleased pending row (one probe each;
        rows of expired leases count after :meth:`expire_leases`)."""
        now = now or utcnow()
        found: set[int] = set()
        with self._db.engine.connect() as conn:
            for wid in webhook_ids:
                if conn.execute(self._probe, {"p_wid": wid, "p_now": now}).first() is not None:
                    found.add(wid)
        return found

    def next_due_at(self, webhook_ids: Iterable[int]) -> datetime | None:
        """The earliest ``next_attempt_at`` of pending rows of these webhooks, or None."""
        ids = list(webhook_ids)
        if not ids:
            return None
        stmt = select(func.min(_T.c.next_attempt_at)).where(IS_PENDING, _T.c.webhook_id.in_(ids))
        with self._db.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def record_attempts(self, session: Session, records: Sequence[AttemptRecord]) -> None:
        """Store attempt outcomes in the caller's transaction; releases our lease on each.

        One executemany of plain SQL: this runs for every delivery.
        """
        if not records:
            return
        to_db = batch_stamp(self._dialect)
        params = [(r.status, r.attempts, to_db(r.next_attempt_at), r.status_code, r.error,
                   to_db(r.completed_at), delivery_key(r.delivery_id), self.owner)
                  for r in records]
        session.connection().exec_driver_sql(self._record_sql, params)

    def release(self, delivery_ids: Sequence[str]) -> None:
        """Give leased rows back (e.g. a buffered row whose lease grew too short)."""
        keys = [delivery_key(i) for i in delivery_ids]
        if not keys:
            return
        stmt = (update(_T).where(_T.c.id.in_(keys), _T.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=None))
        with self.write_connection() as conn:
            conn.execute(stmt)

    def release_dead_leases(self, is_dead: Callable[[str], bool]) -> tuple[int, int]:
        """Free leases whose owner ``is_dead`` says has stopped (crash, kill -9).

        Returns how many leases were freed and how many other owners still
        hold leases (alive, or on another host)."""
        with self._db.engine.connect() as conn:
            owners = conn.execute(select(_T.c.lease_owner).where(
                _T.c.lease_owner.is_not(None), _T.c.status == PENDING).distinct()).scalars().all()
        others = [o for o in owners if o != self.owner]
        dead = [o for o in others if is_dead(o)]
        if not dead:
            return 0, len(others)
        stmt = (update(_T).where(_T.c.lease_owner.in_(dead), _T.c.status == PENDING)
                .values(lease_owner=None, lease_expires_at=None))
        with self.write_connection() as conn:
            released = conn.execute(stmt).rowcount or 0
        return released, len(others) - len(dead)

    # -- reading ------------------------------------------------------------
    def get(self, delivery_id: str) -> StoredDelivery | None:
        key = delivery_key(delivery_id)
        if key is None:
            return None
        stmt = (select(_T.c.webhook_id, _T.c.event_id, _E.c.event_name, _E.c.payload,
                       _T.c.status, _T.c.attempts)
                .join(_E, _E.c.event_id == _T.c.event_id).where(_T.c.id == key))
        with self._db.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return StoredDelivery(delivery_id, row.webhook_id, row.event_id, row.event_name,
                              row.payload, row.status, row.attempts)

    def count(self, status: str | None = None, webhook_id: int | None = None) -> int:
        """Deliveries by status; pending ones include those of events whose rows
        are not written yet."""
        stmt = select(func.count()).select_from(_T)
        if status is not None:
            stmt = stmt.where(_T.c.status == status)
        if webhook_id is not None:
            stmt = stmt.where(_T.c.webhook_id == webhook_id)
        with self._db.engine.connect() as conn:
            stored = int(conn.execute(stmt).scalar() or 0)
            if status not in (None, PENDING):
                return stored
            waiting = conn.execute(select(_E.c.targets).where(UNFANNED)).scalars()
            return stored + count_targets(waiting, webhook_id)

    # -- retention ----------------------------------------------------------
    def prune_completed(self, max_age_days: int, max_count: int, now: datetime | None = None
                        ) -> int:
        """Delete finished rows older than ``max_age_days`` or beyond the newest
        ``max_count``, then the events none of the remaining rows needs.

        Works in chunks so the producer never waits behind one long delete.
        """
        cutoff = (now or utcnow()) - timedelta(days=max_age_days)
        finished = _T.c.status.in_((DELIVERED, FAILED))
        too_old = select(_T.c.id).where(finished, _T.c.completed_at < cutoff).limit(PRUNE_CHUNK)
        beyond_count = (select(_T.c.id).where(finished)
                        .order_by(_T.c.completed_at.desc(), _T.c.id.desc())
                        .offset(max_count).limit(PRUNE_CHUNK))
        removed = sum(self._delete_chunks(_T, _T.c.id, chunk) for chunk in (too_old, beyond_count))
        unused = (select(_E.c.event_id)
                  .where(_E.c.targets.is_(None), _E.c.event_id.not_in(select(_T.c.event_id)))
                  .limit(PRUNE_CHUNK))
        self._delete_chunks(_E, _E.c.event_id, unused)
        return removed

    def _delete_chunks(self, table: Any, key: Any, chunk: Any) -> int:
        removed = 0
        while True:
            # select and delete in one transaction: a redelivery cannot slip in between
            with self.write_connection() as conn:
                ids = list(conn.execute(chunk).scalars())
                if ids:
                    conn.execute(delete(table).where(key.in_(ids)))
            removed += len(ids)
            if len(ids) < PRUNE_CHUNK:
                return removed


def _unfanned_event(row: Any) -> NewEvent:
    return NewEvent(row.event_id, row.event_name, row.payload, decode_targets(row.targets),
                    row.created_at)


def _with_known_targets(event: NewEvent, exists: Callable[[int], bool]) -> NewEvent:
    known = [t for t in event.targets if exists(t[0])]
    return event if len(known) == len(event.targets) else replace(event, targets=known)


def _pair_rows(events: Sequence[NewEvent], keys: Sequence[int], leased_to_me: Collection[int],
               until: datetime) -> tuple[list[Claimed], set[int]]:
    """The new rows (ids in ``targets`` order) as our claims, and the webhooks
    whose rows went to the shared backlog."""
    adopted: list[Claimed] = []
    queued: set[int] = set()
    targets = [(e, wid, max_attempts) for e in events for wid, max_attempts in e.targets]
    for (e, wid, max_attempts), key in zip(targets, keys, strict=True):
        if wid in leased_to_me:
            adopted.append(Claimed(f"{ID_PREFIX}{key}", wid, e.event_id, e.event_name,
                                   e.payload, 0, max_attempts, until))
        else:
            queued.add(wid)
    return adopted, queued


__all__ = ["AttemptRecord", "Claimed", "FanOut", "NewEvent", "Outbox", "StoredDelivery", "DELIVERED",
           "FAILED", "PENDING", "delivery_key",
           "public_delivery_id"]
