"""Search on arrival: an import webhook alone leads to a subtitle on disk, through the queue."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.library import payloads
from tests.providers.fakes import SRT_EN, FakeSubdl
from tests.support.http import Reply
from tests.wanted.arrival_support import (
    NOTHING,
    episode,
    library_settings,
    subdl_settings,
    wait_for,
    wanted_rows,
)


@pytest.fixture
def subdl() -> Iterator[FakeSubdl]:
    fake = FakeSubdl().start()
    yield fake
    fake.server.stop()


@pytest.fixture
def broken() -> Iterator[FakeSubdl]:
    """A provider server whose every answer is a 500 (any protocol will do)."""
    fake = FakeSubdl(fail_with=Reply(500, {"status": False, "error": "boom"})).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(request, media_root: Path, subdl: FakeSubdl) -> dict[str, Any]:
    settings = {**library_settings(media_root), **subdl_settings(subdl)}
    if "failing_provider" in request.node.name:  # AnimeTosho is down, SubDL answers
        broken = request.getfixturevalue("broken")
        settings.update(providers_enabled=["animetosho", "subdl"], animetosho_feed_url=broken.url,
                        animetosho_storage_url=broken.url + "/storage")
    return settings


def named(events: list[dict], name: str) -> list[dict]:
    return [e["data"] for e in events if e["event_name"] == name]


def test_sonarr_download_alone_puts_the_subtitle_on_disk(client, events, media_root, subdl):
    remote, local = episode(media_root, "[SubsPlease] Sousou no Frieren - S01E05 (1080p).mkv")

    response = client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(remote))

    assert response.status_code == 202
    saved = local.with_name(local.stem + ".en.srt")
    wait_for(saved.exists, "the subtitle next to the episode")
    assert saved.read_bytes().replace(b"\r\n", b"\n").strip() == SRT_EN.strip()
    downloaded = wait_for(lambda: named(events, "subtitle_downloaded"), "subtitle_downloaded")
    assert (downloaded[0]["provider"], downloaded[0]["media_path"]) == ("subdl", str(local))
    processed = wait_for(lambda: named(events, "wanted_item_processed"), "wanted_item_processed")
    assert (processed[0]["status"], processed[0]["subtitle_path"]) == ("found", str(saved))
    [row] = wanted_rows(client)
    assert (row["status"], row["attempts"], row["last_result"], row["next_search_at"]) == (
        "found", 1, "found", None)


def test_jellyfin_text_plain_item_added_is_accepted_and_searched(client, media_root, subdl):
    remote, local = episode(media_root, "Sousou no Frieren - S01E06.mkv")
    body = payloads.jellyfin_item_added(remote)
    response = client.post("/api/v1/webhook/jellyfin", data=json.dumps(body),
                           headers={"Content-Type": "text/plain; charset=utf-8"})

    assert response.status_code == 202, response.get_json()
    wait_for(local.with_name(local.stem + ".en.srt").exists, "the subtitle from a Jellyfin import")


def test_a_body_that_is_not_json_is_still_refused(client):
    response = client.post("/api/v1/webhook/jellyfin", data="NotificationType=ItemAdded",
                           headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"]


def test_a_file_that_vanished_before_its_search_is_dropped_with_a_reason(client, events,
                                                                         media_root, subdl):
    remote, local = episode(media_root, "Sousou no Frieren - S01E07.mkv")
    local.unlink()  # Sonarr reported it, but it is gone (or path_mappings do not match)

    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202

    [row] = wait_for(lambda: wanted_rows(client, status="dropped"), "the row to be dropped")
    assert "media file not found" in row["last_error"] and row["next_search_at"] is None
    assert row["attempts"] == 0
    assert subdl.server.requests == []  # no provider was asked for a file that is not there
    assert named(events, "wanted_item_processed")[0]["status"] == "skipped"


def test_a_failing_provider_pauses_itself_and_the_others_keep_the_queue_going(
        client, media_root, subdl, broken):
    locals_ = []
    for number in range(10, 16):
        remote, local = episode(media_root, f"Sousou no Frieren - S01E{number}.mkv")
        locals_.append(local)
        assert client.post("/api/v1/webhook/sonarr",
                           json=payloads.sonarr_download(remote)).status_code == 202
    for local in locals_:
        wait_for(local.with_name(local.stem + ".en.srt").exists, f"subtitle of {local.name}")
    providers = {p["name"]: p for p in client.get("/api/v1/providers").get_json()["providers"]}
    assert providers["animetosho"]["state"] == "paused"
    assert len(broken.server.requests) < len(locals_)  # paused after its first failures
    assert {r["status"] for r in wanted_rows(client)} == {"found"}


def test_a_burst_goes_through_the_bounded_queue(client, services, media_root, subdl):
    gate = threading.Event()
    seen: list[int] = []
    lock = threading.Lock()
    active = [0]

    def slow(req):  # noqa: ANN001, ANN202
        if req.path == "/api/v1/subtitles":
            with lock:
                active[0] += 1
                seen.append(active[0])
            gate.wait(0.3)
            with lock:
                active[0] -= 1
        return subdl.route(req)

    subdl.server.responder = slow
    paths = []
    for number in range(20, 32):
        remote, local = episode(media_root, f"Sousou no Frieren - S01E{number}.mkv")
        paths.append(local)
        assert client.post("/api/v1/webhook/sonarr",
                           json=payloads.sonarr_download(remote)).status_code == 202
    for local in paths:
        wait_for(local.with_name(local.stem + ".en.srt").exists, f"subtitle of {local.name}")
    assert max(seen) <= 4  # the queue was started with 4 workers; never more in flight
    assert len(seen) == len(paths)


def test_retry_settings_of_zero_or_negative_are_refused(client):
    for key in ("wanted_retry_early_minutes", "wanted_retry_middle_days",
                "wanted_retry_late_minutes"):
        for value in (0, -5):
            response = client.put("/api/v1/config", json={key: value})
            assert response.status_code == 422, (key, value, response.get_json())
            assert "error" in response.get_json()


def test_no_result_is_not_searched_again_before_its_time(client, media_root, subdl):
    subdl.fail_with = NOTHING
    remote, _local = episode(media_root, "Sousou no Frieren - S01E08.mkv")
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202
    [row] = wait_for(lambda: wanted_rows(client, status="not_found"), "a not_found row")
    assert row["attempts"] == 1 and row["last_result"] == "not_found"
    assert row["next_search_at"] > row["last_searched_at"]


def test_a_new_file_in_a_watched_folder_is_searched_on_arrival(client, events, tmp_path, subdl):
    watched = tmp_path / "watched"
    watched.mkdir()
    assert client.put("/api/v1/config", json={"standalone_folders": [str(watched)],
                                              "standalone_debounce_seconds": 0.3}
                      ).status_code == 200
    wait_for(lambda: named(events, "standalone_scan_complete"), "the watcher's first scan")

    media = watched / "[SubsPlease] Frieren - S01E05 (1080p).mkv"
    media.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 1024)

    wait_for(media.with_name(media.stem + ".en.srt").exists, "the subtitle of the new file")
    assert named(events, "standalone_file_detected")[0]["media_path"] == str(media)


def test_rows_a_scan_adds_are_searched_at_once(client, events, tmp_path, subdl):
    folder = tmp_path / "library"
    folder.mkdir()
    media = folder / "Sousou no Frieren - S01E09.mkv"
    media.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 1024)
    assert client.put("/api/v1/config", json={"standalone_folders": [str(folder)]}
                      ).status_code == 200

    assert client.post("/api/v1/wanted/scan").status_code == 202

    wait_for(media.with_name(media.stem + ".en.srt").exists, "the subtitle of a scanned file")
    processed = wait_for(lambda: named(events, "wanted_item_processed"), "wanted_item_processed")
    assert processed[0]["status"] == "found"
