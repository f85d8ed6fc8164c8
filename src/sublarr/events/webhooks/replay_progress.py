"""Replay progress for the Activity page: the ``replay_progress`` Socket.IO stream.

A replay writes its delivery rows at once; this watcher counts how many of
them have finished (delivered or failed for good) about once a second and
reports ``{id, kind, subscriber_id, label, total, current, delivered, failed,
status}`` until none is pending.  Best effort and per process: a restart
forgets what it watched (the deliveries themselves are durable).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import func, select

from sublarr.background import background_thread
from sublarr.db.engine import Database
from sublarr.events.webhooks import outbox_sql as sql
from sublarr.events.webhooks.outbox_rows import DELIVERED, FAILED, PENDING
from sublarr.events.webhooks.replay import Queued

log = logging.getLogger(__name__)

STREAM = "replay_progress"
INTERVAL_SECONDS = 1.0
MAX_WATCH_SECONDS = 6 * 3600.0  # retries of a dead endpoint may take hours; stop reporting then
MAX_WATCHED = 100
_T = sql.DELIVERIES

Emit = Callable[[str, dict[str, Any]], None]


@dataclass
class Watched:
    replay_id: str
    queued: Queued
    kind: str
    name: str
    started: float = field(default_factory=time.monotonic)

    def report(self, counts: dict[str, int], status: str) -> dict[str, Any]:
        total = self.queued.count
        delivered = counts.get(DELIVERED, 0)
        failed = counts.get(FAILED, 0)
        # rows gone (retention, subscriber deleted) are over too
        done = total - min(counts.get(PENDING, 0), total)
        return {"id": self.replay_id, "kind": self.kind,
                "subscriber_id": self.queued.webhook_id,
                "label": f"Replay to {self.name}", "total": total, "current": done,
                "delivered": delivered, "failed": failed, "status": status}


def replay_counts(db: Database, queued: Queued) -> dict[str, int]:
    """Statuses of a replay's delivery rows (rows of the same subscriber written by
    another process in between may count too on PostgreSQL)."""
    if queued.first_id is None:
        return {}
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_T.c.status, func.count()).where(
                _T.c.webhook_id == queued.webhook_id,
                _T.c.id.between(queued.first_id, queued.last_id))
            .group_by(_T.c.status)).all()
    return {status: int(count) for status, count in rows}


class ReplayProgress:
    """Watches running replays of this process and reports them on :data:`STREAM`."""

    def __init__(self, db: Database, emit: Emit, nice: int = 0,
                 interval: float = INTERVAL_SECONDS) -> None:
        self._db = db
        self._emit = emit
        self._nice = nice
        self._interval = interval
        self._cond = threading.Condition()
        self._watched: dict[str, Watched] = {}
        self._thread: threading.Thread | None = None
        self._stopping = False

    def watch(self, queued: Queued, kind: str, name: str) -> str:
        """Start reporting a replay; returns its progress id (``rpl_…``)."""
        replay_id = f"rpl_{uuid.uuid4().hex[:16]}"
        item = Watched(replay_id, queued, kind, name)
        self._emit(STREAM, item.report({PENDING: queued.count}, "running"))
        with self._cond:
            if self._stopping:
                return replay_id
            if len(self._watched) >= MAX_WATCHED:  # oldest first out: reporting is best effort
                self._watched.pop(next(iter(self._watched)))
            self._watched[replay_id] = item
            if self._thread is None:
                self._thread = background_thread(self._run, "replay-progress", self._nice)
                self._thread.start()
            self._cond.notify()
        return replay_id

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(5)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._watched)
                if self._stopping:
                    return
                items = list(self._watched.values())
            for item in items:
                self._check(item)
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, self._interval)

    def _check(self, item: Watched) -> None:
        try:
            counts = replay_counts(self._db, item.queued)
        except Exception:  # a database away for a moment: try again next round
            log.warning("replay progress: could not count deliveries", exc_info=True)
            return
        over = counts.get(PENDING, 0) == 0
        expired = time.monotonic() - item.started > MAX_WATCH_SECONDS
        status = "completed" if over else "unknown" if expired else "running"
        self._emit(STREAM, item.report(counts, status))
        if over or expired:
            with self._cond:
                self._watched.pop(item.replay_id, None)
