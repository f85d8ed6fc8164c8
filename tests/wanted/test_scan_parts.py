"""The wanted scan goes a Sonarr series at a time: rows appear while it runs, progress
is reported, a failed series keeps rows, files not here are a warning (fake Sonarr over
HTTP, real files, the real app and its SQLite file)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests.library.fakes import FakeArr, fake_server, named, sonarr_library, wait_until
from tests.support.http import Recorded, Reply
from sublarr.wanted.scan_state import ThrottledProgress

KEY = "fa4e0000000000000000000000000000"
SHOWS = {"Aria": 3, "Bocchi": 2, "Chihayafuru": 2}  # series ids 1, 2, 3 (sorted titles)
GATE_SECONDS = 30.0


class GatedSonarr(FakeArr):
    """Sonarr whose episode files of series ``gate_series`` wait for ``release``, and
    whose series in ``failing`` answer 500."""

    def __init__(self, routes: dict) -> None:
        super().__init__("Sonarr", KEY, routes)
        self.gate_series: int | None = None
        self.reached = threading.Event()
        self.release = threading.Event()
        self.failing: set[int] = set()

    def responder(self, req: Recorded) -> Reply:
        if req.path == "/api/v3/episodefile":
            series = int(req.query.get("seriesId", ["0"])[0])
            if series in self.failing:
                return Reply(500, "<html>Internal Server Error</html>")
            if series == self.gate_series:
                self.reached.set()
                self.release.wait(GATE_SECONDS)
        return super().responder(req)


@pytest.fixture
def sonarr(media_root: Path):
    fake = GatedSonarr(sonarr_library("/data/tv", media_root / "tv", SHOWS))
    with fake_server(fake) as server:
        yield fake, server
    fake.release.set()


@pytest.fixture
def app_settings(sonarr, media_root: Path):
    return {"sonarr_url": sonarr[1].url, "sonarr_api_key": KEY, "wanted_languages": ["en"],
            "path_mappings": [{"remote": "/data/tv", "local": str(media_root / "tv")}],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_probe_embedded": False, "wanted_search_on_arrival": False}


def rows(client) -> list[dict]:
    return client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]


def scan(services):
    return services.components["wanted"].runner.scan_now()


def test_rows_appear_series_by_series_with_progress(app, client, services, events, api_key,
                                                    sonarr):
    fake, _server = sonarr
    fake.gate_series = 3
    sio = services.socketio.test_client(app, auth={"apikey": api_key})
    assert client.post("/api/v1/wanted/scan").status_code == 202
    assert fake.reached.wait(GATE_SECONDS), "the scan never asked for series 3"

    # Series 1 and 2 are done while series 3 is still being listed: their rows are there.
    visible = rows(client)
    assert sorted({r["title"] for r in visible}) == ["Aria", "Bocchi"]
    assert len(visible) == 5
    status = client.get("/api/v1/wanted/scan").get_json()
    assert status["running"] is True
    progress = status["progress"]
    assert (progress["series_done"], progress["series_total"]) == (2, 3)
    assert (progress["files_checked"], progress["files_probed"]) == (5, 0)
    assert progress["rows_added"] == 5 and progress["phase"] == "listing"
    assert isinstance(progress["eta_seconds"], float) and progress["eta_seconds"] >= 0
    streamed = [m["args"][0] for m in sio.get_received() if m["name"] == "wanted_scan_progress"]
    assert streamed and streamed[-1]["status"] == "running"
    assert streamed[-1]["series_total"] == 3 and streamed[-1]["series_done"] >= 1

    fake.release.set()
    wait_until(lambda: named(events, "wanted_scan_complete"), timeout=30, what="scan complete")
    assert len(rows(client)) == 7
    final = [m["args"][0] for m in sio.get_received() if m["name"] == "wanted_scan_progress"]
    assert final[-1]["status"] == "completed" and final[-1]["series_done"] == 3
    assert final[-1]["added"] == 7
    done = client.get("/api/v1/wanted/scan").get_json()
    assert done["running"] is False and done["progress"] is None
    assert done["last_scan"]["scanned"] == 7 and done["warnings"] == []
    sio.disconnect()


def _remove_episode(routes, media_root: Path, title: str, number: int) -> str:
    """Sonarr deleted one episode file of ``title`` (from disk and its API)."""
    sid = next(s["id"] for s in routes["/api/v3/series"](None) if s["title"] == title)
    files = routes["/api/v3/episodefile"]({"seriesId": [str(sid)]})
    gone = next(f for f in files if f["id"] == sid * 1000 + number)
    files.remove(gone)
    local = media_root / "tv" / title / "Season 1" / Path(gone["path"]).name
    local.unlink()
    return str(local)


def test_a_series_drops_rows_of_its_vanished_files_a_failed_one_keeps_them(
        client, services, sonarr, media_root):
    fake, _server = sonarr
    assert scan(services).added == 7
    gone = _remove_episode(fake.routes, media_root, "Aria", 1)
    bocchi = next(r for r in rows(client) if r["title"] == "Bocchi")
    subtitled = Path(bocchi["media_path"])
    subtitled.with_name(subtitled.stem + ".en.srt").write_text("1\n")
    kept = _remove_episode(fake.routes, media_root, "Chihayafuru", 1)  # it is read again…
    fake.failing = {3}  # …and its episode files cannot be listed

    report = scan(services)
    assert [e["kind"] for e in report.errors] == ["server_error"]
    left = {r["media_path"] for r in rows(client)}
    assert str(subtitled) not in left  # a listed series is reconciled at once
    assert gone not in left  # Aria listed completely: its vanished file's row went
    assert kept in left  # Chihayafuru did not: its rows stay
    assert sum(1 for r in rows(client) if r["title"] == "Chihayafuru") == 2
    assert (report.added, report.removed) == (0, 2)

    fake.failing = set()
    report = scan(services)
    assert not report.errors and (report.added, report.removed) == (0, 1)
    left = {r["media_path"] for r in rows(client)}
    assert kept not in left and len(left) == 4


def test_rows_of_a_series_sonarr_no_longer_lists_go_after_a_complete_listing(
        client, services, sonarr):
    fake, _server = sonarr
    assert scan(services).added == 7
    series = fake.routes["/api/v3/series"](None)
    dropped = next(s for s in series if s["title"] == "Bocchi")
    series.remove(dropped)
    fake.failing = {3}
    (fake.routes["/api/v3/episodefile"]({"seriesId": ["3"]})).pop()  # Chihayafuru changed

    report = scan(services)
    assert report.errors and report.removed == 0  # Sonarr did not list completely
    assert sum(1 for r in rows(client) if r["title"] == "Bocchi") == 2

    fake.failing = set()
    report = scan(services)
    assert not report.errors and report.removed == 3  # Bocchi's 2 rows, the changed episode
    assert {r["title"] for r in rows(client)} == {"Aria", "Chihayafuru"}


def test_files_sonarr_lists_but_are_not_here_are_a_warning(client, services, media_root):
    tv, away = media_root / "tv", media_root / "unmounted"
    shutil.move(str(tv), away)  # the share is not mounted (or path_mappings is wrong)

    report = scan(services)
    assert (report.scanned, report.added, report.removed) == (7, 0, 0)
    assert rows(client) == []  # nothing silently made wanted
    warning, = report.warnings
    assert warning["kind"] == "files_not_found" and warning["count"] == 7
    assert len(warning["examples"]) == 5
    assert all(p.startswith(str(tv) + "/") for p in warning["examples"])
    assert "path_mappings" in warning["hint"] and "mounted" in warning["hint"]
    assert client.get("/api/v1/wanted/scan").get_json()["warnings"] == [warning]
    assert client.get("/api/v1/library/status").get_json()["warnings"] == [warning]

    shutil.move(str(away), tv)
    report = scan(services)
    assert report.added == 7 and report.warnings == []
    assert client.get("/api/v1/library/status").get_json()["warnings"] == []
    before = {r["id"] for r in rows(client)}

    shutil.move(str(tv), away)  # unmounted again: the rows stay, a warning shows
    report = scan(services)
    assert (report.added, report.removed) == (0, 0)
    assert {r["id"] for r in rows(client)} == before
    assert client.get("/api/v1/library/status").get_json()["warnings"][0]["count"] == 7


def test_progress_held_back_in_a_window_is_sent_when_it_ends_and_none_after_the_last():
    sent: list[dict] = []
    progress = ThrottledProgress(sent.append, every=0.2)
    progress.update({"series_done": 1})
    progress.update({"series_done": 2})  # inside the window: held back, not lost
    assert sent == [{"series_done": 1}]
    wait_until(lambda: len(sent) == 2, timeout=10, what="the held-back update")
    assert sent[-1] == {"series_done": 2}
    progress.update({"series_done": 3})  # held back again…
    progress.close({"status": "completed"})  # …and superseded by the last message
    threading.Event().wait(0.4)
    assert sent[2:] == [{"status": "completed"}]
    progress.update({"series_done": 4})
    assert sent[-1] == {"status": "completed"}
