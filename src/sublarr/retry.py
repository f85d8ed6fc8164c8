"""Waiting before trying again: ``Retry-After`` and exponential back-off (pure; no I/O).

Shared by every client that retries (webhook deliveries, subtitle providers,
translation backends); each decides how the server's ``Retry-After`` combines
with its own ladder.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

DAY_SECONDS = 86_400.0
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_MAX_DOUBLINGS = 30  # beyond this every ladder is at its cap anyway


def parse_retry_after(value: str | None, now: datetime | None = None,
                      cap: float = DAY_SECONDS) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    A date in the past means 0; anything unparseable is ``None`` (the caller's
    ladder applies); the result is at most ``cap``.
    """
    if not value:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return min(float(text), cap)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = (moment - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(delta, 0.0), cap)


def backoff_seconds(failures: int, base: float, cap: float, jitter: float = 0.0,
                    rng: random.Random | None = None) -> float:
    """The wait after the ``failures``-th consecutive failure: ``base``, then doubling.

    ``jitter`` spreads it by that fraction either way (0.2: +-20 %) so failures
    that came together do not come back together; the result is at most ``cap``.
    """
    delay = base * (2 ** min(max(failures - 1, 0), _MAX_DOUBLINGS))
    if jitter:
        delay *= (rng or random).uniform(1 - jitter, 1 + jitter)
    return min(delay, cap)
