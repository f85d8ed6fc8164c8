"""When a wanted item is searched next (pure: no database, no clock of its own)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class RetrySettings(Protocol):
    wanted_retry_early_minutes: float
    wanted_retry_early_days: float
    wanted_retry_middle_minutes: float
    wanted_retry_middle_days: float
    wanted_retry_late_minutes: float


def retry_gap(age: timedelta, settings: RetrySettings) -> timedelta:
    """The gap before the next search of an item ``age`` old that found nothing.

    Early gap while the item is younger than ``wanted_retry_early_days``, then
    the middle gap until ``wanted_retry_middle_days``, then the late gap.  The
    gap never shrinks with age even when the settings are out of order.
    """
    days = age.total_seconds() / 86_400
    minutes = settings.wanted_retry_early_minutes
    if days >= settings.wanted_retry_early_days:
        minutes = max(minutes, settings.wanted_retry_middle_minutes)
    if days >= max(settings.wanted_retry_early_days, settings.wanted_retry_middle_days):
        minutes = max(minutes, settings.wanted_retry_late_minutes)
    return timedelta(minutes=minutes)


def next_search_at(status: str, added_at: datetime, now: datetime,
                   settings: RetrySettings) -> datetime | None:
    """After a search that ended in ``status``: None once found, else the next retry."""
    if status == "found":
        return None
    return now + retry_gap(now - added_at, settings)


def first_search_at(now: datetime, on_arrival: bool, settings: RetrySettings) -> datetime:
    """A new item is searched at once, or after the early gap when search on arrival is off."""
    return now if on_arrival else now + retry_gap(timedelta(0), settings)
