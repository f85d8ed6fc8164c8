"""The wanted scanner over real folders and fake Sonarr/Radarr instances."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.library.fakes import (
    FakeArr,
    fake_server,
    named,
    radarr_library,
    sonarr_library,
    wait_until,
)

KEY = "fa4e0000000000000000000000000000"


@pytest.fixture
def fake_sonarr(media_root: Path):
    fake = FakeArr("Sonarr", KEY, sonarr_library("/data/tv", media_root / "tv",
                                                 {"Frieren": 3, "Dan Da Dan [2024]": 2}))
    with fake_server(fake) as server:
        yield fake, server


@pytest.fixture
def fake_radarr(media_root: Path):
    fake = FakeArr("Radarr", KEY, radarr_library("/data/movies", media_root / "movies",
                                                 ["Perfect Days", "Kimi ü"]))
    with fake_server(fake) as server:
        yield fake, server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "loose files"
    path.mkdir()
    return path


@pytest.fixture
def app_settings(fake_sonarr, fake_radarr, media_root: Path, folder: Path):
    return {"sonarr_url": fake_sonarr[1].url, "sonarr_api_key": KEY,
            "radarr_url": fake_radarr[1].url, "radarr_api_key": KEY,
            "path_mappings": [{"remote": "/data/tv", "local": str(media_root / "tv")},
                              {"remote": "/data/movies", "local": str(media_root / "movies")}],
            "standalone_folders": [str(folder)],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False, "wanted_scan_retry_seconds": 1,
            "wanted_probe_embedded": False,
            "wanted_search_on_arrival": False}


@pytest.fixture(autouse=True)
def languages(client) -> None:
    # Stored (not an override) so a test can change it through PUT /config.
    assert client.put("/api/v1/config", json={"wanted_languages": ["en", "ja"]}).status_code == 200


def _scan(client, events) -> dict:
    before = len(named(events, "wanted_scan_complete"))
    response = client.post("/api/v1/wanted/scan")
    assert response.status_code == 202
    done = wait_until(lambda: len(named(events, "wanted_scan_complete")) > before, timeout=60,
                      what="wanted_scan_complete")
    return done[-1]["data"] if isinstance(done, list) else named(
        events, "wanted_scan_complete")[-1]["data"]


def _last_scan(events) -> dict:
    return named(events, "wanted_scan_complete")[-1]["data"]


def _all_rows(client) -> list[dict]:
    return client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]


def test_scan_adds_rows_for_every_source_then_removes_covered_ones(client, events, media_root,
                                                                   folder):
    (folder / "Loose Show - 01.mkv").write_bytes(b"")
    (folder / "Loose Show - 01.ja.ass").write_text("[Script Info]\n")
    _scan(client, events)
    first = _last_scan(events)
    # 5 episodes + 2 movies + 1 loose file; 2 languages each, the loose file has Japanese.
    assert (first["scanned"], first["added"], first["removed"]) == (8, 15, 0)
    rows = _all_rows(client)
    assert {r["source"] for r in rows} == {"sonarr", "radarr", "standalone"}
    frieren = sorted((r["episode"], r["language"]) for r in rows if r["title"] == "Frieren")
    assert frieren[:2] == [(1, "en"), (1, "ja")]

    episode = next(Path(r["media_path"]) for r in rows if r["title"] == "Frieren")
    (episode.parent / (episode.stem + ".en.srt")).write_text("1\n")
    (folder / "Loose Show - 01.mkv").unlink()
    _scan(client, events)
    assert (_last_scan(events)["added"], _last_scan(events)["removed"]) == (0, 2)

    client.put("/api/v1/config", json={"wanted_languages": ["en"]})
    _scan(client, events)
    assert _last_scan(events)["removed"] == 7
    assert {r["language"] for r in _all_rows(client)} == {"en"}


def test_sonarr_outage_keeps_rows_and_is_visible(client, events, fake_sonarr, caplog):
    _scan(client, events)
    before = {r["id"] for r in _all_rows(client)}
    assert len(before) == 14
    fake, server = fake_sonarr
    fake.fail_status = 500
    requests_before = len(server.requests)

    # While Sonarr is down, a subtitle appears for one of its episodes: only that row goes.
    subtitled = next(r for r in _all_rows(client) if r["source"] == "sonarr" and r["language"] == "en")
    media = Path(subtitled["media_path"])
    (media.parent / f"{media.stem}.en.srt").write_text("1\n")

    scans_before = len(named(events, "wanted_scan_complete"))
    with caplog.at_level(logging.WARNING, logger="sublarr.library"):
        _scan(client, events)

    assert {r["id"] for r in _all_rows(client)} == before - {subtitled["id"]}  # nothing else
    # Automatic retries may have run too; together they removed exactly that row.
    assert sum(e["data"]["removed"]
               for e in named(events, "wanted_scan_complete")[scans_before:]) == 1
    status = client.get("/api/v1/wanted/scan").get_json()
    assert [e["kind"] for e in status["last_scan"]["errors"]] == ["server_error"]
    library = client.get("/api/v1/library/status").get_json()["sources"]
    assert library["sonarr"]["ok"] is False and library["radarr"]["ok"] is True
    assert library["sonarr"]["error"]["status_code"] == 500
    assert any("sonarr unavailable" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text

    fake.fail_status = None  # the scheduler retries on its own (retry after 1 s)
    wait_until(lambda: client.get("/api/v1/library/status").get_json()["sources"]["sonarr"]["ok"],
               timeout=30, what="automatic retry")
    assert len(server.requests) > requests_before


def test_wrong_api_key_is_reported_not_destructive(client, events, fake_radarr, services):
    _scan(client, events)
    fake_radarr[0].api_key = "changed"
    _scan(client, events)
    assert len(_all_rows(client)) == 14
    errors = client.get("/api/v1/wanted/scan").get_json()["last_scan"]["errors"]
    assert errors == [{"source": "radarr", "kind": "unauthorized",
                       "message": "API key refused (HTTP 401)", "status_code": 401}]


def test_scan_request_while_running_is_not_doubled(client, events):
    first = client.post("/api/v1/wanted/scan")
    second = client.post("/api/v1/wanted/scan")
    assert first.status_code == second.status_code == 202
    statuses = {first.get_json()["status"], second.get_json()["status"]}
    assert "started" in statuses
    wait_until(lambda: named(events, "wanted_scan_complete"))


def test_list_filters_and_paging(client, events):
    _scan(client, events)
    page = client.get("/api/v1/wanted", query_string={"limit": 5, "offset": 10}).get_json()
    assert page["total"] == 14 and len(page["items"]) == 4 and page["offset"] == 10
    movies = client.get("/api/v1/wanted", query_string={"media_type": "movie"}).get_json()
    assert movies["total"] == 4
    en = client.get("/api/v1/wanted", query_string={"language": "en", "source": "sonarr"})
    assert en.get_json()["total"] == 5
    dan = client.get("/api/v1/wanted", query_string={"search": "dan da dan [2024]"}).get_json()
    assert dan["total"] == 4
    none = client.get("/api/v1/wanted", query_string={"search": "%_"}).get_json()
    assert none["total"] == 0
    unicode = client.get("/api/v1/wanted", query_string={"search": "Kimi ü"}).get_json()
    assert unicode["total"] == 2
    wanted = client.get("/api/v1/wanted", query_string={"status": "wanted"}).get_json()
    assert wanted["total"] == 14
    one = client.get(f"/api/v1/wanted/{page['items'][0]['id']}")
    assert one.status_code == 200 and one.get_json()["id"] == page["items"][0]["id"]


@pytest.mark.parametrize("query", [
    {"limit": 0}, {"limit": 501}, {"limit": "x"}, {"offset": -1}, {"status": "bogus"},
    {"media_type": "show"}, {"unknown": "1"}, {"search": "x" * 501},
])
def test_bad_list_queries_are_422(client, query):
    response = client.get("/api/v1/wanted", query_string=query)
    assert response.status_code == 422 and "error" in response.get_json()


def test_missing_row_is_404(client):
    assert client.get("/api/v1/wanted/999999").status_code == 404
