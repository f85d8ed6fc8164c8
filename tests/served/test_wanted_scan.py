"""The real served process scans a Sonarr library a series at a time: rows of finished
series are listed and progress is reported (HTTP and Socket.IO) while a later series is
still being listed; files Sonarr lists that are not here become a library warning."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import socketio

from tests.library.fakes import sonarr_library, wait_until
from tests.served.conftest import Api, start
from tests.support.http import TestServer
from tests.wanted.test_scan_parts import GatedSonarr

pytestmark = pytest.mark.slow

SHOWS = {"Aria": 4, "Bocchi": 3, "Chihayafuru": 2, "Dorohedoro": 2}  # ids 1–4


def test_served_scan_shows_rows_and_progress_while_it_runs(served_data: Path, servers,
                                                           media_root: Path):
    routes = sonarr_library("/data/tv", media_root / "tv", SHOWS)
    (media_root / "tv" / "Dorohedoro").rename(media_root / "tv" / "Dorohedoro (unmounted)")
    fake = GatedSonarr(routes)
    fake.gate_series = 3
    with TestServer(fake.responder) as sonarr:
        server = start(served_data, {
            "SUBLARR_SONARR_URL": sonarr.url, "SUBLARR_SONARR_API_KEY": fake.api_key,
            "SUBLARR_PATH_MAPPINGS": json.dumps([{"remote": "/data/tv",
                                                  "local": str(media_root / "tv")}]),
            "SUBLARR_LIBRARY_ROOTS": json.dumps([str(media_root)]),
            "SUBLARR_WANTED_LANGUAGES": '["en"]', "SUBLARR_WANTED_SCAN_ON_START": "false",
            "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
            "SUBLARR_WANTED_PROBE_EMBEDDED": "false",
            "SUBLARR_WANTED_SEARCH_ON_ARRIVAL": "false"})
        servers.append(server)
        api = Api(server)
        streamed: list[dict] = []
        got_progress = threading.Event()

        sio = socketio.Client(reconnection=False)

        @sio.on("wanted_scan_progress")
        def on_progress(data: dict) -> None:
            streamed.append(data)
            got_progress.set()

        sio.connect(server.url, auth={"apikey": server.api_key}, transports=["websocket"],
                    wait_timeout=10)
        try:
            assert api.post("/wanted/scan").status_code == 202
            assert fake.reached.wait(30), "the served scan never asked for series 3"
            items = api.get("/wanted", params={"limit": 50}).json()["items"]
            assert sorted({i["title"] for i in items}) == ["Aria", "Bocchi"]
            assert len(items) == 7
            status = api.get("/wanted/scan").json()
            assert status["running"] is True
            progress = status["progress"]
            assert (progress["series_done"], progress["series_total"]) == (2, 4)
            assert progress["files_checked"] == 7 and progress["rows_added"] == 7
            assert progress["eta_seconds"] is not None
            assert got_progress.wait(10), "no wanted_scan_progress over Socket.IO"
            assert streamed[0]["status"] == "running" and streamed[0]["series_total"] == 4

            fake.release.set()
            done = wait_until(lambda: (lambda s: s if not s["running"] and s["last_scan"]
                                       else None)(api.get("/wanted/scan").json()),
                              timeout=60, what="the scan to finish")
            assert (done["last_scan"]["scanned"], done["last_scan"]["added"]) == (11, 9)
            warning, = done["warnings"]
            assert warning["count"] == 2 and "path_mappings" in warning["hint"]
            assert all("/Dorohedoro/" in p for p in warning["examples"])
            library = api.get("/library/status").json()
            assert library["warnings"] == [warning] and library["sources"]["sonarr"]["ok"]
            wait_until(lambda: streamed and streamed[-1]["status"] == "completed",
                       timeout=10, what="the final progress message")
            assert api.get("/wanted", params={"limit": 50}).json()["total"] == 9
        finally:
            fake.release.set()
            sio.disconnect()
