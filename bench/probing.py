"""Embedded-subtitle probing of a Sonarr library that Sonarr has not analysed.

A fake Sonarr on 127.0.0.1 serves ``SERIES`` × ``EPISODES`` episode files in
Sonarr's v3 shapes without ``mediaInfo``, so every file must be probed with
ffprobe.  The files are real 1 s Matroska files made with ffmpeg (a third
with a Japanese ASS track, a third with an English SRT track, a third with
none).  ``sublarr serve`` (its own process) scans with
``SUBLARR_WHISPER_FFPROBE_PATH`` pointing at a wrapper that counts runs and
execs the real ffprobe (about 1 ms of ``sh`` per run).  Figures:

* same-run baseline: ``wanted_probe_workers=1`` (probes one at a time, as
  before the pool), first scan on a fresh database;
* the pool (default 2 workers): first scan, second scan, and a scan after a
  restart of the served process (the answers come from the database);
* ffprobe runs per scan, wall time per probed file, and the extrapolation to
  10,000 episodes against Bazarr's 921 s (its default ffprobe of every file,
  measured on this kind of machine).  Scan time is linear in the number of
  probed files (one ffprobe child each), so 1,000 files are enough to
  extrapolate; ``PROBING_EPISODES`` sets another count.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.common import print_table
from bench.served import ServedSublarr

EPISODES = 10
SERIES = max(1, int(os.environ.get("PROBING_EPISODES", "1000")) // EPISODES)
KEY = "bench-sonarr-key-0123456789"
SCAN_DEADLINE_SECONDS = 1800.0
BAZARR_10K_SECONDS = 921.0  # Bazarr 920853d, 10,000 episodes, default ffprobe of every file
TARGET_RATIO = 0.25
SRT = "1\n00:00:00,000 --> 00:00:00,500\nHi\n"


def _name(series: int, episode: int) -> str:
    return f"Show {series:03d} - S01E{episode:02d} [WEBDL-1080p].mkv"


def make_samples(folder: Path) -> list[Path]:
    """Three real 1 s Matroska files: Japanese ASS track, English SRT track, none."""
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    (folder / "in.srt").write_text(SRT)
    video = ["-f", "lavfi", "-i", "color=c=black:s=64x48:d=1", "-f", "lavfi", "-i",
             "sine=d=1"]
    samples = []
    for name, extra in (("ja.mkv", ["-c:s", "ass", "-metadata:s:s:0", "language=jpn"]),
                        ("en.mkv", ["-c:s", "srt", "-metadata:s:s:0", "language=eng"]),
                        ("none.mkv", [])):
        subs = ["-i", str(folder / "in.srt"), "-map", "0", "-map", "1", "-map", "2"] \
            if extra else []
        subprocess.run([ffmpeg, "-v", "error", *video, *subs, "-c:v", "ffv1", "-c:a", "flac",
                        *extra, str(folder / name)], check=True, timeout=120)
        samples.append(folder / name)
    return samples


def build_library(root: Path, samples: list[Path]) -> None:
    for series in range(1, SERIES + 1):
        season = root / f"Show {series:03d}" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            shutil.copyfile(samples[(series * EPISODES + episode) % 3],
                            season / _name(series, episode))


class FakeSonarr(BaseHTTPRequestHandler):
    """Sonarr v3 answers for the library above; episode files carry no mediaInfo."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        series_id = int(parse_qs(url.query).get("seriesId", ["0"])[0] or 0)
        if self.headers.get("X-Api-Key") != KEY:
            return self._send(401, {"message": "Unauthorized"})
        if url.path == "/api/v3/series":
            body: object = [self._series(n) for n in range(1, SERIES + 1)]
        elif url.path == "/api/v3/episodefile":
            body = [{"id": series_id * 1000 + e, "seriesId": series_id, "seasonNumber": 1,
                     "path": f"/tv/Show {series_id:03d}/Season 1/{_name(series_id, e)}",
                     "size": 1_000} for e in range(1, EPISODES + 1)] \
                if 1 <= series_id <= SERIES else []
        elif url.path == "/api/v3/episode":
            body = [{"id": series_id * 1000 + e, "seriesId": series_id, "seasonNumber": 1,
                     "episodeNumber": e, "episodeFileId": series_id * 1000 + e,
                     "hasFile": True, "monitored": True} for e in range(1, EPISODES + 1)]
        elif url.path == "/api/v3/rootfolder":
            body = [{"id": 1, "path": "/tv", "accessible": True, "freeSpace": 1}]
        elif url.path == "/api/v3/system/status":
            body = {"appName": "Sonarr", "version": "4.0.5.1710"}
        else:
            return self._send(404, {"message": "NotFound"})
        self._send(200, body)

    @staticmethod
    def _series(n: int) -> dict:
        return {"id": n, "title": f"Show {n:03d}", "year": 2020, "tags": [],
                "path": f"/tv/Show {n:03d}", "monitored": True,
                "statistics": {"seasonCount": 1, "episodeFileCount": EPISODES,
                               "episodeCount": EPISODES, "sizeOnDisk": EPISODES * 1_000}}

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def counting_ffprobe(folder: Path) -> tuple[Path, Path]:
    log = folder / "ffprobe-runs.log"
    script = folder / "ffprobe-counting"
    real = shutil.which("ffprobe") or "ffprobe"
    script.write_text(f'#!/bin/sh\necho x >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    return script, log


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


class Served(ServedSublarr):
    def __init__(self, root: Path, sonarr_url: str, media: Path, ffprobe: Path,
                 workers: int) -> None:
        super().__init__(root, {
            "SUBLARR_SONARR_URL": sonarr_url, "SUBLARR_SONARR_API_KEY": KEY,
            "SUBLARR_WANTED_LANGUAGES": '["en"]',
            "SUBLARR_PATH_MAPPINGS": json.dumps([{"remote": "/tv", "local": str(media)}]),
            "SUBLARR_LIBRARY_ROOTS": json.dumps([str(media)]),
            "SUBLARR_WANTED_SCAN_ON_START": "false",
            "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
            "SUBLARR_WANTED_SEARCH_ON_ARRIVAL": "false",
            "SUBLARR_WANTED_PROBE_WORKERS": str(workers),
            "SUBLARR_WHISPER_FFPROBE_PATH": str(ffprobe)})


def timed_scan(served: Served, log: Path, what: str) -> dict[str, object]:
    before = served.http.get(f"{served.url}/wanted/scan", timeout=30).json()["last_scan"]
    probes_before = runs(log)
    started = time.perf_counter()
    served.http.post(f"{served.url}/wanted/scan", timeout=30).raise_for_status()
    deadline = time.monotonic() + SCAN_DEADLINE_SECONDS
    status: dict = {}
    while time.monotonic() < deadline:
        status = served.http.get(f"{served.url}/wanted/scan", timeout=30).json()
        if not status["running"] and status["last_scan"] != before:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    last = status.get("last_scan") or {}
    probes = runs(log) - probes_before
    return {"what": what, "wall_s": wall, "files": last.get("scanned"),
            "rows_added": last.get("added"), "ffprobe_runs": probes,
            "ms_per_probed_file": wall * 1000 / probes if probes else None}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-probing-") as tmp_name:
        tmp = Path(tmp_name)
        media = tmp / "tv"
        samples = make_samples(tmp)
        build_library(media, samples)
        ffprobe, log = counting_ffprobe(tmp)
        sonarr = ThreadingHTTPServer(("127.0.0.1", 0), FakeSonarr)
        sonarr.daemon_threads = True
        threading.Thread(target=sonarr.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{sonarr.server_port}"
        rows = []
        try:
            (tmp / "single").mkdir()
            served = Served(tmp / "single", url, media, ffprobe, workers=1)
            try:
                rows.append(timed_scan(served, log, "1 worker (baseline), first scan"))
            finally:
                served.close()
            (tmp / "pool").mkdir()
            served = Served(tmp / "pool", url, media, ffprobe, workers=2)
            try:
                rows.append(timed_scan(served, log, "2 workers, first scan"))
                rows.append(timed_scan(served, log, "2 workers, second scan"))
            finally:
                served.close()
            served = Served(tmp / "pool", url, media, ffprobe, workers=2)
            try:
                rows.append(timed_scan(served, log, "2 workers, after a restart"))
            finally:
                served.close()
        finally:
            sonarr.shutdown()
    files = SERIES * EPISODES
    print_table(f"wanted scan of {files:,} Sonarr episodes without media info, real 1 s "
                "Matroska files, each probed with ffprobe", rows)
    baseline, pooled = rows[0]["wall_s"], rows[1]["wall_s"]
    per_file = pooled / files  # type: ignore[operator]
    extrapolated = per_file * 10_000
    print(f"\npool vs one worker (same run): {baseline / pooled:.2f}× faster "  # type: ignore[operator]
          f"({baseline / files * 1000:.1f} → {per_file * 1000:.1f} ms per file)")  # type: ignore[operator]
    print(f"10,000 episodes extrapolated (linear): first scan {extrapolated:.0f} s = "
          f"{extrapolated / BAZARR_10K_SECONDS:.2f}× Bazarr's {BAZARR_10K_SECONDS:.0f} s "
          f"(target ≤ {TARGET_RATIO:.2f}× = {TARGET_RATIO * BAZARR_10K_SECONDS:.0f} s); "
          f"second scan and restart: {rows[2]['ffprobe_runs']} and "
          f"{rows[3]['ffprobe_runs']} ffprobe runs")


if __name__ == "__main__":
    main()
