"""The ``hook_log`` table: one row per finished script run, webhook delivery or notification."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from sublarr.db.base import batch_stamp, iso_z, utcnow
from sublarr.db.models import HookLogEntry

EXCERPT_LIMIT = 4096


@dataclass(frozen=True)
class LogFilter:
    """Filters of ``GET /hooks/logs``; ``None`` means "any"."""

    hook_id: int | None = None
    webhook_id: int | None = None
    event_name: str | None = None
    success: bool | None = None
    hook_type: str | None = None
    notification_id: int | None = None


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:EXCERPT_LIMIT]


_CLIPPED = ("stdout", "stderr", "response_excerpt", "error")
_BULK_COLUMNS = tuple(c.name for c in HookLogEntry.__table__.columns if c.name != "id")
_BULK_DEFAULTS = {**dict.fromkeys(_BULK_COLUMNS), "attempts": 1}
_bulk_values = itemgetter(*_BULK_COLUMNS)


def add_entry(session: Session, **fields: Any) -> HookLogEntry:
    """Record one outcome; text fields are clipped to the excerpt limit."""
    for key in ("stdout", "stderr", "response_excerpt", "error"):
        if key in fields:
            fields[key] = _clip(fields[key])
    fields.setdefault("triggered_at", utcnow())
    entry = HookLogEntry(**fields)
    session.add(entry)
    session.flush()
    return entry


def _filtered(query, flt: LogFilter):  # noqa: ANN001, ANN202 - SQLAlchemy select
    if flt.hook_id is not None:
        query = query.where(HookLogEntry.hook_id == flt.hook_id)
    if flt.webhook_id is not None:
        query = query.where(HookLogEntry.webhook_id == flt.webhook_id)
    if flt.event_name is not None:
        query = query.where(HookLogEntry.event_name == flt.event_name)
    if flt.success is not None:
        query = query.where(HookLogEntry.success == flt.success)
    if flt.hook_type is not None:
        query = query.where(HookLogEntry.hook_type == flt.hook_type)
    if flt.notification_id is not None:
        query = query.where(HookLogEntry.notification_id == flt.notification_id)
    return query


def list_entries(
    session: Session, flt: LogFilter, limit: int = 50, offset: int = 0
) -> tuple[list[HookLogEntry], int]:
    """A page of entries, newest first, and the total matching the filter."""
    total = session.scalar(_filtered(select(func.count(HookLogEntry.id)), flt)) or 0
    query = _filtered(select(HookLogEntry), flt).order_by(HookLogEntry.id.desc())
    rows = session.scalars(query.limit(limit).offset(offset)).all()
    return list(rows), int(total)


def get_entry(session: Session, entry_id: int) -> HookLogEntry | None:
    return session.get(HookLogEntry, entry_id)


def clear(session: Session, flt: LogFilter | None = None) -> int:
    """Delete entries (all, or those matching ``flt``); returns how many."""
    stmt = delete(HookLogEntry)
    if flt is not None:
        stmt = _filtered(stmt, flt)
    return session.execute(stmt).rowcount or 0


def prune(session: Session, max_age_days: int, max_count: int, now: datetime | None = None) -> int:
    """Drop entries older than ``max_age_days`` and beyond the newest ``max_count``."""
    cutoff = (now or utcnow()) - timedelta(days=max_age_days)
    removed = session.execute(delete(HookLogEntry).where(HookLogEntry.triggered_at < cutoff))
    count = removed.rowcount or 0
    keep_from = session.scalar(
        select(HookLogEntry.id).order_by(HookLogEntry.id.desc()).offset(max_count).limit(1)
    )
    if keep_from is not None:
        extra = session.execute(delete(HookLogEntry).where(HookLogEntry.id <= keep_from))
        count += extra.rowcount or 0
    return count


def entry_to_dict(entry: HookLogEntry) -> dict[str, Any]:
    """The API shape of a log entry."""
    return {
        "id": entry.id,
        "hook_type": entry.hook_type,
        "hook_id": entry.hook_id,
        "webhook_id": entry.webhook_id,
        "notification_id": entry.notification_id,
        "delivery_id": entry.delivery_id,
        "event_name": entry.event_name,
        "event_id": entry.event_id,
        "success": entry.success,
        "exit_code": entry.exit_code,
        "status_code": entry.status_code,
        "stdout": entry.stdout,
        "stderr": entry.stderr,
        "response_excerpt": entry.response_excerpt,
        "error": entry.error,
        "attempts": entry.attempts,
        "duration_ms": entry.duration_ms,
        "triggered_at": iso_z(entry.triggered_at),
    }


def add_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    """Record many outcomes in one executemany (the webhook scheduler's batches).

    Same clipping and defaults as :func:`add_entry`; plain SQL to the driver,
    because this runs for every delivery.
    """
    if not entries:
        return
    conn = session.connection()
    stamp = batch_stamp(conn.dialect.name)
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {HookLogEntry.__tablename__} ({', '.join(_BULK_COLUMNS)}) "
                 f"VALUES ({', '.join([marker] * len(_BULK_COLUMNS))})")
    now = utcnow()
    rows = []
    for fields in entries:
        row = dict(_BULK_DEFAULTS, **fields)
        for key in _CLIPPED:
            row[key] = _clip(row[key])
        row["triggered_at"] = stamp(row["triggered_at"] or now)
        rows.append(_bulk_values(row))
    conn.exec_driver_sql(statement, rows)


@dataclass(frozen=True)
class WindowStats:
    """Outcomes of one subscriber over a time window (``GET …/<id>/stats``)."""

    attempts: int
    successes: int
    p50_ms: int | None
    p95_ms: int | None

    @property
    def success_rate(self) -> float | None:
        return None if not self.attempts else round(self.successes / self.attempts, 4)


def window_stats(session: Session, hook_type: str, subscriber_id: int, since: datetime
                 ) -> WindowStats:
    """Attempts (a retried delivery counts each attempt, a run never started counts one),
    successful ones, and the latency percentiles of the logged outcomes since ``since``."""
    column = {"webhook": HookLogEntry.webhook_id, "notification": HookLogEntry.notification_id
              }.get(hook_type, HookLogEntry.hook_id)
    where = (HookLogEntry.hook_type == hook_type, column == subscriber_id,
             HookLogEntry.triggered_at >= since)
    counted = func.max(HookLogEntry.attempts, 1) if session.bind.dialect.name == "sqlite" \
        else func.greatest(HookLogEntry.attempts, 1)
    attempts, successes = session.execute(
        select(func.coalesce(func.sum(counted), 0),
               func.coalesce(func.sum(case((HookLogEntry.success.is_(True), 1), else_=0)), 0))
        .where(*where)).one()
    durations = sorted(session.scalars(select(HookLogEntry.duration_ms).where(
        *where, HookLogEntry.duration_ms.is_not(None), HookLogEntry.attempts > 0)))
    return WindowStats(int(attempts), int(successes), _percentile(durations, 50),
                       _percentile(durations, 95))


def _percentile(ordered: list[int], pct: int) -> int | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, -(-pct * len(ordered) // 100))  # ceil(pct/100 * n)
    return int(ordered[rank - 1])
