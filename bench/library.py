"""A 100,000-episode Sonarr library against the served app (``sublarr serve``).

A fake Sonarr on 127.0.0.1 (this process) serves 1,000 series × 100 episode
files in Sonarr's v3 shapes (``/series`` with ``statistics``, ``/episodefile``
and ``/episode`` per series, mediaInfo without subtitle tracks); the files
exist, empty, under a temporary folder and every fourth one has an English
subtitle beside it, so a scan leaves 75,000 wanted rows.  Figures:

* first scan and re-scan (nothing changed) wall time, and the requests each
  made to Sonarr (the re-scan is incremental: only changed series are read);
* peak PSS and RSS of the served process tree (gunicorn master + workers, read
  from ``/proc/<pid>/smaps_rollup``) during each scan; target PSS ≤ 150 MiB;
* ``GET /api/v1/wanted?limit=50`` latency during the scans at offset 0 and
  offset 70,000 (target p99 ≤ 100 ms, the deep page as fast as the first);
* when the first new rows were listed (seconds after the scan started: a scan
  writes a series at a time) and the progress ``GET /wanted/scan`` reported.

``BENCH_LIBRARY_SERIES=100`` runs the 10,000-episode mode (deep page 7,000).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import requests

from bench.common import percentile, print_table
from bench.fake_sonarr import KEY, FakeSonarr
from bench.procfs import tree_memory
from bench.served import ServedSublarr

SERIES = int(os.environ.get("BENCH_LIBRARY_SERIES", "1000"))  # 100: the 10,000-episode mode
EPISODES = 100  # 100,000 episode files
DEEP = SERIES * 70  # a page near the end of the 75 % of files left wanted (70,000)
SCAN_DEADLINE_SECONDS = 1800.0
SAMPLE_EVERY_SECONDS = 0.05
MiB = 1024 * 1024


def _name(series: int, episode: int) -> str:
    return f"Show {series:04d} - S01E{episode:03d} - Episode {episode} [WEBDL-1080p].mkv"


def build_library(root: Path) -> None:
    """The episode files (empty) and an English subtitle for every fourth one."""
    for series in range(1, SERIES + 1):
        season = root / f"Show {series:04d}" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            stem = _name(series, episode)[:-4]
            (season / f"{stem}.mkv").touch()
            if episode % 4 == 0:
                (season / f"{stem}.en.srt").touch()


class LibrarySonarr(FakeSonarr):
    """The library above: files with media info (no embedded subtitles)."""

    series = SERIES
    episodes = EPISODES

    def series_entry(self, n: int) -> dict:
        return {"id": n, "title": f"Show {n:04d}", "year": 2020, "tags": [],
                "path": f"{self.remote}/Show {n:04d}", "monitored": True,
                "lastInfoSync": "2026-12-01T00:00:00Z",
                "statistics": {"seasonCount": 1, "episodeFileCount": EPISODES,
                               "episodeCount": EPISODES, "totalEpisodeCount": EPISODES,
                               "sizeOnDisk": EPISODES * 1_000_000, "percentOfEpisodes": 100.0}}

    def file_entry(self, series: int, episode: int) -> dict:
        return {"id": series * 1000 + episode, "seriesId": series, "seasonNumber": 1,
                "path": f"{self.remote}/Show {series:04d}/Season 1/{_name(series, episode)}",
                "size": 1_000_000, "mediaInfo": {"audioLanguages": "jpn", "subtitles": ""}}


class Served(ServedSublarr):
    """``sublarr serve`` on 127.0.0.1 pointed at the fake Sonarr."""

    def __init__(self, tmp: Path, sonarr_url: str, media: Path) -> None:
        super().__init__(tmp, {
            "SUBLARR_SONARR_URL": sonarr_url,
            "SUBLARR_SONARR_API_KEY": KEY, "SUBLARR_WANTED_LANGUAGES": '["en"]',
            "SUBLARR_PATH_MAPPINGS": json.dumps([{"remote": "/tv", "local": str(media)}]),
            "SUBLARR_LIBRARY_ROOTS": json.dumps([str(media)]),
            "SUBLARR_WANTED_SCAN_ON_START": "false",
            "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
            "SUBLARR_WANTED_PROBE_EMBEDDED": "false",
            "SUBLARR_WANTED_SEARCH_ON_ARRIVAL": "false"})


def _sample(served: Served, stop: threading.Event, pages: dict[int, list[float]],
            memory: list[tuple[int, int]], totals: list[tuple[float, int]]) -> None:
    """Alternate GET /wanted at offsets 0 and DEEP; read the tree's memory each turn;
    ``totals`` gets (seconds since start, rows listed) from the offset-0 answers."""
    http = requests.Session()
    http.headers.update(served.http.headers)
    turns = 0
    began = time.perf_counter()
    while not stop.is_set() and turns < 200_000:
        for offset in pages:
            started = time.perf_counter()
            answer = http.get(f"{served.url}/wanted", params={"limit": 50, "offset": offset},
                              timeout=30)
            pages[offset].append((time.perf_counter() - started) * 1000)
            if offset == 0 and answer.ok:
                totals.append((started - began, answer.json()["total"]))
        memory.append(tree_memory(served.proc.pid))
        turns += 1
        stop.wait(SAMPLE_EVERY_SECONDS)
    http.close()


def timed_scan(served: Served, what: str) -> dict[str, object]:
    """One scan through the API with sampling; its row for the table."""
    LibrarySonarr.counts.clear()
    pages: dict[int, list[float]] = {0: [], DEEP: []}
    memory: list[tuple[int, int]] = []
    totals: list[tuple[float, int]] = []
    progress: list[dict] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(served, stop, pages, memory, totals))
    before = served.http.get(f"{served.url}/wanted/scan", timeout=30).json()["last_scan"]
    started = time.perf_counter()
    sampler.start()
    served.http.post(f"{served.url}/wanted/scan", timeout=30).raise_for_status()
    deadline = time.monotonic() + SCAN_DEADLINE_SECONDS
    status: dict = {}
    while time.monotonic() < deadline:
        status = served.http.get(f"{served.url}/wanted/scan", timeout=30).json()
        if status.get("progress"):
            progress.append(status["progress"])
        if not status["running"] and status["last_scan"] != before:
            break
        time.sleep(0.1)
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    last = status.get("last_scan") or {}
    first_rows = next((at for at, total in totals if total > (totals[0][1] if totals else 0)),
                      None)
    return {"what": what, "wall_s": wall, "files": last.get("scanned"),
            "rows_added": last.get("added"),
            "sonarr_requests": sum(LibrarySonarr.counts.values()),
            "series_read": (last.get("series") or {}).get("series_read"),
            "peak_pss_mib": max((m[0] for m in memory), default=0) / MiB,
            "peak_rss_mib": max((m[1] for m in memory), default=0) / MiB,
            "new_rows_seen_at_s": first_rows, "progress_polls": len(progress),
            "last_progress": (f"{progress[-1]['series_done']}/{progress[-1]['series_total']}"
                              f" eta {progress[-1]['eta_seconds']}") if progress else None,
            "p50_ms_off0": percentile(pages[0], 50), "p99_ms_off0": percentile(pages[0], 99),
            "p50_ms_deep": percentile(pages[DEEP], 50),
            "p99_ms_deep": percentile(pages[DEEP], 99), "samples": len(pages[0])}


def after_scan_pages(served: Served, rounds: int = 200) -> dict[str, object]:
    """Page latency on the idle server with 75,000 rows: offset, cursor and a text search."""
    ask = served.http.get
    url = f"{served.url}/wanted"
    deep = ask(url, params={"limit": 1, "offset": DEEP - 1}, timeout=30).json()["items"]
    cursor = str(deep[0]["id"]) if deep else "0"
    timings: dict[str, list[float]] = {"offset=0": [], f"offset={DEEP}": [],
                                       f"cursor@{DEEP}": [], "q=Show 0070": []}
    params = {"offset=0": {"offset": 0}, f"offset={DEEP}": {"offset": DEEP},
              f"cursor@{DEEP}": {"cursor": cursor}, "q=Show 0070": {"q": "Show 0070"}}
    for _ in range(rounds):
        for name, extra in params.items():
            started = time.perf_counter()
            ask(url, params={"limit": 50, **extra}, timeout=30).raise_for_status()
            timings[name].append((time.perf_counter() - started) * 1000)
    return {name: percentile(values, 99) for name, values in timings.items()}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-library-") as tmp_name:
        tmp = Path(tmp_name)
        media = tmp / "tv"
        started = time.perf_counter()
        build_library(media)
        built = time.perf_counter() - started
        sonarr = ThreadingHTTPServer(("127.0.0.1", 0), LibrarySonarr)
        sonarr.daemon_threads = True
        threading.Thread(target=sonarr.serve_forever, daemon=True).start()
        served = Served(tmp, f"http://127.0.0.1:{sonarr.server_port}", media)
        try:
            idle_pss, idle_rss = tree_memory(served.proc.pid)
            rows = [timed_scan(served, "first scan"), timed_scan(served, "re-scan (unchanged)")]
            idle = after_scan_pages(served)
            time.sleep(2)
            after_pss, after_rss = tree_memory(served.proc.pid)
        finally:
            served.close()
            sonarr.shutdown()
    print(f"\nlibrary: {SERIES * EPISODES:,} episode files built in {built:.1f} s; idle tree "
          f"before the scan {idle_pss / MiB:.0f} MiB PSS / {idle_rss / MiB:.0f} MiB RSS, after "
          f"both scans {after_pss / MiB:.0f} MiB PSS / {after_rss / MiB:.0f} MiB RSS")
    print_table(f"wanted scan of {SERIES:,} series × {EPISODES} files, served "
                "(targets: PSS ≤ 150 MiB, GET /wanted p99 ≤ 100 ms at both offsets)",
                [{k: v for k, v in row.items() if not k.startswith(("p50", "p99", "samples"))}
                 for row in rows])
    print_table(f"GET /wanted?limit=50 during the scan (ms; deep = offset {DEEP:,})",
                [{"scan": row["what"], **{k: v for k, v in row.items()
                                          if k.startswith(("p50", "p99", "samples"))}}
                 for row in rows])
    print_table(f"GET /wanted?limit=50 p99 after the scan, {SERIES * 75:,} rows (ms)", [idle])


if __name__ == "__main__":
    main()
