"""The wanted table on the real PostgreSQL: migration, scan, filters, deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.library import payloads
from tests.library.fakes import named, wait_until


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "pg lib [x] ü"
    (root / "Show").mkdir(parents=True)
    for n in range(1, 6):
        (root / "Show" / f"Show 100%_done S01E0{n}.mkv").write_bytes(b"")
    (root / "Show" / "Show 100%_done S01E01.en.srt").write_bytes(b"")
    return root


@pytest.fixture
def app_settings(pg_url, library):
    return {"database_url": pg_url, "standalone_folders": [str(library)],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "path_mappings": [{"remote": "/tv", "local": str(library)}]}


def test_scan_list_and_webhook_on_postgres(client, services, events, library):
    report = services.components["wanted"].runner.scan_now()
    assert (report.scanned, report.added) == (5, 4)
    found = client.get("/api/v1/wanted", query_string={"search": "100%_DONE"}).get_json()
    assert found["total"] == 4
    assert client.get("/api/v1/wanted", query_string={"search": "x%"}).get_json()["total"] == 0

    body = payloads.SONARR_OTHER_EVENTS["SeriesDelete"] | {
        "series": {**payloads.SONARR_SERIES, "path": "/tv/Show"}}
    assert client.post("/api/v1/webhook/sonarr", json=body).status_code == 200
    wait_until(lambda: client.get("/api/v1/wanted").get_json()["total"] == 0)
    assert named(events, "webhook_received")
    again = services.components["wanted"].runner.scan_now()
    assert (again.added, again.removed) == (4, 0)
