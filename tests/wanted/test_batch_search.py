"""Batch search over the wanted list through the SubtitleSearcher seam (test double)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sublarr.wanted.search import SEARCHER_COMPONENT, SearchRequest, SearchResult
from tests.library.fakes import named, wait_until


class ScriptedSearcher:
    """Test double of the providers layer: answers by file name, records requests."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.requests: list[SearchRequest] = []
        self.gate = gate

    def search_and_save(self, request: SearchRequest) -> SearchResult:
        if self.gate is not None:
            self.gate.wait(30)
        self.requests.append(request)
        name = Path(request.media_path).name
        if "found" in name:
            target = request.media_path.rsplit(".", 1)[0] + f".{request.language}.srt"
            Path(target).write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
            return SearchResult("found", subtitle_path=target, provider="fake", score=300)
        if "boom" in name:
            raise RuntimeError("provider exploded")
        if "broken" in name:
            return "not a result"  # type: ignore[return-value]
        return SearchResult("not_found")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib [x] ü"
    root.mkdir()
    for name in ("Show S01E01 found.mkv", "Show S01E02 missing.mkv", "Show S01E03 boom.mkv",
                 "Film broken (2020).mkv"):
        (root / name).write_bytes(b"")
    return root


@pytest.fixture
def app_settings(library: Path):
    return {"standalone_folders": [str(library)], "wanted_languages": ["en"],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False}  # the manual batch is under test here


@pytest.fixture
def scanned(client, services, events) -> list[dict]:
    services.components["wanted"].runner.scan_now()
    return client.get("/api/v1/wanted").get_json()["items"]


@pytest.fixture
def socket_client(app, services, api_key):
    sio = services.socketio.test_client(app, auth={"apikey": api_key})
    assert sio.is_connected()
    yield sio
    sio.disconnect()


def test_batch_search_streams_progress_and_emits_events(client, services, events, scanned,
                                                        socket_client):
    searcher = ScriptedSearcher()
    services.components[SEARCHER_COMPONENT] = searcher

    response = client.post("/api/v1/wanted/search", json={})

    assert response.status_code == 202
    assert response.get_json()["total"] == 4
    complete = wait_until(lambda: named(events, "batch_complete"), what="batch_complete")
    assert complete[0]["data"]["batch_type"] == "wanted_search"
    assert (complete[0]["data"]["total"], complete[0]["data"]["succeeded"],
            complete[0]["data"]["failed"]) == (4, 1, 2)
    processed = {e["data"]["item_id"]: e["data"] for e in named(events, "wanted_item_processed")}
    assert len(processed) == 4
    statuses = sorted(e["data"]["status"] for e in named(events, "wanted_item_processed"))
    assert statuses == ["failed", "failed", "found", "not_found"]
    found = next(e["data"] for e in named(events, "wanted_item_processed")
                 if e["data"]["status"] == "found")
    assert found["subtitle_path"].endswith(".en.srt") and Path(found["subtitle_path"]).exists()

    request = next(r for r in searcher.requests if "E02" in r.media_path)
    assert (request.media_type, request.title, request.season, request.episode,
            request.language) == ("episode", "Show", 1, 2, "en")
    assert request.release_name == "Show S01E02 missing.mkv" and request.item_id is not None

    received = socket_client.get_received()
    names = [m["name"] for m in received]
    assert names.count("wanted_batch_progress") == 4
    assert "wanted_search_progress" in names
    last = [m for m in received if m["name"] == "wanted_batch_progress"][-1]["args"][0]
    assert (last["current"], last["total"], last["found"]) == (4, 4, 1)

    rows = {r["id"]: r for r in client.get("/api/v1/wanted").get_json()["items"]}
    assert sorted(r["status"] for r in rows.values()) == ["failed", "failed", "found", "not_found"]
    boom = next(r for r in rows.values() if "boom" in r["media_path"])
    assert "provider exploded" in boom["last_error"] and boom["search_count"] == 1

    # The next scan sees the saved subtitle and drops the found row.
    report = services.components["wanted"].runner.scan_now()
    assert (report.removed, len(client.get("/api/v1/wanted").get_json()["items"])) == (1, 3)


def test_search_given_ids_only(client, services, events, scanned):
    services.components[SEARCHER_COMPONENT] = searcher = ScriptedSearcher()
    wanted_id = next(r["id"] for r in scanned if "missing" in r["media_path"])
    response = client.post("/api/v1/wanted/search", json={"ids": [wanted_id, 987654]})
    assert response.status_code == 202 and response.get_json()["total"] == 1
    wait_until(lambda: named(events, "batch_complete"))
    assert [r.item_id for r in searcher.requests] == [wanted_id]


def test_no_searcher_is_409_with_a_clear_message(client, services, scanned):
    services.components.pop(SEARCHER_COMPONENT, None)
    response = client.post("/api/v1/wanted/search", json={})
    assert response.status_code == 409
    assert "searcher" in response.get_json()["error"]["message"]


def test_second_batch_while_one_runs_is_409(client, services, events, scanned):
    gate = threading.Event()
    services.components[SEARCHER_COMPONENT] = ScriptedSearcher(gate)
    assert client.post("/api/v1/wanted/search", json={}).status_code == 202
    busy = client.post("/api/v1/wanted/search", json={})
    gate.set()
    assert busy.status_code == 409
    assert busy.get_json()["error"]["code"] == "batch_running"
    wait_until(lambda: named(events, "batch_complete"))


@pytest.mark.parametrize("body", [{"ids": "all"}, {"ids": [1, "x"]}, {"ids": [[1]]},
                                  {"other": 1}, {"ids": [1.5]}])
def test_bad_search_bodies_are_422(client, services, body):
    services.components[SEARCHER_COMPONENT] = ScriptedSearcher()
    response = client.post("/api/v1/wanted/search", json=body)
    assert response.status_code == 422 and "error" in response.get_json()


def test_item_removed_mid_batch_is_skipped(client, services, events, scanned):
    gate = threading.Event()
    services.components[SEARCHER_COMPONENT] = ScriptedSearcher(gate)
    ids = sorted(r["id"] for r in scanned)
    assert client.post("/api/v1/wanted/search", json={"ids": ids}).status_code == 202
    services.components["wanted"].forget_paths([r["media_path"] for r in scanned
                                                if r["id"] == ids[-1]])
    gate.set()
    wait_until(lambda: named(events, "batch_complete"))
    skipped = [e["data"] for e in named(events, "wanted_item_processed")
               if e["data"]["status"] == "skipped"]
    assert [s["item_id"] for s in skipped] == [ids[-1]]
