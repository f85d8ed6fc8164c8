"""The webhook outbox (``webhook_events`` + ``webhook_deliveries``).

Only this module and its base :mod:`~sublarr.events.webhooks.event_store` touch them.

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
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sublarr.db.base import batch_stamp, utcnow
from sublarr.events.webhooks.event_store import EventStore
from sublarr.events.webhooks.outbox_rows import (
    DELIVERED,
    FAILED,
    PENDING,
    AttemptRecord,
    Claimed,
    StoredDelivery,
    count_targets,
    delivery_key,
    public_delivery_id,
)
from sublarr.events.webhooks.outbox_sql import DELIVERIES as _T
from sublarr.events.webhooks.outbox_sql import EVENTS as _E
from sublarr.events.webhooks.outbox_sql import IS_PENDING, UNFANNED

PRUNE_CHUNK = 1000


class Outbox(EventStore):
    """The outbox tables for one process: storing (:class:`EventStore`), claiming,
    recording, reading and pruning deliveries."""

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
        # An event is removed only with its last delivery, so each row has one.  RETURNING
        # promises no order: rows go out in the order they were written (emit, replay).
        rows = sorted(rows, key=lambda r: r.id)
        return [Claimed(public_delivery_id(r.id), r.webhook_id, r.event_id,
                        envelopes[r.event_id].event_name, envelopes[r.event_id].payload,
                        r.attempts, r.max_attempts, expires) for r in rows]

    def expire_leases(self, now: datetime | None = None) -> None:
        """Make rows whose lease ran out claimable again (a crashed or stalled owner)."""
        with self.write_connection() as conn:
            conn.execute(self._expire, {"x_now": now or utcnow()})

    def webhooks_with_due(self, webhook_ids: Iterable[int], now: datetime | None = None
                          ) -> set[int]:
        """Which of ``webhook_ids`` have a due, unleased pending row (rows of expired
        leases count after :meth:`expire_leases`)."""
        ids = sorted(webhook_ids)
        if not ids:
            return set()
        listed = json.dumps(ids) if self._is_sqlite else ids
        stamp = self._to_db(now or utcnow())
        with self._db.engine.connect() as conn:
            rows = conn.exec_driver_sql(self._due_sql, (listed, stamp)).all()
        return {int(row[0]) for row in rows}

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
