"""Manual search and pick through the real API, against a SubDL fake offering three subtitles."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.library import payloads
from tests.picks.support import GOOD, MEDIA_NAME, OTHER, THIRD, MultiSubdl, srt
from tests.wanted.arrival_support import episode, library_settings, subdl_settings, wanted_rows


@pytest.fixture
def subdl() -> Iterator[MultiSubdl]:
    fake = MultiSubdl(offers=[GOOD, OTHER, THIRD]).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(media_root: Path, subdl: MultiSubdl) -> dict[str, Any]:
    # Search on arrival off: the row waits, so only the manual pick downloads.
    return {**library_settings(media_root), **subdl_settings(subdl),
            "wanted_search_on_arrival": False}


@pytest.fixture
def row(client, media_root) -> dict:
    remote, _local = episode(media_root, MEDIA_NAME)
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202
    from tests.wanted.arrival_support import wait_for
    [item] = wait_for(lambda: wanted_rows(client), "the wanted row")
    return item


def named(events: list[dict], name: str) -> list[dict]:
    return [e["data"] for e in events if e["event_name"] == name]


def test_candidates_list_every_offer_with_score_breakdown(client, row):
    response = client.get(f"/api/v1/wanted/{row['id']}/candidates")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    ids = [c["subtitle_id"] for c in body["candidates"]]
    assert ids[0] == GOOD.sub_id and set(ids) == {GOOD.sub_id, OTHER.sub_id, THIRD.sub_id}
    best = body["candidates"][0]
    points = {w["key"]: w["points"] for w in best["breakdown"]["weights"]}
    assert points["release_group"] == 14 and points["episode"] == 30
    assert best["breakdown"]["provider_modifier"] == 0
    assert sum(points.values()) + best["breakdown"]["provider_modifier"] == best["score"]
    assert body["candidates"][1]["score"] < best["score"]
    assert not any(c["blacklisted"] for c in body["candidates"])
    assert body["providers"] == ["subdl"]


def test_pick_downloads_exactly_the_chosen_candidate(client, row, events, subdl, media_root):
    response = client.post(f"/api/v1/wanted/{row['id']}/pick",
                           json={"provider": "subdl", "subtitle_id": OTHER.sub_id})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    saved = Path(body["subtitle_path"])
    assert saved.name == MEDIA_NAME.removesuffix(".mkv") + ".en.srt"
    assert saved.read_bytes().replace(b"\r\n", b"\n").strip() == srt(OTHER.text).strip()
    assert (subdl.downloads_of(OTHER.sub_id), subdl.downloads_of(GOOD.sub_id)) == (1, 0)
    assert body["wanted_item_id"] == row["id"]
    [item] = wanted_rows(client)
    assert (item["status"], item["subtitle_path"]) == ("found", str(saved))
    [downloaded] = named(events, "subtitle_downloaded")
    assert (downloaded["provider"], downloaded["subtitle_path"]) == ("subdl", str(saved))
    [processed] = named(events, "wanted_item_processed")
    assert (processed["item_id"], processed["status"]) == (row["id"], "found")
    [history] = client.get("/api/v1/history").get_json()["items"]
    assert (history["subtitle_id"], history["action"]) == (OTHER.sub_id, "downloaded")


def test_pick_from_history_replaces_the_saved_subtitle(client, row, subdl):
    first = client.post(f"/api/v1/wanted/{row['id']}/pick",
                        json={"provider": "subdl", "subtitle_id": THIRD.sub_id})
    assert first.status_code == 200
    [history] = client.get("/api/v1/history").get_json()["items"]

    listed = client.get(f"/api/v1/history/{history['id']}/candidates")
    assert listed.status_code == 200
    assert {c["subtitle_id"] for c in listed.get_json()["candidates"]} >= {GOOD.sub_id}
    again = client.post(f"/api/v1/history/{history['id']}/pick",
                        json={"provider": "subdl", "subtitle_id": GOOD.sub_id})

    assert again.status_code == 200, again.get_json()
    saved = Path(again.get_json()["subtitle_path"])
    assert saved.read_bytes().replace(b"\r\n", b"\n").strip() == srt(GOOD.text).strip()
    newest = client.get("/api/v1/history").get_json()["items"][0]
    assert (newest["subtitle_id"], newest["action"]) == (GOOD.sub_id, "upgraded")


def _unchanged(client, row: dict, media_root: Path) -> None:
    [item] = wanted_rows(client)
    assert (item["status"], item["subtitle_path"], item["attempts"]) == (
        row["status"], None, row["attempts"])
    assert not list(media_root.rglob("*.srt"))
    assert client.get("/api/v1/history").get_json()["total"] == 0


def test_a_vanished_candidate_is_a_404_and_the_row_stays(client, row, subdl, media_root):
    subdl.offers = [GOOD]  # OTHER was listed a moment ago; the provider dropped it
    response = client.post(f"/api/v1/wanted/{row['id']}/pick",
                           json={"provider": "subdl", "subtitle_id": OTHER.sub_id})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "candidate_gone"
    _unchanged(client, row, media_root)


def test_a_failing_download_is_a_502_and_the_row_stays(client, row, subdl, media_root):
    subdl.broken = {OTHER.sub_id}
    response = client.post(f"/api/v1/wanted/{row['id']}/pick",
                           json={"provider": "subdl", "subtitle_id": OTHER.sub_id})

    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "download_failed"
    _unchanged(client, row, media_root)


@pytest.mark.parametrize("body,status", [
    ({"provider": "nope", "subtitle_id": "1"}, 404),
    ({"provider": "subdl"}, 422),
    ({"provider": "subdl", "subtitle_id": "1", "extra": 1}, 422),
])
def test_bad_pick_bodies_are_clear_errors(client, row, media_root, body, status):
    response = client.post(f"/api/v1/wanted/{row['id']}/pick", json=body)

    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"]
    _unchanged(client, row, media_root)


def test_unknown_rows_are_404(client):
    assert client.get("/api/v1/wanted/999/candidates").status_code == 404
    assert client.post("/api/v1/history/999/pick",
                       json={"provider": "subdl", "subtitle_id": "1"}).status_code == 404
