"""Folders configured at start-up are scanned and watched without any API call."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.library.fakes import named, wait_until


@pytest.fixture
def app_settings(tmp_path: Path):
    folder = tmp_path / "startup"
    folder.mkdir()
    (folder / "A S01E01.mkv").write_bytes(b"")
    return {"standalone_folders": [str(folder)], "standalone_debounce_seconds": 0.2,
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": True,
            "wanted_search_on_arrival": False}


def test_startup_wanted_scan(client):
    status = wait_until(lambda: (s := client.get("/api/v1/wanted/scan").get_json())["last_scan"]
                        and s, what="start-up wanted scan")
    assert status["last_scan"]["scanned"] == 1 and status["last_scan"]["added"] == 1


def test_startup_scan_then_watch(services, tmp_path):
    events: list[dict] = []
    services.bus.subscribe(events.append)
    watcher = services.components["standalone_watcher"]
    wait_until(lambda: watcher.watched, what="watcher started")
    (tmp_path / "startup" / "B S01E02.mkv").write_bytes(b"")
    detected = wait_until(lambda: named(events, "standalone_file_detected"))
    assert detected[0]["data"]["episode"] == 2
