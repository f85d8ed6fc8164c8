"""The webhook outbox (``webhook_deliveries``): the only module touching that table.

A row is written per (event, webhook) before ``emit`` returns.  Dispatchers
*claim* due rows by stamping a lease (owner + expiry) on them: on
PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED`` so several processes
share one backlog; on SQLite with a single ``UPDATE … RETURNING`` (atomic
under SQLite's one writer).  A crashed worker's lease simply runs out; a
restarted process on the same host frees its dead predecessors' leases at
once.  Row states: ``pending`` → ``delivered`` | ``failed``.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, ContextManager, Iterable, Iterator, Sequence

from sqlalchemy import Connection, bindparam, delete, func, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sublarr.db.base import UTCDateTime, utcnow
from sublarr.db.engine import Database
from sublarr.db.models import WebhookDelivery

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
PRUNE_CHUNK = 1000

_T = WebhookDelivery.__table__
# Written as a literal so SQLite and PostgreSQL use the partial claim index
# (a bound parameter cannot prove the index's WHERE clause).
_IS_PENDING = text(f"{_T.name}.status = 'pending'")
NewRow = tuple[Any, ...]  # one pending row, in _INSERT_COLUMNS order
_INSERT_COLUMNS = ("id", "webhook_id", "event_id", "event_name", "payload", "status", "attempts",
                   "max_attempts", "next_attempt_at", "created_at", "lease_owner",
                   "lease_expires_at")
_LEASE_AT = _INSERT_COLUMNS.index("lease_owner")


def new_delivery_id(now_ms: int | None = None) -> str:
    """``dlv_`` + 48-bit millisecond time + 64 random bits, in hex.

    Time first keeps primary-key inserts at the end of the index (cheap
    commits for the producer).  The random part only needs to be unique, not
    secret: ``random`` (reseeded in forked children) costs no system call,
    which matters when one emit needs a hundred of these.
    """
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"dlv_{ms:012x}{random.getrandbits(64):016x}"


def new_lease_owner() -> str:
    """``host:pid:token``: the pid lets a restarted process on this host spot dead owners."""
    host = socket.gethostname()[:40]
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds a lease on."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    attempts: int
    max_attempts: int
    lease_expires_at: datetime


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
    """A delivery row as the API and redelivery need it."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    status: str
    attempts: int


class Outbox:
    """Reads and writes ``webhook_deliveries`` for one process (lease owner ``owner``)."""

    def __init__(self, db: Database, owner: str | None = None) -> None:
        self._db = db
        self.owner = owner or new_lease_owner()
        # SQLite has one writer: queueing our own writers on a lock here
        # avoids SQLite's busy-handler sleeps (1, 2, 5… ms) on the producer.
        self._sqlite_writer = threading.Lock()
        self._is_sqlite = db.dialect == "sqlite"
        dialect = db.engine.dialect
        self._stamp_to_db = _T.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._claim = _claim_statement()
        self._probe = _probe_statement()
        self._record = _record_statement()
        marker = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        self._insert_sql = (f"INSERT INTO {_T.name} ({', '.join(_INSERT_COLUMNS)}) "
                            f"VALUES ({', '.join([marker] * len(_INSERT_COLUMNS))})")

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
        if not targets:
            return []
        rows = self.build_rows(event_id, event_name, payload, targets, now or utcnow())
        self.insert_rows(rows)
        return [row[0] for row in rows]

    def build_rows(self, event_id: str, event_name: str, payload: str,
                   targets: Sequence[tuple[int, int]], now: datetime,
                   leased_to_me: Collection[int] = (), lease_seconds: float = 0.0
                   ) -> list[NewRow]:
        """Pending rows ready for :meth:`insert_rows` (``row[0]`` is the delivery id,
        ``row[1]`` the webhook id; timestamps already in the database's form).

        Rows of webhooks in ``leased_to_me`` are stored already leased to this
        process, so its dispatcher can send them without claiming them first.
        """
        prefix = new_delivery_id(int(now.timestamp() * 1000))[:16]  # dlv_ + time part
        bits = random.getrandbits
        stamp = self._to_db(now)
        mine = (self.owner, self._to_db(now + timedelta(seconds=lease_seconds)))
        free = (None, None)
        return [(f"{prefix}{bits(64):016x}", wid, event_id, event_name, payload, PENDING, 0, m,
                 stamp, stamp, *(mine if wid in leased_to_me else free))
                for wid, m in targets]

    def _to_db(self, moment: datetime) -> Any:
        return self._stamp_to_db(moment) if self._stamp_to_db else moment

    def leased_rows(self, rows: Sequence[NewRow], now: datetime, lease_seconds: float
                    ) -> list[Claimed]:
        """The rows of :meth:`build_rows` that are leased to us, as claims."""
        until = now + timedelta(seconds=lease_seconds)
        return [Claimed(r[0], r[1], r[2], r[3], r[4], 0, r[7], until) for r in rows
                if r[_LEASE_AT] == self.owner]

    @staticmethod
    def without_leases(rows: Sequence[NewRow]) -> list[NewRow]:
        return [(*r[:_LEASE_AT], None, None) for r in rows]

    def insert_rows(self, rows: Sequence[NewRow]) -> None:
        """Store rows from :meth:`build_rows` in one ``executemany``.

        This runs inside every ``emit``, so the statement goes to the driver as
        is: no per-row, per-column processing by SQLAlchemy.
        """
        if not rows:
            return
        dbapi_error = self._db.engine.dialect.loaded_dbapi.Error
        with self._gate_cm():
            # A pooled DBAPI connection: SQLAlchemy's Connection and
            # Transaction objects would add a third to this tiny transaction.
            raw = self._db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.executemany(self._insert_sql, list(rows))
                cursor.close()
                raw.commit()
            except dbapi_error as exc:
                raw.rollback()
                # the same typed errors (IntegrityError, OperationalError…) as elsewhere
                raise DBAPIError.instance(self._insert_sql, None, exc, dbapi_error) from exc
            finally:
                raw.close()  # back to the pool

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
            rows = conn.execute(self._claim, params).all()
        return [Claimed(r.id, r.webhook_id, r.event_id, r.event_name, r.payload, r.attempts,
                        r.max_attempts, expires) for r in rows]

    def webhooks_with_due(self, webhook_ids: Iterable[int], now: datetime | None = None
                          ) -> set[int]:
        """Which of ``webhook_ids`` have a due, unleased pending row (one probe each)."""
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
        stmt = select(func.min(_T.c.next_attempt_at)).where(_IS_PENDING, _T.c.webhook_id.in_(ids))
        with self._db.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def record_attempts(self, session: Session, records: Sequence[AttemptRecord]) -> None:
        """Store attempt outcomes in the caller's transaction; releases our lease on each."""
        if not records:
            return
        params = [{"b_id": r.delivery_id, "b_owner": self.owner, "b_status": r.status,
                   "b_attempts": r.attempts, "b_next": r.next_attempt_at, "b_code": r.status_code,
                   "b_error": r.error, "b_done": r.completed_at} for r in records]
        session.connection().execute(self._record, params)

    def release(self, delivery_ids: Sequence[str]) -> None:
        """Give leased rows back (e.g. a buffered row whose lease grew too short)."""
        if not delivery_ids:
            return
        stmt = (update(_T).where(_T.c.id.in_(list(delivery_ids)), _T.c.lease_owner == self.owner)
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
        with self._db.engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.id == delivery_id)).first()
        if row is None:
            return None
        return StoredDelivery(row.id, row.webhook_id, row.event_id, row.event_name, row.payload,
                              row.status, row.attempts)

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
        """Delete finished rows older than ``max_age_days`` or beyond the newest ``max_count``.

        Works in chunks so the producer never waits behind one long delete.
        """
        cutoff = (now or utcnow()) - timedelta(days=max_age_days)
        finished = _T.c.status.in_((DELIVERED, FAILED))
        too_old = select(_T.c.id).where(finished, _T.c.completed_at < cutoff).limit(PRUNE_CHUNK)
        beyond_count = (select(_T.c.id).where(finished)
                        .order_by(_T.c.completed_at.desc(), _T.c.id.desc())
                        .offset(max_count).limit(PRUNE_CHUNK))
        removed = 0
        for chunk in (too_old, beyond_count):
            while True:
                with self.write_connection() as conn:
                    ids = list(conn.execute(chunk).scalars())
                    if ids:
                        conn.execute(delete(_T).where(_T.c.id.in_(ids)))
                removed += len(ids)
                if len(ids) < PRUNE_CHUNK:
                    break
        return removed


def _lease_free(now: Any):  # noqa: ANN202 - SQL expression
    return or_(_T.c.lease_expires_at.is_(None), _T.c.lease_expires_at < now)


# Statements are built once per Outbox: building one costs more than running it.
def _claim_statement():  # noqa: ANN202 - SQLAlchemy statement
    now = bindparam("c_now", type_=UTCDateTime())
    due = (
        select(_T.c.id)
        .where(_T.c.webhook_id == bindparam("c_wid"), _IS_PENDING, _T.c.next_attempt_at <= now,
               _lease_free(now))
        .order_by(_T.c.next_attempt_at)
        .limit(bindparam("c_limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        update(_T)
        .where(_T.c.id.in_(due))
        .values(lease_owner=bindparam("c_owner"), lease_expires_at=bindparam("c_expires"))
        .returning(_T.c.id, _T.c.webhook_id, _T.c.event_id, _T.c.event_name, _T.c.payload,
                   _T.c.attempts, _T.c.max_attempts)
    )


def _probe_statement():  # noqa: ANN202
    now = bindparam("p_now", type_=UTCDateTime())
    return (select(_T.c.id)
            .where(_T.c.webhook_id == bindparam("p_wid"), _IS_PENDING,
                   _T.c.next_attempt_at <= now, _lease_free(now))
            .limit(1))


def _record_statement():  # noqa: ANN202
    return (
        update(_T)
        .where(_T.c.id == bindparam("b_id"), _T.c.lease_owner == bindparam("b_owner"))
        .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"), last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"), completed_at=bindparam("b_done"),
                lease_owner=None, lease_expires_at=None)
    )


def owner_is_dead_here(owner: str, me: str) -> bool:
    """True when ``owner`` was a process on this host that no longer runs.

    A same-pid owner with another token is a previous incarnation of this
    process (containers restart with the same pid).  Owners on other hosts
    are never judged here: their leases run out on their own.
    """
    try:
        host, pid_text, token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    my_host, my_pid, my_token = me.rsplit(":", 2)
    if host != my_host:
        return False
    if pid == int(my_pid):
        return token != my_token
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


__all__ = ["AttemptRecord", "Claimed", "Outbox", "StoredDelivery", "DELIVERED", "FAILED",
           "PENDING", "new_delivery_id", "owner_is_dead_here"]
