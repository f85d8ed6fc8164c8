"""The wanted pipeline: scanner throughput, and subtitles arriving on their own.

1. Scanner throughput (files/s) against a bare ``os.scandir`` walk of the
   same tree: a temporary library of empty media files (half with an English
   subtitle next to them); the bare walk (baseline), a first scan (inserting
   every wanted row into SQLite) and a steady-state rescan.
2. Search on arrival, through the real HTTP API of ``sublarr serve`` (its own
   process, as in production) and a fake SubDL on 127.0.0.1 whose search answers after
   300 ms (the subtitle download itself is a CDN file, served at once): time
   from a Sonarr Download webhook to the subtitle on disk (p50/p95 over 50
   imports, one at a time), then a burst of 1,000 imports: wall time until all
   are on disk against the provider-latency floor (1,000 × 300 ms ÷
   ``wanted_search_workers``), with ``GET /wanted`` latency sampled meanwhile.

The 100,000-episode Sonarr library (served scan, re-scan, tree memory, paging
latency) is in ``bench/library.py``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


import sublarr.app  # noqa: F401 - import the package in its wiring order (config ↔ events cycle)
from bench.common import percentile, print_table
from bench.served import ServedSublarr
from sublarr.config import build_settings
from sublarr.db.engine import Database, database_url_for
from sublarr.library.sources import LibraryHealth, LibrarySources, new_http_session
from sublarr.wanted.scanner import WantedScanner
from sublarr.wanted.subtitles import EmbeddedProbe

SHOWS = 100
EPISODES = 50  # 5,000 media files
ROUNDS = 3


def build_tree(root: Path) -> int:
    for show in range(SHOWS):
        season = root / f"[Grp] Show {show:03d}" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            stem = f"[Grp] Show {show:03d} - S01E{episode:02d} [1080p]"
            (season / f"{stem}.mkv").touch()
            if episode % 2 == 0:
                (season / f"{stem}.en.srt").touch()
        (season / "folder.jpg").touch()
    return SHOWS * EPISODES


def bare_walk(root: str) -> int:
    """Count every file with os.scandir, nothing else (the floor any scan pays)."""
    count, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    count += 1
    return count


def best_of(func, rounds: int = ROUNDS) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def scanner_benchmark() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-wanted-") as tmp:
        root = Path(tmp) / "library"
        media = build_tree(root)
        db = Database(database_url_for(Path(tmp)))
        db.upgrade()
        settings = build_settings({}, {}, {"data_dir": Path(tmp),
                                           "standalone_folders": [str(root)],
                                           "wanted_languages": ["en", "de"]})
        session = new_http_session()
        scanner = WantedScanner(db, lambda: settings,
                                LibrarySources(lambda: settings, session, LibraryHealth()),
                                EmbeddedProbe())
        walk_s = best_of(lambda: bare_walk(str(root)))
        start = time.perf_counter()
        first = scanner.scan()
        first_s = time.perf_counter() - start
        rescan_s = best_of(scanner.scan)
        rows = [
            {"what": "os.scandir walk (baseline)", "files": media, "seconds": walk_s,
             "files_per_s": media / walk_s, "ratio_vs_walk": 1.0},
            {"what": f"first scan (+{first.added} rows)", "files": first.scanned,
             "seconds": first_s, "files_per_s": media / first_s, "ratio_vs_walk": walk_s / first_s},
            {"what": "rescan (no changes)", "files": media, "seconds": rescan_s,
             "files_per_s": media / rescan_s, "ratio_vs_walk": walk_s / rescan_s},
        ]
        print_table("wanted scan vs bare os.scandir walk (ratio = walk time / scan time)", rows)
        session.close()
        db.close()


PROVIDER_LATENCY = 0.3
SINGLE_IMPORTS = 50
BURST_IMPORTS = 1000
SEARCH_WORKERS = 8
BURST_DEADLINE_SECONDS = 600.0
POSTING_THREADS = 4
SRT = b"1\n00:00:01,000 --> 00:00:03,000\nThe journey continues.\n"


def _subtitle_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Show.S01E01.srt", SRT)
    return buffer.getvalue()


class FakeSubdl(BaseHTTPRequestHandler):
    """SubDL's search API answering after 300 ms; the subtitle zip is served at once."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in one segment (no 40 ms ACK wait)
    archive = _subtitle_zip()
    searches = 0

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.startswith("/api/v1/subtitles"):
            time.sleep(PROVIDER_LATENCY)
            FakeSubdl.searches += 1
            body = json.dumps({"status": True, "results": [], "subtitles": [{
                "release_name": "Show S01E01 1080p WEB", "name": "SUBDL::show.zip",
                "lang": "english", "author": "x", "url": "/subtitle/1-1.zip", "season": 1,
                "episode": 1, "language": "EN", "hi": False, "full_season": False}]}).encode()
            kind = "application/json"
        else:
            body, kind = self.archive, "application/zip"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _download(path: Path, number: int) -> dict:
    """Sonarr's Download webhook; like Sonarr, it says which subtitle tracks the file has."""
    return {"eventType": "Download", "series": {"id": 1, "title": "Show", "path": str(path.parent)},
            "episodes": [{"id": number, "episodeNumber": number % 25 + 1,
                          "seasonNumber": number // 25}],
            "episodeFile": {"id": number, "path": str(path),
                            "mediaInfo": {"subtitles": [], "audioLanguages": ["jpn"]}}}


class Arrival(ServedSublarr):
    """``sublarr serve`` (gunicorn, its own process) on 127.0.0.1 with the fake provider
    configured through ``SUBLARR_*``; this process only generates load and measures."""

    def __init__(self, root: Path, provider_url: str) -> None:
        self.media = root / "tv" / "Show"
        self.media.mkdir(parents=True)
        super().__init__(root, {
            "SUBLARR_WANTED_LANGUAGES": '["en"]',
            "SUBLARR_LIBRARY_ROOTS": json.dumps([str(root / "tv")]),
            "SUBLARR_WANTED_SCAN_ON_START": "false",
            "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
            "SUBLARR_PROVIDERS_ENABLED": '["subdl"]', "SUBLARR_SUBDL_BASE_URL": provider_url,
            "SUBLARR_SUBDL_DOWNLOAD_URL": provider_url, "SUBLARR_SUBDL_API_KEY": "k",
            "SUBLARR_PROVIDER_RATE_LIMIT_PER_MINUTE": "6000",
            "SUBLARR_WANTED_SEARCH_WORKERS": str(SEARCH_WORKERS)})

    def import_episode(self, number: int) -> Path:
        season, episode = number // 25, number % 25 + 1  # 25 episodes a season folder
        path = self.media / f"Season {season}" / f"Show - S{season:02d}E{episode:02d} [WEB].mkv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 256)
        reply = self.http.post(f"{self.url}/webhook/sonarr", json=_download(path, number),
                               timeout=30)
        reply.raise_for_status()
        return path.with_name(path.stem + ".en.srt")


def _wait_for_files(paths: list[Path], deadline: float, poll: float = 0.01) -> bool:
    """Poll until every path exists (a burst polls its 1,000 files every ``poll`` seconds,
    so its wall time is at most that much late)."""
    pending = list(paths)
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if not p.exists()]
        if pending:
            time.sleep(poll)
    return not pending


def _sample_wanted(arrival: Arrival, stop: threading.Event, samples: list[float]) -> None:
    while not stop.is_set() and len(samples) < 100_000:
        started = time.perf_counter()
        arrival.http.get(f"{arrival.url}/wanted", params={"limit": 50}, timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
        stop.wait(0.05)


def arrival_benchmark() -> None:
    provider = ThreadingHTTPServer(("127.0.0.1", 0), FakeSubdl)
    provider.daemon_threads = True
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-arrival-") as tmp:
        arrival = Arrival(Path(tmp), f"http://127.0.0.1:{provider.server_port}")
        try:
            single = []
            for number in range(SINGLE_IMPORTS):
                started = time.perf_counter()
                subtitle = arrival.import_episode(number)
                if not _wait_for_files([subtitle], time.monotonic() + 30):
                    raise RuntimeError(f"import {number}: no subtitle within 30 s")
                single.append(time.perf_counter() - started)
            samples: list[float] = []
            stop = threading.Event()
            sampler = threading.Thread(target=_sample_wanted, args=(arrival, stop, samples))
            started = time.perf_counter()
            sampler.start()
            with ThreadPoolExecutor(POSTING_THREADS) as posting:  # Sonarr and friends at once
                subtitles = list(posting.map(arrival.import_episode,
                                             range(1000, 1000 + BURST_IMPORTS)))
            posted = time.perf_counter() - started
            done = _wait_for_files(subtitles, time.monotonic() + BURST_DEADLINE_SECONDS, 0.25)
            wall = time.perf_counter() - started
            stop.set()
            sampler.join()
        finally:
            arrival.close()
            provider.shutdown()
    floor = BURST_IMPORTS * PROVIDER_LATENCY / SEARCH_WORKERS
    print_table("import webhook → subtitle on disk (fake provider answers after 300 ms)", [
        {"what": f"{len(single)} imports one at a time", "p50_s": percentile(single, 50),
         "p95_s": percentile(single, 95), "target_p95_s": 3.0}])
    print_table(f"burst of {BURST_IMPORTS} imports ({SEARCH_WORKERS} search workers)", [
        {"what": "all subtitles on disk" if done else "NOT all on disk by the deadline",
         "wall_s": wall, "webhooks_posted_s": posted, "floor_s": floor,
         "ratio_vs_floor": wall / floor, "target_ratio": 1.5}])
    print_table("GET /wanted during the burst (ms)", [
        {"samples": len(samples), "p50_ms": percentile(samples, 50),
         "p99_ms": percentile(samples, 99), "max_ms": max(samples, default=0.0),
         "target_p99_ms": 100.0}])


def main() -> None:
    scanner_benchmark()
    arrival_benchmark()


if __name__ == "__main__":
    main()
