"""The webhook outbox (``webhook_events`` + ``webhook_deliveries``): the only module touching them.

An emit stores its envelope once and a small row per (event, webhook)
before ``emit`` returns.  Dispatchers *claim* due rows by stamping a lease
(owner + expiry) on them: on PostgreSQL with ``SELECT … FOR UPDATE SKIP
LOCKED`` so several processes share one backlog; on SQLite with a single
``UPDATE … RETURNING`` (atomic under SQLite's one writer).  A crashed
worker's lease simply runs out; a restarted process on the same host frees
its dead predecessors' leases at once.  Row states: ``pending`` →
``delivered`` | ``failed``.  The public delivery id is ``dlv_<row id>``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Collection, ContextManager, Iterable, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.events import outbox_sql as sql
from sublarr.events.lease_owners import new_lease_owner, owner_is_dead_here
from sublarr.events.outbox_sql import DELIVERIES as _T
from sublarr.events.outbox_sql import EVENTS as _E
from sublarr.events.outbox_sql import IS_PENDING

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
PRUNE_CHUNK = 1000
ID_PREFIX = "dlv_"


def _sqlite_stamp(moment: datetime) -> str:
    """What UTCDateTime stores on SQLite (naive UTC text), without SQLAlchemy's
    generic processors: the producer formats two per emit."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


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
        self.owner = owner or new_lease_owner()
        # SQLite has one writer: queueing our own writers on a lock here
        # avoids SQLite's busy-handler sleeps (1, 2, 5… ms) on the producer.
        self._sqlite_writer = threading.Lock()
        self._is_sqlite = db.dialect == "sqlite"
        dialect = db.engine.dialect
        self._stamp_to_db = _sqlite_stamp if self._is_sqlite else None
        self._claim = sql.claim_statement()
        self._envelopes = sql.envelopes_statement()
        self._probe = sql.probe_statement()
        self._expire = sql.expire_statement()
        self._record = sql.record_statement()
        self._marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self._insert_event_sql = sql.event_insert_sql(self._marker)
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

    def _to_db(self, moment: datetime) -> Any:
        return self._stamp_to_db(moment) if self._stamp_to_db else moment

    # -- producer side ------------------------------------------------------
    def enqueue(self, event_id: str, event_name: str, payload: str,
                targets: Sequence[tuple[int, int]], now: datetime | None = None) -> list[str]:
        """Store one pending row per ``(webhook_id, max_attempts)``; returns the delivery ids."""
        event = NewEvent(event_id, event_name, payload, targets, now or utcnow())
        return [public_delivery_id(key) for key in self.store(event)]

    def store(self, event: NewEvent, leased_to_me: Collection[int] = (),
              lease_seconds: float = 0.0) -> list[int]:
        """Store the event and its pending rows in one transaction; the row ids in
        ``targets`` order.

        Rows of webhooks in ``leased_to_me`` are stored already leased to this
        process, so its dispatcher can send them without claiming them first.
        This runs inside every ``emit``: plain SQL to the driver, and one
        multi-row statement (each statement step lets other threads take the
        GIL, and the producer waits to get it back).
        """
        if not event.targets:
            return []
        stamp = self._to_db(event.created_at)
        mine = (self.owner, self._to_db(event.created_at + timedelta(seconds=lease_seconds)))
        params: list[Any] = []
        for wid, max_attempts in event.targets:
            lease = mine if wid in leased_to_me else (None, None)
            params += (wid, event.event_id, max_attempts, stamp, *lease)
        rows_sql = sql.deliveries_insert_sql(self._marker, len(event.targets))
        with self._raw_transaction(rows_sql) as cursor:
            cursor.execute(self._insert_event_sql,
                           (event.event_id, event.event_name, event.payload, stamp))
            cursor.execute(rows_sql, params)
            # ids grow in VALUES order; RETURNING's own order is not promised
            return sorted(row[0] for row in cursor.fetchall())

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

    def leased_claims(self, event: NewEvent, keys: Sequence[int], leased_to_me: Collection[int],
                      lease_seconds: float) -> list[Claimed]:
        """The rows :meth:`store` leased to us, as claims (no query needed)."""
        until = event.created_at + timedelta(seconds=lease_seconds)
        eid, name, payload = event.event_id, event.event_name, event.payload
        rows = zip(keys, event.targets, strict=True)
        return [Claimed(f"{ID_PREFIX}{key}", wid, eid, name, payload, 0, m, until)
                for key, (wid, m) in rows if wid in leased_to_me]

    def redeliver(self, delivery_id: str, max_attempts: int) -> str | None:
        """A fresh pending copy of a stored delivery (same event id); None when pruned."""
        original = self.get(delivery_id)
        if original is None:
            return None
        return self.enqueue(original.event_id, original.event_name, original.payload,
                            [(original.webhook_id, max_attempts)])[0]

    # -- dispatcher side ----------------------------------------------------
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
        """Store attempt outcomes in the caller's transaction; releases our lease on each."""
        if not records:
            return
        params = [{"b_id": delivery_key(r.delivery_id), "b_owner": self.owner,
                   "b_status": r.status, "b_attempts": r.attempts, "b_next": r.next_attempt_at,
                   "b_code": r.status_code, "b_error": r.error, "b_done": r.completed_at}
                  for r in records]
        session.connection().execute(self._record, params)

    def release(self, delivery_ids: Sequence[str]) -> None:
        """Give leased rows back (e.g. a buffered row whose lease grew too short)."""
        keys = [delivery_key(i) for i in delivery_ids]
        if not keys:
            return
        stmt = (update(_T).where(_T.c.id.in_(keys), _T.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=None))
        with self.write_connection() as conn:
            conn.execute(stmt)

    def release_dead_leases(self, is_dead: Callable[[str], bool]) -> int:
        """Free leases whose owner ``is_dead`` says has stopped (crash, kill -9)."""
        with self._db.engine.connect() as conn:
            owners = conn.execute(select(_T.c.lease_owner).where(
                _T.c.lease_owner.is_not(None), _T.c.status == PENDING).distinct()).scalars().all()
        dead = [o for o in owners if o != self.owner and is_dead(o)]
        if not dead:
            return 0
        stmt = (update(_T).where(_T.c.lease_owner.in_(dead), _T.c.status == PENDING)
                .values(lease_owner=None, lease_expires_at=None))
        with self.write_connection() as conn:
            return conn.execute(stmt).rowcount or 0

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
        stmt = select(func.count()).select_from(_T)
        if status is not None:
            stmt = stmt.where(_T.c.status == status)
        if webhook_id is not None:
            stmt = stmt.where(_T.c.webhook_id == webhook_id)
        with self._db.engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

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
                  .where(_E.c.event_id.not_in(select(_T.c.event_id))).limit(PRUNE_CHUNK))
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


__all__ = ["AttemptRecord", "Claimed", "NewEvent", "Outbox", "StoredDelivery", "DELIVERED",
           "FAILED", "PENDING", "delivery_key", "new_lease_owner", "owner_is_dead_here",
           "public_delivery_id"]
