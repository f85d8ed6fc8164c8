"""The run log: how a finished hook run or webhook delivery is recorded and announced.

Both pipelines end the same way: one ``hook_log`` row, the subscriber's
statistics (trigger_count, last_triggered_at, last outcome,
consecutive_failures) and a ``hook_executed`` event. Each pipeline turns its
outcome into a :class:`Run`; everything after that is built here, so a column
or a payload key means the same for both. ``triggered_at`` is when the run
started (for a webhook delivery: when its last attempt started).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy.orm import Session

from sublarr.db import hook_log

HOOK_EXECUTED = "hook_executed"
SCRIPT = "script"
WEBHOOK = "webhook"
NOTIFICATION = "notification"


@dataclass(frozen=True)
class Run:
    """One finished script run (``hook_type`` "script"), webhook delivery ("webhook") or
    notification ("notification")."""

    hook_type: str
    subscriber_id: int  # the hook's, the webhook's or the notification channel's id
    name: str
    event_name: str
    event_id: str | None
    success: bool
    triggered_at: datetime
    duration_ms: int
    attempts: int = 1
    exit_code: int | None = None
    status_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    response_excerpt: str | None = None
    error: str | None = None
    delivery_id: str | None = None

    @property
    def hook_id(self) -> int | None:
        return self.subscriber_id if self.hook_type == SCRIPT else None

    @property
    def webhook_id(self) -> int | None:
        return self.subscriber_id if self.hook_type == WEBHOOK else None

    @property
    def notification_id(self) -> int | None:
        return self.subscriber_id if self.hook_type == NOTIFICATION else None


@dataclass(frozen=True)
class Tally:
    """A batch of one subscriber's runs, folded in the order they happened."""

    subscriber_id: int
    count: int
    trailing_failures: int  # failures after the batch's last success (or all of them)
    saw_success: bool
    last_success: bool
    last_status_code: int | None
    last_error: str | None
    last_at: datetime  # the last run's triggered_at


def log_row(run: Run) -> dict[str, Any]:
    """The hook_log row of ``run`` (every column present: one bulk insert per batch)."""
    return {
        "hook_type": run.hook_type, "hook_id": run.hook_id, "webhook_id": run.webhook_id,
        "notification_id": run.notification_id, "delivery_id": run.delivery_id, "event_name": run.event_name,
        "event_id": run.event_id, "success": run.success, "exit_code": run.exit_code,
        "status_code": run.status_code, "stdout": run.stdout or None,
        "stderr": run.stderr or None, "response_excerpt": run.response_excerpt,
        "error": run.error, "attempts": run.attempts, "duration_ms": run.duration_ms,
        "triggered_at": run.triggered_at,
    }


def announces(run: Run) -> bool:
    """``hook_executed`` follows every run except one for ``hook_executed`` itself."""
    return run.event_name != HOOK_EXECUTED


def hook_executed_payload(run: Run) -> dict[str, Any]:
    return {
        "hook_type": run.hook_type, "hook_id": run.hook_id, "webhook_id": run.webhook_id,
        "notification_id": run.notification_id, "hook_name": run.name, "event_name": run.event_name, "event_id": run.event_id,
        "success": run.success, "exit_code": run.exit_code, "status_code": run.status_code,
        "duration_ms": run.duration_ms, "attempts": run.attempts,
    }


def tally(runs: Iterable[Run]) -> list[Tally]:
    """Per-subscriber statistics of a batch (subscribers in order of first appearance)."""
    grouped: dict[int, list[Run]] = {}
    for run in runs:
        grouped.setdefault(run.subscriber_id, []).append(run)
    tallies = []
    for subscriber_id, items in grouped.items():
        streak, saw_success = 0, False
        for item in items:
            if item.success:
                streak, saw_success = 0, True
            else:
                streak += 1
        last = items[-1]
        tallies.append(Tally(subscriber_id, len(items), streak, saw_success, last.success,
                             last.status_code, last.error, last.triggered_at))
    return tallies


StatsWriter = Callable[[Session, Sequence[Tally]], None]


def write(session: Session, runs: Sequence[Run], stats: StatsWriter | None) -> None:
    """Add ``runs`` to hook_log and, through ``stats``, to their subscribers' statistics.

    ``stats`` is the owning repository's writer; None logs without counting
    (a webhook's test send).
    """
    hook_log.add_entries(session, [log_row(run) for run in runs])
    if stats is not None:
        stats(session, tally(runs))
