"""Watched folders: debounced detection, guessit parsing, reconfiguration."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.library.fakes import named, wait_until


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    folder = tmp_path / "watched [anime] é"
    folder.mkdir()
    (folder / "Already Here S01E01.mkv").write_bytes(b"x")
    return folder


@pytest.fixture
def app_settings():
    # Folders are set through PUT /config (stored settings), so every test also
    # covers reconfiguration at run time; explicit overrides would pin them.
    return {"standalone_debounce_seconds": 0.3, "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False}


@pytest.fixture(autouse=True)
def watching(client, events, watched: Path) -> None:
    assert client.put("/api/v1/config",
                      json={"standalone_folders": [str(watched)]}).status_code == 200
    wait_until(lambda: named(events, "standalone_scan_complete"), what="initial scan")


def _detected(events: list[dict]) -> dict[str, dict]:
    return {Path(e["data"]["media_path"]).name: e["data"]
            for e in named(events, "standalone_file_detected")}


def test_dropped_files_are_detected_with_guessit_numbers(services, events, watched, client):
    initial = named(events, "standalone_scan_complete")[0]["data"]
    assert initial["folders"] == [str(watched)] and initial["files_found"] == 1

    (watched / "[SubsPlease] Frieren - 05 (1080p).mkv").write_bytes(b"\0" * 1024)
    season = watched / "Dan Da Dan" / "Season 2"
    season.mkdir(parents=True)
    (season / "Dan.Da.Dan.S02E03.1080p.WEB.x264-GRP.mkv").write_bytes(b"\0" * 10)
    (watched / "notes.txt").write_text("not media")
    (watched / "Perfect.Days.2023.1080p.BluRay.x264.mkv").write_bytes(b"\0")

    found = wait_until(lambda: len(_detected(events)) >= 3 and _detected(events),
                       what="three detections")
    assert found["[SubsPlease] Frieren - 05 (1080p).mkv"] == {
        "media_path": str(watched / "[SubsPlease] Frieren - 05 (1080p).mkv"),
        "title": "Frieren", "season": None, "episode": 5, "media_type": "episode"}
    dandadan = found["Dan.Da.Dan.S02E03.1080p.WEB.x264-GRP.mkv"]
    assert (dandadan["title"], dandadan["season"], dandadan["episode"]) == ("Dan Da Dan", 2, 3)
    movie = found["Perfect.Days.2023.1080p.BluRay.x264.mkv"]
    assert (movie["media_type"], movie["title"]) == ("movie", "Perfect Days")
    assert len(named(events, "standalone_file_detected")) == 3  # each file once, no .txt

    rows = wait_until(lambda: len(client.get("/api/v1/wanted").get_json()["items"]) >= 3 and
                      client.get("/api/v1/wanted").get_json()["items"])
    frieren = [r for r in rows if r["title"] == "Frieren"]
    assert frieren and frieren[0]["episode"] == 5 and frieren[0]["source"] == "standalone"


def test_a_file_still_being_copied_is_reported_once_complete(services, events, watched):
    target = watched / "Slow Copy - 12.mkv"
    copying = threading.Event()
    copying.set()
    seen_while_copying: list[bool] = []
    services.bus.subscribe(lambda _env: seen_while_copying.append(copying.is_set()),
                           names=["standalone_file_detected"])

    with open(target, "wb") as out:
        for _ in range(20):  # grows every ~20 ms, far inside the 300 ms debounce
            out.write(b"\0" * 4096)
            out.flush()
            os.fsync(out.fileno())
            time.sleep(0.02)
    copying.clear()

    wait_until(lambda: _detected(events), what="detection after copy")
    assert seen_while_copying == [False]
    assert len(named(events, "standalone_file_detected")) == 1


def test_reconfigure_through_the_api_keeps_watching(client, events, tmp_path):
    second = tmp_path / "second folder"
    second.mkdir()
    (second / "Show S01E02.mkv").write_bytes(b"")

    response = client.put("/api/v1/config", json={"standalone_folders": [str(second)]})

    assert response.status_code == 200
    scans = wait_until(lambda: (s := named(events, "standalone_scan_complete")) and len(s) >= 2
                       and s)
    assert scans[-1]["data"]["folders"] == [str(second)]
    assert scans[-1]["data"]["files_found"] == 1 and scans[-1]["data"]["new_files"] == 1
    (second / "New One S01E03.mkv").write_bytes(b"1")
    found = wait_until(lambda: _detected(events), what="detection in the new folder")
    assert found["New One S01E03.mkv"]["episode"] == 3
    status = client.get("/api/v1/library/status").get_json()
    assert status["standalone_folders"] == [str(second)]


def test_missing_folder_is_not_fatal(client, events, tmp_path):
    response = client.put("/api/v1/config",
                          json={"standalone_folders": [str(tmp_path / "does not exist")]})
    assert response.status_code == 200
    scans = wait_until(lambda: (s := named(events, "standalone_scan_complete")) and len(s) >= 2
                       and s)
    assert scans[-1]["data"]["folders"] == [] and scans[-1]["data"]["files_found"] == 0
    assert client.post("/api/v1/library/standalone/scan").status_code == 409


def test_manual_rescan_endpoint(client, events, watched):
    assert client.post("/api/v1/library/standalone/scan").status_code == 202
    scans = wait_until(lambda: (s := named(events, "standalone_scan_complete")) and len(s) >= 2
                       and s)
    assert scans[-1]["data"]["new_files"] == 0 and scans[-1]["data"]["files_found"] == 1


def test_a_file_deleted_and_copied_again_is_detected_again(events, watched):
    target = watched / "Again - 07.mkv"
    target.write_bytes(b"1")
    wait_until(lambda: len(named(events, "standalone_file_detected")) == 1)
    target.unlink()
    wait_until(lambda: not target.exists())
    target.write_bytes(b"22")
    wait_until(lambda: len(named(events, "standalone_file_detected")) == 2,
               what="second detection")
