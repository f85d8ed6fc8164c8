"""What an attempt's result means and when to try again (pure; no I/O).

SPEC: 2xx succeeds; 429, 5xx, timeouts and connection errors are retried on
an exponential ladder with jitter (``Retry-After`` honoured up to one hour);
any other status (redirects included, they are not followed) is final;
``410 Gone`` is final and disables the webhook.
"""

from __future__ import annotations

import enum
import random

from sublarr.retry import backoff_seconds, parse_retry_after

MAX_RETRY_AFTER_SECONDS = 3600.0
JITTER = 0.2  # +-20 %


def parse_webhook_retry_after(value: str | None) -> float | None:
    """A receiver's ``Retry-After`` in seconds, at most one hour."""
    return parse_retry_after(value, cap=MAX_RETRY_AFTER_SECONDS)


class Verdict(enum.Enum):
    SUCCESS = "success"
    RETRY = "retry"       # transient: try again while attempts remain
    FINAL = "final"       # permanent failure of this delivery
    GONE = "gone"         # permanent, and the endpoint asked to be forgotten (410)


def classify(status_code: int | None) -> Verdict:
    """The verdict for an HTTP status; ``None`` means no answer (timeout, refused, reset)."""
    if status_code is None:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.SUCCESS
    if status_code == 410:
        return Verdict.GONE
    if status_code == 429 or status_code >= 500:
        return Verdict.RETRY
    return Verdict.FINAL


def retry_delay(
    attempts_made: int,
    base_seconds: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next attempt after ``attempts_made`` failed ones.

    ``base * 2**(n-1)`` (2 s, 4 s, 8 s by default) with +-20 % jitter so a
    burst of failures does not come back as a burst; an explicit
    ``Retry-After`` wins (the receiver knows best), capped at one hour.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
    return backoff_seconds(attempts_made, base_seconds, MAX_RETRY_AFTER_SECONDS, JITTER, rng)


def should_retry(verdict: Verdict, attempts_made: int, max_attempts: int) -> bool:
    """True when a transient failure still has attempts left."""
    return verdict is Verdict.RETRY and attempts_made < max_attempts
