"""Replay: deliver a webhook's past events again (SPEC "Subscriptions").

The events come from the outbox's stored envelopes (``webhook_events``, kept
while any delivery of theirs is within retention).  Each one gets a fresh
pending delivery row with the original event id, so the receiver sees the
same ``webhook-id``; the rows' due times step by a microsecond in the events'
order, so the scheduler (which claims oldest due first) sends them in time
order.  The rows are written in one transaction: a crash loses all or none
of a replay, and once written they are durable like any delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import select

from sublarr.db.base import utcnow
from sublarr.events.webhooks import outbox_sql as sql
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import DELIVERED, FAILED, PENDING
from sublarr.events.webhooks.request import Endpoint
from sublarr.events import subscription

MAX_RANGE = timedelta(days=90)
MAX_EVENTS = 50_000
INSERT_CHUNK = 500
_E, _T = sql.EVENTS, sql.DELIVERIES


class ReplayError(ValueError):
    """A replay request that cannot be served (the API's 422)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Queued:
    """What a replay queued: the new delivery rows of one subscriber."""

    webhook_id: int
    first_id: int | None  # delivery row ids (None when nothing was queued)
    last_id: int | None
    count: int


@dataclass(frozen=True)
class ReplayRange:
    since: datetime
    until: datetime
    only_failed: bool


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        raise ReplayError(f"{field} must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z", field)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ReplayError(f"{field} is not an ISO 8601 time: {value!r}", field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def check_range(body: Mapping[str, Any], now: datetime | None = None) -> ReplayRange:
    """The validated ``{since, until?, only_failed}`` of a replay request."""
    unknown = sorted(set(body) - {"since", "until", "only_failed"})
    if unknown:
        raise ReplayError(f"unknown fields: {', '.join(unknown)}", unknown[0])
    now = now or datetime.now(timezone.utc)
    since = parse_time(body.get("since"), "since")
    until = parse_time(body["until"], "until") if body.get("until") is not None else now
    only_failed = body.get("only_failed", False)
    if not isinstance(only_failed, bool):
        raise ReplayError("only_failed must be true or false", "only_failed")
    if since > now:
        raise ReplayError("since is in the future", "since")
    if until < since:
        raise ReplayError("until is before since", "until")
    if until - since > MAX_RANGE:
        raise ReplayError(f"the range is longer than {MAX_RANGE.days} days; replay it in parts",
                          "until")
    return ReplayRange(since, until, only_failed)


def _matcher(endpoint: Endpoint) -> Callable[[str, str], bool]:
    names = set(subscription.expand(endpoint.events))
    predicate = subscription.compile_filters(endpoint.filters)

    def wanted(event_name: str, payload: str) -> bool:
        if event_name not in names:
            return False
        if predicate is None:
            return True
        try:
            data = json.loads(payload).get("data") or {}
            return bool(predicate(data))
        except (ValueError, TypeError, AttributeError):
            return False
    return wanted


def _candidates(endpoint: Endpoint, span: ReplayRange):  # noqa: ANN202 - SQLAlchemy select
    wid = endpoint.webhook_id
    stmt = (select(_E.c.event_id, _E.c.event_name, _E.c.payload)
            .where(_E.c.created_at >= span.since, _E.c.created_at <= span.until)
            .order_by(_E.c.created_at, _E.c.event_id))
    if span.only_failed:
        failed = select(_T.c.event_id).where(_T.c.webhook_id == wid, _T.c.status == FAILED)
        settled = select(_T.c.event_id).where(_T.c.webhook_id == wid,
                                               _T.c.status.in_((DELIVERED, PENDING)))
        stmt = stmt.where(_E.c.event_id.in_(failed), _E.c.event_id.not_in(settled))
    return stmt.limit(MAX_EVENTS + 1)


def replay(outbox: Outbox, endpoint: Endpoint, span: ReplayRange) -> Queued:
    """Queue the matching stored events again for ``endpoint``."""
    wanted = _matcher(endpoint)
    marker = outbox._marker  # noqa: SLF001 - the DBAPI's parameter marker
    to_db = outbox._to_db  # noqa: SLF001
    with outbox.write_connection() as conn:
        rows = [r for r in conn.execute(_candidates(endpoint, span))
                if wanted(r.event_name, r.payload)]
        if len(rows) > MAX_EVENTS:
            raise ReplayError(f"more than {MAX_EVENTS} events in this range; replay it in parts",
                              "until")
        start = utcnow()
        ids: list[int] = []
        for first in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[first:first + INSERT_CHUNK]
            params: list[Any] = []
            for offset, row in enumerate(chunk, start=first):
                due = to_db(start + timedelta(microseconds=offset))
                params += (endpoint.webhook_id, row.event_id, endpoint.max_attempts, due,
                           None, None)
            result = conn.exec_driver_sql(sql.deliveries_insert_sql(marker, len(chunk)),
                                          tuple(params))
            ids += [r[0] for r in result]
    return Queued(endpoint.webhook_id, min(ids, default=None), max(ids, default=None), len(rows))
