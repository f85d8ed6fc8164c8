"""Blacklisting a downloaded subtitle through the real API (search on arrival on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.app import create_app
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.library import payloads
from tests.picks.support import GOOD, MEDIA_NAME, OTHER, MultiSubdl, srt
from tests.wanted.arrival_support import (
    episode,
    library_settings,
    subdl_settings,
    wait_for,
    wanted_rows,
)


@pytest.fixture
def subdl() -> Iterator[MultiSubdl]:
    fake = MultiSubdl(offers=[GOOD, OTHER]).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(media_root: Path, subdl: MultiSubdl) -> dict[str, Any]:
    return {**library_settings(media_root), **subdl_settings(subdl)}


def _text(path: Path) -> bytes:
    return path.read_bytes().replace(b"\r\n", b"\n").strip()


def _history(client: Any, subtitle_id: str) -> dict:
    rows = client.get("/api/v1/history").get_json()["items"]
    return next(r for r in rows if r["subtitle_id"] == subtitle_id)


@pytest.fixture
def saved(client, media_root) -> Path:
    """The episode arrived and the best subtitle (GOOD) was saved on its own."""
    remote, local = episode(media_root, MEDIA_NAME)
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202
    path = local.with_name(local.stem + ".en.srt")
    wait_for(lambda: path.exists() and _text(path) == srt(GOOD.text).strip(), "GOOD saved")
    wait_for(lambda: wanted_rows(client)[0]["status"] == "found", "the row found")
    return path


def test_blacklisted_subtitle_is_replaced_and_never_fetched_again_across_a_restart(
        app, client, data_dir, app_settings, subdl, saved):
    good = _history(client, GOOD.sub_id)
    response = client.post(f"/api/v1/history/{good['id']}/blacklist")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["file"], body["file_removed"], body["created"]) == ("removed", True, True)
    assert (body["entry"]["provider"], body["entry"]["subtitle_id"]) == ("subdl", GOOD.sub_id)
    # Searched again at once through the queue: the next best subtitle arrives.
    wait_for(lambda: saved.exists() and _text(saved) == srt(OTHER.text).strip(), "OTHER saved")
    assert subdl.downloads_of(GOOD.sub_id) == 1
    # The manual pick refuses it too, and the candidates list marks it.
    [row] = wanted_rows(client)
    refused = client.post(f"/api/v1/history/{good['id']}/pick",
                          json={"provider": "subdl", "subtitle_id": GOOD.sub_id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "blacklisted"
    listed = client.get(f"/api/v1/wanted/{row['id']}/candidates").get_json()["candidates"]
    assert {c["subtitle_id"]: c["blacklisted"] for c in listed} == {
        GOOD.sub_id: True, OTHER.sub_id: False}

    services_of(app).shutdown()  # restart: a new app on the same data dir
    second = create_app({"data_dir": data_dir, "library_roots": [str(data_dir.parent)],
                         **app_settings}, environ=TEST_ENV, testing=True)
    try:
        again = ApiClient(second, services_of(second).api_key)
        [entry] = again.get("/api/v1/blacklist").get_json()["items"]
        assert entry["subtitle_id"] == GOOD.sub_id
        other = _history(again, OTHER.sub_id)
        assert again.post(f"/api/v1/history/{other['id']}/blacklist").status_code == 201
        # Both are banned now: the search finds nothing it may download.
        wait_for(lambda: wanted_rows(again)[0]["status"] == "not_found", "nothing left")
        assert not saved.exists()
        assert (subdl.downloads_of(GOOD.sub_id), subdl.downloads_of(OTHER.sub_id)) == (1, 1)
        assert again.get("/api/v1/blacklist").get_json()["total"] == 2
    finally:
        services_of(second).shutdown()


def test_a_file_replaced_by_hand_is_kept_but_the_subtitle_is_still_blacklisted(
        client, subdl, saved):
    saved.write_bytes(srt("My own careful translation.").replace(b"\n", b"\r\n"))
    good = _history(client, GOOD.sub_id)

    response = client.post(f"/api/v1/history/{good['id']}/blacklist")

    assert response.status_code == 201
    body = response.get_json()
    assert (body["file"], body["file_removed"], body["wanted_item_id"]) == (
        "kept_replaced", False, None)
    assert b"My own careful translation." in saved.read_bytes()
    assert client.get("/api/v1/blacklist").get_json()["total"] == 1
    # Blacklisting again is harmless (200, same entry).
    twice = client.post(f"/api/v1/history/{good['id']}/blacklist")
    assert twice.status_code == 200 and twice.get_json()["created"] is False


def test_removing_an_entry_allows_the_subtitle_again(client, subdl, saved):
    good = _history(client, GOOD.sub_id)
    entry = client.post(f"/api/v1/history/{good['id']}/blacklist").get_json()["entry"]
    wait_for(lambda: saved.exists() and _text(saved) == srt(OTHER.text).strip(), "OTHER saved")
    [row] = wanted_rows(client)

    assert client.delete(f"/api/v1/blacklist/{entry['id']}").status_code == 204
    assert client.delete(f"/api/v1/blacklist/{entry['id']}").status_code == 404
    assert client.get("/api/v1/blacklist").get_json()["total"] == 0
    picked = client.post(f"/api/v1/wanted/{row['id']}/pick",
                         json={"provider": "subdl", "subtitle_id": GOOD.sub_id})
    assert picked.status_code == 200, picked.get_json()
    assert _text(saved) == srt(GOOD.text).strip()


def test_blacklisting_an_unknown_history_row_is_404(client):
    response = client.post("/api/v1/history/12345/blacklist")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
