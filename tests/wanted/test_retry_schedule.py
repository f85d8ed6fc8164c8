"""Adaptive retries: growing gaps, kept across a restart, stopped once found; the pure rule."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest

from sublarr.app import create_app
from sublarr.services import services_of
from sublarr.wanted.schedule import next_search_at, retry_gap
from tests.conftest import TEST_ENV, ApiClient
from tests.library import payloads
from tests.providers.fakes import FakeSubdl
from tests.wanted.arrival_support import (
    NOTHING,
    episode,
    library_settings,
    subdl_settings,
    wait_for,
    wanted_rows,
)

# Seconds-scale schedule: 0.6 s gaps in the first 2 s of an item's life, 1.5 s until 5 s,
# 3 s after that.
SHORT = {"wanted_retry_early_minutes": 0.01, "wanted_retry_early_days": 2 / 86_400,
         "wanted_retry_middle_minutes": 0.025, "wanted_retry_middle_days": 5 / 86_400,
         "wanted_retry_late_minutes": 0.05}


def test_gap_grows_with_age_and_never_shrinks():
    settings = SimpleNamespace(wanted_retry_early_minutes=60, wanted_retry_early_days=1,
                               wanted_retry_middle_minutes=1440, wanted_retry_middle_days=21,
                               wanted_retry_late_minutes=10080)
    assert retry_gap(timedelta(hours=2), settings) == timedelta(hours=1)
    assert retry_gap(timedelta(days=3), settings) == timedelta(days=1)
    assert retry_gap(timedelta(days=30), settings) == timedelta(weeks=1)
    settings.wanted_retry_middle_minutes = 5  # out of order: the early gap still holds
    assert retry_gap(timedelta(days=3), settings) == timedelta(hours=1)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert next_search_at("found", now, now, settings) is None
    assert next_search_at("failed", now, now, settings) == now + timedelta(hours=1)


@pytest.fixture
def subdl() -> Iterator[FakeSubdl]:
    fake = FakeSubdl(fail_with=NOTHING).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(media_root: Path, subdl: FakeSubdl) -> dict[str, Any]:
    return {**library_settings(media_root), **subdl_settings(subdl), **SHORT}


def _gap(row: dict) -> float:
    return (datetime.fromisoformat(row["next_search_at"])
            - datetime.fromisoformat(row["last_searched_at"])).total_seconds()


def _watch_attempts(client: ApiClient, upto: int, gaps: dict[int, float]) -> dict:
    """Poll the row until ``attempts`` reaches ``upto``, noting each attempt's gap."""
    def progressed() -> dict | None:
        rows = wanted_rows(client)
        if not rows:
            return None
        row = rows[0]
        if row["next_search_at"] and row["last_searched_at"] and row["status"] != "searching":
            gaps.setdefault(row["attempts"], _gap(row))
        return row if row["attempts"] >= upto and row["attempts"] in gaps else None
    return wait_for(progressed, f"{upto} attempts", timeout=60)


def test_nothing_found_is_retried_with_growing_gaps_across_a_restart_until_found(
        app, client, data_dir, app_settings, media_root, subdl):
    remote, local = episode(media_root, "Sousou no Frieren - S01E05.mkv")
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202
    gaps: dict[int, float] = {}
    row = _watch_attempts(client, 3, gaps)
    assert row["status"] == "not_found" and row["last_result"] == "not_found"

    services_of(app).shutdown()  # restart: a new app on the same data dir
    second = create_app({"data_dir": data_dir, **app_settings}, environ=TEST_ENV, testing=True)
    try:
        again = ApiClient(second, services_of(second).api_key)
        [row] = wanted_rows(again)
        assert row["attempts"] >= 3 and row["next_search_at"] is not None  # kept
        row = _watch_attempts(again, row["attempts"] + 3, gaps)
        ordered = [gaps[n] for n in sorted(gaps)]
        assert ordered == sorted(ordered), gaps  # gaps never shrink…
        assert ordered[-1] > ordered[0] * 2, gaps  # …and grow with the item's age

        subdl.fail_with = None  # the subtitle appears at the provider
        saved = local.with_name(local.stem + ".en.srt")
        wait_for(saved.exists, "the subtitle once the provider has it", timeout=60)
        [row] = wait_for(lambda: wanted_rows(again, status="found"), "a found row")
        assert row["next_search_at"] is None
        searches = len(subdl.server.requests)
        time.sleep(3.5)  # longer than the longest gap: a planned retry would have run
        [later] = wanted_rows(again)
        assert (later["status"], later["attempts"]) == ("found", row["attempts"])
        assert len(subdl.server.requests) == searches
    finally:
        services_of(second).shutdown()
