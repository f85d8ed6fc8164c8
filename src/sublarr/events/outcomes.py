"""From an attempt's result to what gets stored and announced (pure; no I/O).

``settle`` decides the row's next state; ``tally_finals`` folds a batch of
final outcomes into per-webhook statistics; the other helpers shape the
hook_log row and the ``hook_executed`` payload.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from sublarr.db.webhook_configs import DeliveryTally
from sublarr.events.delivery import Endpoint
from sublarr.events.sender import AttemptResult
from sublarr.events.outbox import DELIVERED, FAILED, PENDING, AttemptRecord, Claimed
from sublarr.events.retry_policy import Verdict, retry_delay, should_retry

HOOK_EXECUTED = "hook_executed"


@dataclass(frozen=True)
class Settled:
    """One attempt, decided: the row update, and whether the delivery is over."""

    claimed: Claimed
    endpoint: Endpoint
    result: AttemptResult
    record: AttemptRecord

    @property
    def final(self) -> bool:
        return self.record.status != PENDING

    @property
    def gone(self) -> bool:
        return self.result.verdict is Verdict.GONE


def settle(claimed: Claimed, endpoint: Endpoint, result: AttemptResult, base_seconds: float,
           now: datetime, rng: random.Random | None = None) -> Settled:
    """The next state of a delivery after one attempt.

    The webhook's *current* retry_count applies (an edit takes effect on
    deliveries already queued).
    """
    attempts = claimed.attempts + 1
    verdict = result.verdict
    if verdict is Verdict.SUCCESS:
        status, next_at, done = DELIVERED, now, now
    elif should_retry(verdict, attempts, endpoint.max_attempts):
        delay = retry_delay(attempts, base_seconds, result.retry_after, rng)
        status, next_at, done = PENDING, now + timedelta(seconds=delay), None
    else:
        status, next_at, done = FAILED, now, now
    record = AttemptRecord(claimed.id, status, attempts, next_at, result.status_code,
                           result.error, done)
    return Settled(claimed, endpoint, result, record)


def tally_finals(finals: Sequence[Settled], now: datetime) -> list[DeliveryTally]:
    """Per-webhook statistics of a batch of final outcomes (kept in arrival order)."""
    grouped: dict[int, list[Settled]] = {}
    for item in finals:
        grouped.setdefault(item.endpoint.webhook_id, []).append(item)
    tallies = []
    for webhook_id, items in grouped.items():
        streak, any_success = 0, False
        for item in items:
            if item.result.success:
                streak, any_success = 0, True
            else:
                streak += 1
        last = items[-1]
        tallies.append(DeliveryTally(webhook_id, len(items), streak, any_success,
                                     last.result.status_code, last.result.error, now))
    return tallies


def log_entry(item: Settled, now: datetime) -> dict[str, Any]:
    """The hook_log row of a final outcome (every key always present: one bulk insert)."""
    return {
        "hook_type": "webhook",
        "hook_id": None,
        "webhook_id": item.endpoint.webhook_id,
        "delivery_id": item.claimed.id,
        "event_name": item.claimed.event_name,
        "event_id": item.claimed.event_id,
        "success": item.result.success,
        "exit_code": None,
        "status_code": item.result.status_code,
        "stdout": None,
        "stderr": None,
        "response_excerpt": item.result.excerpt,
        "error": item.result.error,
        "attempts": item.record.attempts,
        "duration_ms": item.result.duration_ms,
        "triggered_at": now,
    }


def announces_execution(item: Settled) -> bool:
    """``hook_executed`` follows every final outcome except of ``hook_executed`` itself."""
    return item.claimed.event_name != HOOK_EXECUTED


def hook_executed_payload(item: Settled) -> dict[str, Any]:
    return {
        "hook_type": "webhook",
        "hook_id": None,
        "webhook_id": item.endpoint.webhook_id,
        "hook_name": item.endpoint.name,
        "event_name": item.claimed.event_name,
        "event_id": item.claimed.event_id,
        "success": item.result.success,
        "exit_code": None,
        "status_code": item.result.status_code,
        "duration_ms": item.result.duration_ms,
        "attempts": item.record.attempts,
    }
