"""Per-provider health: rate limiting and the pause (back-off) after failures.

The clock is injected so the state machine is tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sublarr.providers.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderQuotaExceeded,
    ProviderRateLimited,
)
from sublarr.retry import DAY_SECONDS, backoff_seconds


def pause_seconds(failures: int, base: float, cap: float, retry_after: float | None = None,
                  error: ProviderError | None = None) -> float:
    """How long to pause after the ``failures``-th consecutive failure.

    Doubles from ``base`` up to ``cap``; a provider's own ``Retry-After``/quota
    reset wins when it is longer; bad credentials pause for ``cap`` because
    only the user can fix them.
    """
    if isinstance(error, ProviderAuthError):
        return cap
    delay = backoff_seconds(failures, base, cap)
    if retry_after is not None and isinstance(error, (ProviderRateLimited, ProviderQuotaExceeded)):
        delay = max(delay, min(retry_after, DAY_SECONDS))
    return delay


@dataclass
class HealthSnapshot:
    state: str  # ok | paused
    consecutive_failures: int
    paused_until: datetime | None
    last_error: str | None
    last_status_code: int | None
    last_success_at: datetime | None
    last_failure_at: datetime | None


class ProviderHealth:
    """Thread-safe state of one provider: request pacing and failure pause."""

    def __init__(self, name: str, *, settings: Callable[[], Any],
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.name = name
        self._settings = settings
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._failures = 0
        self._last_error: str | None = None
        self._last_status: int | None = None
        self._last_success: datetime | None = None
        self._last_failure: datetime | None = None

    def is_paused(self) -> bool:
        with self._lock:
            return self._clock() < self._paused_until

    def pause_remaining(self) -> float:
        """Seconds until the pause ends (0 when not paused)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def reserve_slot(self) -> float:
        """Seconds to wait before the next request may go out (and book that slot)."""
        interval = 60.0 / self._settings().provider_rate_limit_per_minute
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + interval
            return slot - now

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._paused_until = 0.0
            self._last_success = self._wall()

    def record_failure(self, error: ProviderError) -> float:
        """Count a failure and pause the provider; returns the pause in seconds."""
        settings = self._settings()
        with self._lock:
            self._failures += 1
            delay = pause_seconds(self._failures, settings.provider_backoff_seconds,
                                  settings.provider_backoff_max_seconds, error.retry_after, error)
            self._paused_until = max(self._paused_until, self._clock() + delay)
            self._last_error = error.message
            self._last_status = error.status_code
            self._last_failure = self._wall()
            return delay

    def resume(self) -> None:
        """Lift a pause now (the user fixed the key, or wants to retry)."""
        with self._lock:
            self._paused_until = 0.0
            self._failures = 0

    def snapshot(self) -> HealthSnapshot:
        with self._lock:
            remaining = self._paused_until - self._clock()
            paused = remaining > 0
            return HealthSnapshot(
                state="paused" if paused else "ok",
                consecutive_failures=self._failures,
                paused_until=self._wall() + timedelta(seconds=remaining) if paused else None,
                last_error=self._last_error,
                last_status_code=self._last_status,
                last_success_at=self._last_success,
                last_failure_at=self._last_failure,
            )
