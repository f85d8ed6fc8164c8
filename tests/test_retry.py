"""The shared Retry-After parser and back-off ladder (pure)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from sublarr.retry import backoff_seconds, parse_retry_after

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_delta_seconds_dates_and_cap():
    assert parse_retry_after("120", now=NOW) == 120.0
    assert parse_retry_after(" 1.5 ", now=NOW) == 1.5
    assert parse_retry_after("999999", now=NOW) == 86_400.0
    assert parse_retry_after("999999", now=NOW, cap=3600) == 3600.0
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=NOW) == 30.0


def test_date_without_a_zone_is_read_as_utc():
    # "-0000" makes email.utils return a naive datetime; it must not raise.
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 -0000", now=NOW) == 60.0


def test_unusable_values_are_none():
    for junk in (None, "", "soon", "-5", "inf", "nan", "1.5e3", "Mon, 99 Foo"):
        assert parse_retry_after(junk, now=NOW) is None


def test_backoff_doubles_from_base_up_to_the_cap():
    assert [backoff_seconds(n, 2, 60) for n in range(1, 7)] == [2, 4, 8, 16, 32, 60]
    assert backoff_seconds(0, 2, 60) == 2
    assert backoff_seconds(10_000, 2, 60) == 60


def test_backoff_jitter_stays_within_its_spread():
    rng = random.Random(3)
    for _ in range(100):
        assert 8 * 0.8 <= backoff_seconds(3, 2, 3600, jitter=0.2, rng=rng) <= 8 * 1.2
