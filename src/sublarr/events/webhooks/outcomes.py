"""From an attempt's result to what gets stored (pure; no I/O).

``settle`` decides the row's next state; ``run_of`` hands a final outcome to
the run log (:mod:`sublarr.events.runlog`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sublarr.events.webhooks.request import Endpoint
from sublarr.events.webhooks.sender import AttemptResult
from sublarr.events.webhooks.outbox_rows import DELIVERED, FAILED, PENDING, AttemptRecord, Claimed
from sublarr.events.webhooks.policy import Verdict, retry_delay, should_retry
from sublarr.events import runlog
from sublarr.events.runlog import WEBHOOK, Run
from sublarr.events.webhooks import repo as configs


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


def run_of(item: Settled, now: datetime) -> Run:
    """The run log's view of a final outcome (``now`` when the start is unknown)."""
    result = item.result
    kind = runlog.NOTIFICATION if item.endpoint.kind == configs.NOTIFICATION else WEBHOOK
    return Run(kind, item.endpoint.webhook_id, item.endpoint.name, item.claimed.event_name,
               item.claimed.event_id, result.success, result.started_at or now,
               result.duration_ms, item.record.attempts, status_code=result.status_code,
               response_excerpt=result.excerpt, error=result.error,
               delivery_id=item.claimed.id)
