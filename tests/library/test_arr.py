"""Sonarr/Radarr clients against fake instances speaking their real v3 API shapes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from sublarr.library.arr import ArrConnection, ArrError, RadarrClient, SonarrClient
from tests.library.fakes import FakeArr, radarr_library, sonarr_library, fake_server
from tests.support.http import Reply, TestServer

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def session():
    with requests.Session() as s:
        yield s


def test_sonarr_lists_episode_files_with_mapped_paths(session, media_root: Path):
    fake = FakeArr("Sonarr", KEY, sonarr_library("/tv", media_root, {"Frieren": 2, "Dan Da Dan": 1},
                                                 subtitles="eng/spa"))
    with fake_server(fake) as server:
        client = SonarrClient(ArrConnection("sonarr", server.url + "/", KEY), session)
        files = client.media_files([("/tv", str(media_root))])
        assert client.system_status()["version"].startswith("4.")
    assert sorted((f.title, f.season, f.episode) for f in files) == [
        ("Dan Da Dan", 1, 1), ("Frieren", 1, 1), ("Frieren", 1, 2)]
    assert all(Path(f.path).is_file() and f.source == "sonarr" for f in files)
    assert files[0].embedded_languages == {"en", "es"}
    assert {r.headers.get("X-Api-Key") for r in server.requests} == {KEY}


def test_radarr_lists_movies_that_have_a_file(session, media_root: Path):
    fake = FakeArr("Radarr", KEY, radarr_library("/movies", media_root, ["Perfect Days", "Kimi"]))
    with fake_server(fake) as server:
        files = RadarrClient(ArrConnection("radarr", server.url, KEY), session).media_files(
            [("/movies", str(media_root))])
    assert sorted(f.title for f in files) == ["Kimi", "Perfect Days"]
    assert all(Path(f.path).is_file() and f.media_type == "movie" for f in files)
    assert files[0].embedded_languages == frozenset()  # mediaInfo says: no subtitle tracks


@pytest.mark.parametrize("reply,kind", [
    (Reply(401, {"message": "Unauthorized"}), "unauthorized"),
    (Reply(500, "<html>boom</html>"), "server_error"),
    (Reply(503, ""), "server_error"),
    (Reply(200, "<html>a login page</html>"), "bad_response"),
    (Reply(404, {"message": "NotFound"}), "bad_response"),
])
def test_errors_are_typed(session, reply, kind):
    with TestServer(lambda _req: reply) as server:
        with pytest.raises(ArrError) as caught:
            SonarrClient(ArrConnection("sonarr", server.url, KEY), session).media_files([])
    assert caught.value.kind == kind and caught.value.source == "sonarr"


def test_unreachable_instance(session):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = RadarrClient(ArrConnection("radarr", f"http://127.0.0.1:{port}", KEY, timeout=2),
                          session)
    with pytest.raises(ArrError) as caught:
        client.media_files([])
    assert caught.value.kind == "unreachable"


def test_garbage_items_are_skipped(session):
    routes = {"/api/v3/series": lambda _q: [None, 3, {"title": "no id"},
                                            {"id": 1, "title": "ok", "path": "/tv/ok"}],
              "/api/v3/episodefile": lambda _q: [{"id": 1, "path": None}, {"id": 2},
                                                 {"id": 3, "path": "/tv/ok/a.mkv",
                                                  "mediaInfo": "weird"}],
              "/api/v3/episode": lambda _q: {"not": "a list"}}
    with fake_server(FakeArr("Sonarr", KEY, routes)) as server:
        files = SonarrClient(ArrConnection("sonarr", server.url, KEY), session).media_files([])
    assert [(f.path, f.episode, f.embedded_languages) for f in files] == [
        ("/tv/ok/a.mkv", None, None)]


@pytest.fixture
def fake_sonarr():
    fake = FakeArr("Sonarr", KEY, {"/api/v3/system/status": lambda _q: {
        "appName": "Sonarr", "version": "4.0.5.1710"}})
    with fake_server(fake) as server:
        yield fake, server


@pytest.fixture
def app_settings(fake_sonarr):
    return {"sonarr_url": fake_sonarr[1].url, "sonarr_api_key": KEY,
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False}


def test_connection_test_endpoint(client, fake_sonarr, caplog):
    ok = client.post("/api/v1/library/sonarr/test")
    assert ok.status_code == 200 and ok.get_json()["version"] == "4.0.5.1710"

    fake_sonarr[0].api_key = "rotated"
    refused = client.post("/api/v1/library/sonarr/test")
    assert refused.status_code == 502
    assert refused.get_json()["error"]["code"] == "sonarr_unauthorized"

    missing = client.post("/api/v1/library/radarr/test")
    assert missing.status_code == 409
    assert client.get("/api/v1/config").get_json()["settings"]["sonarr_api_key"] == "***configured***"
