"""Incoming Sonarr/Radarr/Jellyfin webhooks: every event type, bad bodies, queued files."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.library import payloads
from tests.library.fakes import named, wait_until

REMOTE = "/tv"


@pytest.fixture
def app_settings(media_root: Path) -> dict[str, Any]:
    return {"path_mappings": [{"remote": REMOTE, "local": str(media_root / "tv")},
                              {"remote": "/movies", "local": str(media_root / "movies")},
                              {"remote": "D:\\TV", "local": str(media_root / "tv")}],
            "wanted_languages": ["en", "de"], "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False}


def _wanted(client, **query) -> list[dict]:
    response = client.get("/api/v1/wanted", query_string={"limit": 500, **query})
    assert response.status_code == 200
    return response.get_json()["items"]


def _episode_file(media_root: Path, name: str) -> tuple[str, Path]:
    local = media_root / "tv" / "Sousou no Frieren" / "Season 1" / name
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(b"")
    return f"{REMOTE}/Sousou no Frieren/Season 1/{name}", local


def test_sonarr_download_emits_event_and_adds_wanted_rows(client, events, media_root):
    remote, local = _episode_file(media_root, "[SubsPlease] Sousou no Frieren - 05 (1080p).mkv")
    (local.parent / (local.stem + ".de.srt")).write_text("1\n00:00:01,000 --> 00:00:02,000\nHallo\n")

    response = client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(remote))

    assert response.status_code == 202
    assert response.get_json()["status"] == "queued"
    received = named(events, "webhook_received")
    assert [e["data"] for e in received] == [{
        "source": "sonarr", "event_type": "Download", "title": "Sousou no Frieren",
        "media_path": str(local)}]
    rows = wait_until(lambda: _wanted(client), what="wanted row")
    assert [(r["media_path"], r["language"], r["season"], r["episode"]) for r in rows] == [
        (str(local), "en", 1, 5)]  # German exists next to the file
    assert rows[0]["source"] == "sonarr" and rows[0]["title"] == "Sousou no Frieren"


def test_sonarr_import_complete_queues_every_episode_file(client, media_root):
    names = [f"Frieren - S01E{n:02d}.mkv" for n in (6, 7, 8)]
    remotes = [_episode_file(media_root, n)[0] for n in names]

    response = client.post("/api/v1/webhook/sonarr",
                           json=payloads.sonarr_import_complete(remotes))

    assert response.status_code == 202 and response.get_json()["files"] == 3
    rows = wait_until(lambda: (r := _wanted(client, language="en")) and len(r) == 3 and r)
    assert sorted(r["episode"] for r in rows) == [6, 7, 8]


def test_upgrade_replaces_the_old_files_rows(client, media_root):
    old_remote, _ = _episode_file(media_root, "old.mkv")
    client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(old_remote))
    wait_until(lambda: len(_wanted(client)) == 2, what="old rows")
    new_remote, new_local = _episode_file(media_root, "new [v2].mkv")

    response = client.post("/api/v1/webhook/sonarr",
                           json=payloads.sonarr_download(new_remote, upgrade=True))

    assert response.status_code == 202
    wait_until(lambda: {r["media_path"] for r in _wanted(client)} == {str(new_local)},
               what="old rows replaced")


def test_file_delete_and_series_delete_remove_rows(client, media_root):
    remote, _ = _episode_file(media_root, "x.mkv")
    client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(remote))
    wait_until(lambda: len(_wanted(client)) == 2)
    response = client.post("/api/v1/webhook/sonarr",
                           json=payloads.SONARR_OTHER_EVENTS["EpisodeFileDelete"])
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"
    wait_until(lambda: _wanted(client) == [], what="rows removed")

    client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(remote))
    wait_until(lambda: len(_wanted(client)) == 2)
    client.post("/api/v1/webhook/sonarr", json=payloads.SONARR_OTHER_EVENTS["SeriesDelete"])
    wait_until(lambda: _wanted(client) == [], what="series rows removed")


def test_rename_moves_rows_to_the_new_path(client, media_root):
    old_remote, _ = _episode_file(media_root, "old name.mkv")
    client.post("/api/v1/webhook/sonarr", json=payloads.sonarr_download(old_remote))
    wait_until(lambda: len(_wanted(client)) == 2)
    _episode_file(media_root, "new name.mkv")
    response = client.post("/api/v1/webhook/sonarr", json=payloads.SONARR_OTHER_EVENTS["Rename"])
    assert response.status_code == 202
    wait_until(lambda: {Path(r["media_path"]).name for r in _wanted(client)} == {"new name.mkv"})


@pytest.mark.parametrize("event", sorted(set(payloads.SONARR_OTHER_EVENTS) - {
    "Rename", "EpisodeFileDelete", "SeriesDelete"}))
def test_every_other_sonarr_event_is_accepted(client, events, event):
    body = payloads.SONARR_OTHER_EVENTS[event]
    response = client.post("/api/v1/webhook/sonarr", json=body)
    assert response.status_code == 200
    assert response.get_json()["status"] == "ignored"
    assert named(events, "webhook_received")[0]["data"]["event_type"] == body["eventType"]


@pytest.mark.parametrize("event", sorted(payloads.RADARR_OTHER_EVENTS))
def test_every_other_radarr_event_is_accepted(client, events, event):
    response = client.post("/api/v1/webhook/radarr", json=payloads.RADARR_OTHER_EVENTS[event])
    assert response.status_code == 200
    assert named(events, "webhook_received")[0]["data"]["source"] == "radarr"


def test_radarr_download_adds_rows_except_embedded_languages(client, events, media_root):
    folder = media_root / "movies" / "Perfect Days (2023)"
    folder.mkdir(parents=True)
    (folder / "Perfect Days (2023).mkv").write_bytes(b"")
    body = payloads.radarr_download("/movies/Perfect Days (2023)/Perfect Days (2023).mkv")
    body["movieFile"]["mediaInfo"]["subtitles"] = ["eng", "jpn"]  # English is embedded

    response = client.post("/api/v1/webhook/radarr", json=body)

    assert response.status_code == 202
    assert named(events, "webhook_received")[0]["data"]["title"] == "Perfect Days"
    rows = wait_until(lambda: _wanted(client, media_type="movie"))
    assert [(r["language"], r["year"]) for r in rows] == [("de", 2023)]


def test_jellyfin_item_added_with_path_is_queued(client, events, media_root):
    remote, local = _episode_file(media_root, "Frieren 05.mkv")
    response = client.post("/api/v1/webhook/jellyfin", json=payloads.jellyfin_item_added(remote))
    assert response.status_code == 202
    rows = wait_until(lambda: _wanted(client, source="jellyfin"))
    assert {(r["media_path"], r["season"], r["episode"]) for r in rows} == {(str(local), 1, 5)}

    response = client.post("/api/v1/webhook/jellyfin", json=payloads.jellyfin_item_added())
    assert response.status_code == 200
    assert named(events, "webhook_received")[-1]["data"] == {
        "source": "jellyfin", "event_type": "ItemAdded", "title": "Sousou no Frieren",
        "media_path": None}


def test_jellyfin_numbers_rendered_as_text_are_accepted(client):
    body = {**payloads.jellyfin_item_added(), "SeasonNumber": "01", "EpisodeNumber": "",
            "NotificationType": "PlaybackStart"}
    assert client.post("/api/v1/webhook/jellyfin", json=body).status_code == 200


def test_webhook_auth_by_query_and_basic(client, api_key):
    body = payloads.SONARR_OTHER_EVENTS["Test"]
    raw = client.raw
    assert raw.post("/api/v1/webhook/sonarr", json=body).status_code == 401
    assert raw.post(f"/api/v1/webhook/sonarr?apikey={api_key}", json=body).status_code == 200
    token = base64.b64encode(f"sonarr:{api_key}".encode()).decode()
    assert raw.post("/api/v1/webhook/sonarr", json=body,
                    headers={"Authorization": f"Basic {token}"}).status_code == 200


def _post_raw(client, path: str, data: bytes | str,
              content_type: str = "application/json"):  # noqa: ANN202
    return client.post(path, data=data, headers={"Content-Type": content_type})


NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("body,statuses", [
    (b"not json at all", {400}),
    (b'{"eventType": "Download", "series": {"title": "x"', {400}),
    (b"{}", {422}),
    (b"[]", {422}),
    (b"null", {422}),
    (b'"Download"', {422}),
    (json.dumps({"eventType": 5, "NotificationType": 5}).encode(), {422}),
    (json.dumps({"eventType": "Download", "NotificationType": "ItemAdded",
                 "series": "nope", "movie": [], "episodes": {"a": 1}, "SeasonNumber": "x"}).encode(),
     {422}),
    (('{"eventType": "Test", "NotificationType": "Test", "x": ' + NESTED + "}").encode(), {400}),
    (json.dumps({"eventType": "Download", "NotificationType": "ItemAdded",
                 "episodes": [[[[1]]]], "movieFile": [[["x"]]], "Year": [[1]]}).encode(), {422}),
    (b"\xff\xfe\x00garbage", {400}),
])
def test_malformed_bodies_get_a_json_4xx(client, events, body, statuses):
    for source in ("sonarr", "radarr", "jellyfin"):
        response = _post_raw(client, f"/api/v1/webhook/{source}", body)
        assert response.status_code in statuses, (source, response.get_data(as_text=True)[:300])
        assert "error" in response.get_json()
    assert named(events, "webhook_received") == []
    assert client.get("/api/v1/health").status_code == 200


@pytest.mark.parametrize("source,body", [
    ("sonarr", {"eventType": "Grab", "series": {"title": "t" * 1_000_000}}),
    ("radarr", {"eventType": "Grab", "movie": {"title": "t" * 1_000_000}}),
    ("jellyfin", {"NotificationType": "ItemAdded", "Name": "t" * 1_000_000}),
    ("sonarr", {"eventType": "e" * 1_000_000}),
])
def test_a_million_character_title_is_refused(client, events, source, body):
    response = client.post(f"/api/v1/webhook/{source}", json=body)
    assert response.status_code == 422 and "error" in response.get_json()
    assert named(events, "webhook_received") == []


def test_wrong_content_type_and_oversized_bodies(client):
    assert _post_raw(client, "/api/v1/webhook/sonarr", "eventType=Test",
                     "application/x-www-form-urlencoded").status_code == 415
    huge = json.dumps({"eventType": "Test", "pad": "x" * (1024 * 1024 + 10)})
    response = _post_raw(client, "/api/v1/webhook/sonarr", huge)
    assert response.status_code == 413 and "error" in response.get_json()


def test_unknown_event_type_and_unknown_fields_are_accepted(client, events):
    body = {"eventType": "BrandNewThing", "instanceName": "Sonarr", "whatever": {"a": [1]},
            "series": {**payloads.SONARR_SERIES, "newField": True}}
    response = client.post("/api/v1/webhook/sonarr", json=body)
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert named(events, "webhook_received")[0]["data"]["event_type"] == "BrandNewThing"


def test_windows_remote_paths_are_mapped(client, media_root):
    _, local = _episode_file(media_root, "win.mkv")
    body = payloads.sonarr_download("D:\\TV\\Sousou no Frieren\\Season 1\\win.mkv")
    assert client.post("/api/v1/webhook/sonarr", json=body).status_code == 202
    rows = wait_until(lambda: _wanted(client))
    assert {r["media_path"] for r in rows} == {str(local)}


def test_openapi_documents_the_library_and_wanted_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/webhook/sonarr", "/api/v1/webhook/radarr", "/api/v1/webhook/jellyfin",
                 "/api/v1/library/status", "/api/v1/wanted", "/api/v1/wanted/scan",
                 "/api/v1/wanted/search"):
        assert any(p.startswith(path) for p in paths), path


def test_non_video_paths_get_no_rows(client, events):
    body = payloads.sonarr_download("/etc/passwd")
    response = client.post("/api/v1/webhook/sonarr", json=body)
    assert response.status_code == 200 and response.get_json()["files"] == 0
    jelly = client.post("/api/v1/webhook/jellyfin",
                        json=payloads.jellyfin_item_added("/tv/Show/cover.jpg"))
    assert jelly.status_code == 200
    assert len(named(events, "webhook_received")) == 2
    assert _wanted(client) == []
