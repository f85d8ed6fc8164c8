"""A re-scan asks Sonarr only for the series whose files changed (fake Sonarr over HTTP,
real files, the real app and its SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.library import payloads
from tests.library.fakes import FakeArr, fake_server, sonarr_library

KEY = "fa4e0000000000000000000000000000"
SHOWS = {"Frieren": 3, "Mushishi": 2, "Dandadan": 2}


@pytest.fixture
def fake_sonarr(media_root: Path):
    routes = sonarr_library("/data/tv", media_root / "tv", SHOWS)
    with fake_server(FakeArr("Sonarr", KEY, routes)) as server:
        yield routes, server


@pytest.fixture
def app_settings(fake_sonarr, media_root: Path):
    return {"sonarr_url": fake_sonarr[1].url, "sonarr_api_key": KEY,
            "path_mappings": [{"remote": "/data/tv", "local": str(media_root / "tv")}],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_probe_embedded": False, "wanted_search_on_arrival": False}


def series_id(routes, title: str) -> int:
    return next(s["id"] for s in routes["/api/v3/series"](None) if s["title"] == title)


def file_requests(server, since: int) -> list[tuple[str, str]]:
    """(path, seriesId) of the per-series requests made since request number ``since``."""
    return [(r.path, r.query.get("seriesId", [""])[0]) for r in server.requests[since:]
            if r.path in ("/api/v3/episodefile", "/api/v3/episode")]


def scan(services) -> dict:
    report = services.components["wanted"].runner.scan_now()
    assert not report.errors
    return {"added": report.added, "removed": report.removed, **report.series}


def paths(client) -> set[str]:
    items = client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]
    return {item["media_path"] for item in items}


def add_episode(routes, media_root: Path, title: str, number: int) -> Path:
    """Sonarr imported one more episode of ``title``: on disk and in its API."""
    sid = series_id(routes, title)
    name = f"{title} - S01E{number:02d} - New [WEBDL-1080p].mkv"
    local = media_root / "tv" / title / "Season 1" / name
    local.write_bytes(b"")
    file_id = sid * 1000 + number
    routes["/api/v3/episodefile"]({"seriesId": [str(sid)]}).append(
        payloads.sonarr_api_episode_file(file_id, sid, 1, f"/data/tv/{title}/Season 1/{name}"))
    routes["/api/v3/episode"]({"seriesId": [str(sid)]}).append(
        payloads.sonarr_api_episode(file_id, sid, 1, number, file_id))
    return local


def test_second_scan_of_an_unchanged_library_asks_for_no_episode_files(
        client, services, fake_sonarr):
    routes, server = fake_sonarr
    first = scan(services)
    assert (first["added"], first["series_read"], first["series_reused"]) == (7, 3, 0)
    assert len(file_requests(server, 0)) == 6  # files and episodes of 3 series
    before, rows = len(server.requests), paths(client)

    again = scan(services)
    assert file_requests(server, before) == []
    assert (again["added"], again["removed"], again["series_reused"]) == (0, 0, 3)
    assert paths(client) == rows
    status = client.get("/api/v1/wanted/scan").get_json()["last_scan"]
    assert status["series"] == {"series_read": 0, "series_reused": 3}


def test_a_series_whose_file_count_changed_is_read_again(client, services, fake_sonarr,
                                                         media_root):
    routes, server = fake_sonarr
    scan(services)
    new = add_episode(routes, media_root, "Mushishi", 3)
    before = len(server.requests)

    report = scan(services)
    mushishi = str(series_id(routes, "Mushishi"))
    assert file_requests(server, before) == [("/api/v3/episodefile", mushishi),
                                             ("/api/v3/episode", mushishi)]
    assert (report["added"], report["series_read"], report["series_reused"]) == (1, 1, 2)
    assert str(new) in paths(client)


def test_kept_series_still_see_subtitles_and_vanished_files(client, services, fake_sonarr,
                                                            media_root):
    routes, server = fake_sonarr
    scan(services)
    season = media_root / "tv" / "Frieren" / "Season 1"
    episode = sorted(season.glob("*.mkv"))[0]
    episode.with_suffix(".en.srt").write_text("1\n")  # the user added a subtitle
    before = len(server.requests)
    report = scan(services)
    assert file_requests(server, before) == [] and report["removed"] == 1
    assert str(episode) not in paths(client)

    # A file renamed behind Sonarr's statistics (same count, same size): the kept
    # listing no longer matches the folder, so that series is asked again.
    renamed = sorted(season.glob("*.mkv"))[1]
    renamed.rename(renamed.with_name("moved.mkv"))
    before = len(server.requests)
    report = scan(services)
    frieren = str(series_id(routes, "Frieren"))
    assert {sid for _path, sid in file_requests(server, before)} == {frieren}
    assert report["series_read"] == 1


def test_a_series_removed_from_sonarr_is_forgotten(client, services, fake_sonarr):
    routes, _server = fake_sonarr
    scan(services)
    listed = routes["/api/v3/series"](None)
    gone = listed.pop()  # Sonarr no longer has this series
    report = scan(services)
    assert report["removed"] == 2 and report["series_reused"] == 2
    listed.append(gone)  # back again: read anew, not taken from a stale copy
    report = scan(services)
    assert (report["series_read"], report["added"]) == (1, 2)
