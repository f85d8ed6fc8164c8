"""A library of 2,000 (empty) media files: counts reported by wanted_scan_complete match."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.library.fakes import named, wait_until

SHOWS = 40
EPISODES = 50  # 40 × 50 = 2,000 media files


def build_library(root: Path) -> dict[str, int]:
    """Media files with a mix of existing subtitles; returns the expected missing counts."""
    missing = {"en": 0, "de": 0}
    for show in range(SHOWS):
        season = root / f"[Group] Show {show:02d} ü" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            stem = f"[Group] Show {show:02d} - S01E{episode:02d} [1080p]"
            (season / f"{stem}.mkv").write_bytes(b"")
            if episode % 2 == 0:
                (season / f"{stem}.en.srt").write_bytes(b"")
            else:
                missing["en"] += 1
            if episode % 5 == 0:
                (season / f"{stem}.deu.ass").write_bytes(b"")
            elif episode % 5 == 1:
                (season / f"{stem}.de.forced.srt").write_bytes(b"")  # does not count
                missing["de"] += 1
            else:
                missing["de"] += 1
        (season / "folder.jpg").write_bytes(b"")
        (season / "notes.nfo").write_bytes(b"")
    return missing


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    root = tmp_path / "big library"
    root.mkdir()
    return root, build_library(root)


@pytest.fixture
def app_settings(library):
    return {"standalone_folders": [str(library[0])], "wanted_languages": ["en", "de"],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False}


def test_scan_of_two_thousand_files_reports_matching_counts(client, services, library):
    root, missing = library
    events: list[dict] = []
    services.bus.subscribe(events.append, names=["wanted_scan_complete"])

    assert client.post("/api/v1/wanted/scan").status_code == 202
    done = wait_until(lambda: named(events, "wanted_scan_complete"), timeout=120)[0]["data"]

    expected_rows = missing["en"] + missing["de"]
    assert done["scanned"] == SHOWS * EPISODES == 2000
    assert done["added"] == expected_rows and done["removed"] == 0
    listing = client.get("/api/v1/wanted", query_string={"language": "de", "limit": 1})
    assert listing.get_json()["total"] == missing["de"]

    # Subtitles for one whole show appear; a second scan removes exactly its rows.
    season = root / "[Group] Show 00 ü" / "Season 1"
    for media in season.glob("*.mkv"):
        (season / f"{media.stem}.en.srt").write_bytes(b"")
    assert client.post("/api/v1/wanted/scan").status_code == 202
    second = wait_until(lambda: len(named(events, "wanted_scan_complete")) > 1 and
                        named(events, "wanted_scan_complete")[1], timeout=120)["data"]
    assert (second["scanned"], second["added"], second["removed"]) == (2000, 0, EPISODES // 2)
