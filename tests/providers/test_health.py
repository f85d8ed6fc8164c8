"""Provider pacing and the pause after failures (pure, with an injected clock)."""

from __future__ import annotations

import struct
from types import SimpleNamespace

from sublarr.providers.errors import (
    ProviderAuthError,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderUnavailable,
)
from sublarr.providers.health import ProviderHealth, pause_seconds
from sublarr.retry import parse_retry_after as retry_after_seconds
from sublarr.providers.media_hash import BLOCK, movie_hash

SETTINGS = SimpleNamespace(provider_rate_limit_per_minute=60, provider_backoff_seconds=60.0,
                           provider_backoff_max_seconds=3600.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health(clock: Clock) -> ProviderHealth:
    return ProviderHealth("x", settings=lambda: SETTINGS, clock=clock)


def test_pause_doubles_up_to_the_cap():
    delays = [pause_seconds(n, 60, 3600, error=ProviderUnavailable("x")) for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_auth_errors_pause_for_the_cap_at_once():
    assert pause_seconds(1, 60, 3600, error=ProviderAuthError("x")) == 3600


def test_retry_after_and_quota_reset_win_when_longer():
    assert pause_seconds(1, 60, 3600, 900, ProviderRateLimited("x")) == 900
    assert pause_seconds(1, 60, 3600, 7 * 3600, ProviderQuotaExceeded("x")) == 7 * 3600
    assert pause_seconds(1, 60, 3600, 5, ProviderRateLimited("x")) == 60


def test_failure_pauses_then_the_pause_runs_out():
    clock = Clock()
    state = health(clock)
    state.record_failure(ProviderUnavailable("down", status_code=503))
    assert state.is_paused() and state.snapshot().state == "paused"
    assert state.snapshot().last_status_code == 503
    clock.now += 61
    assert not state.is_paused()
    state.record_failure(ProviderUnavailable("down again"))  # second in a row: 120 s
    clock.now += 100
    assert state.is_paused()


def test_success_resets_the_failure_count():
    clock = Clock()
    state = health(clock)
    state.record_failure(ProviderUnavailable("down"))
    state.record_success()
    assert state.snapshot().consecutive_failures == 0 and not state.is_paused()


def test_rate_limit_spaces_requests():
    clock = Clock()
    state = health(clock)
    assert [state.reserve_slot() for _ in range(3)] == [0.0, 1.0, 2.0]
    clock.now += 10
    assert state.reserve_slot() == 0.0


def test_retry_after_header_forms():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_movie_hash_matches_the_published_algorithm(tmp_path):
    data = bytes(range(256)) * 1024  # 256 KiB
    path = tmp_path / "video.mkv"
    path.write_bytes(data)
    words = struct.unpack(f"<{BLOCK // 8}Q", data[:BLOCK])
    words += struct.unpack(f"<{BLOCK // 8}Q", data[-BLOCK:])
    expected = (len(data) + sum(words)) & 0xFFFFFFFFFFFFFFFF
    assert movie_hash(path) == f"{expected:016x}"


def test_movie_hash_of_small_or_missing_files_is_none(tmp_path):
    small = tmp_path / "small.mkv"
    small.write_bytes(b"x" * 100)
    assert movie_hash(small) is None and movie_hash(tmp_path / "missing.mkv") is None
