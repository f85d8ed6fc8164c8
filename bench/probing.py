"""Embedded-subtitle probing of a Sonarr library that Sonarr has not analysed.

A fake Sonarr on 127.0.0.1 serves ``SERIES`` × ``EPISODES`` episode files in
Sonarr's v3 shapes without ``mediaInfo``, so every file must be probed.  The
files are real 1 s files made with ffmpeg (a third with a Japanese subtitle
track, a third with an English one, a third with none), all Matroska in one
library, all MP4 in another; both are read in-process by MediaInfo
(pymediainfo).  ``sublarr serve`` (its own process) scans with
``SUBLARR_WHISPER_FFPROBE_PATH`` pointing at a wrapper that counts runs of the
ffprobe fallback and execs the real ffprobe.  Per library:

* same-run baseline: ``wanted_probe_workers=1`` (one file at a time, as
  before the pool), first scan on a fresh database;
* the pool (default 2 workers): first scan, second scan, and a scan after a
  restart of the served process (the answers come from the database);
* wall and CPU time of the served process tree (ffprobe children included)
  per scan and per file, ffprobe runs, the worker's RSS/PSS before and after
  the scan (and the RSS of libmediainfo's mappings), and the extrapolation to 10,000
  episodes against Bazarr's 921 s (its default ffprobe of every file, measured
  on this kind of machine).  Probing cost is linear in the number of files
  probed, so 1,000 files are enough to extrapolate; ``PROBING_EPISODES`` sets
  another count.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench.common import print_table
from bench.fake_sonarr import KEY, FakeSonarr
from bench.procfs import children, process_memory, tree_cpu_seconds
from bench.served import ServedSublarr

EPISODES = 10
SERIES = max(1, int(os.environ.get("PROBING_EPISODES", "1000")) // EPISODES)
SCAN_DEADLINE_SECONDS = 1800.0
BAZARR_10K_SECONDS = 921.0  # Bazarr 920853d, 10,000 episodes, default ffprobe of every file
TARGET_RATIO = 0.25
SRT = "1\n00:00:00,000 --> 00:00:00,500\nHi\n"


def _name(series: int, episode: int, container: str = "mkv") -> str:
    return f"Show {series:03d} - S01E{episode:02d} [WEBDL-1080p].{container}"


def make_samples(folder: Path, container: str) -> list[Path]:
    """Three real 1 s files: a Japanese subtitle track, an English one, none."""
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    (folder / "in.srt").write_text(SRT)
    av = ["-f", "lavfi", "-i", "color=c=black:s=64x48:d=1", "-f", "lavfi", "-i", "sine=d=1"]
    codecs = (["-c:v", "ffv1", "-c:a", "flac"] if container == "mkv"
              else ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
    subtitle = "ass" if container == "mkv" else "mov_text"
    samples = []
    for name, language in (("ja", "jpn"), ("en", "eng"), ("none", "")):
        subs = ["-i", str(folder / "in.srt"), "-map", "0", "-map", "1", "-map", "2",
                "-c:s", subtitle, "-metadata:s:s:0", f"language={language}"] if language else []
        target = folder / f"{name}.{container}"
        subprocess.run([ffmpeg, "-v", "error", *av, *subs, *codecs, str(target)], check=True,
                       timeout=120)
        samples.append(target)
    return samples


def build_library(root: Path, samples: list[Path]) -> None:
    for series in range(1, SERIES + 1):
        season = root / f"Show {series:03d}" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            sample = samples[(series * EPISODES + episode) % 3]
            shutil.copyfile(sample, season / _name(series, episode, sample.suffix[1:]))


class ProbingSonarr(FakeSonarr):
    """The library above; episode files carry no mediaInfo."""

    series = SERIES
    episodes = EPISODES
    container = "mkv"

    def series_entry(self, n: int) -> dict:
        return {"id": n, "title": f"Show {n:03d}", "year": 2020, "tags": [],
                "path": f"/tv/Show {n:03d}", "monitored": True,
                "statistics": {"seasonCount": 1, "episodeFileCount": EPISODES,
                               "episodeCount": EPISODES, "sizeOnDisk": EPISODES * 1_000}}

    def file_entry(self, series: int, episode: int) -> dict:
        return {"id": series * 1000 + episode, "seriesId": series, "seasonNumber": 1,
                "path": f"/tv/Show {series:03d}/Season 1/{_name(series, episode, self.container)}",
                "size": 1_000}


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


def worker_memory(master: int) -> dict[str, float | None]:
    """The (single) worker's RSS and PSS, and the resident part of libmediainfo, in MiB."""
    workers = children(master)
    pid = workers[0] if len(workers) == 1 else None
    if pid is None:
        return {"rss_mib": None, "pss_mib": None, "mediainfo_rss_mib": None}
    mediainfo = 0
    with open(f"/proc/{pid}/smaps") as handle:
        inside = False
        for line in handle:
            if "-" in line.split(" ", 1)[0]:  # a mapping's header line
                inside = "libmediainfo" in line
            elif inside and line.startswith("Rss:"):
                mediainfo += int(line.split()[1])
    pss, rss = process_memory(pid)
    return {"rss_mib": rss / 2**20, "pss_mib": pss / 2**20,
            "mediainfo_rss_mib": mediainfo / 1024}


def timed_scan(served: Served, log: Path, what: str) -> dict[str, object]:
    memory_before = worker_memory(served.proc.pid)
    before = served.http.get(f"{served.url}/wanted/scan", timeout=30).json()["last_scan"]
    probes_before, cpu_before = runs(log), tree_cpu_seconds(served.proc.pid)
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
    cpu = tree_cpu_seconds(served.proc.pid) - cpu_before
    last = status.get("last_scan") or {}
    files = last.get("scanned") or 0
    memory_after = worker_memory(served.proc.pid)
    return {"what": what, "wall_s": wall, "cpu_s": cpu, "files": files,
            "rows_added": last.get("added"), "ffprobe_runs": runs(log) - probes_before,
            "wall_ms_per_file": wall * 1000 / files if files else None,
            "cpu_ms_per_file": cpu * 1000 / files if files else None,
            "worker_rss_mib_before": memory_before["rss_mib"],
            "worker_rss_mib_after": memory_after["rss_mib"],
            "worker_pss_mib_after": memory_after["pss_mib"],
            "libmediainfo_rss_mib": memory_after["mediainfo_rss_mib"]}


def bench_container(tmp: Path, container: str) -> list[dict[str, object]]:
    """The four scans of one library whose every file is ``container``."""
    root = tmp / container
    (root / "samples").mkdir(parents=True)
    media = root / "tv"
    build_library(media, make_samples(root / "samples", container))
    ffprobe, log = counting_ffprobe(root)
    handler = type("Sonarr", (ProbingSonarr,), {"container": container})
    sonarr = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    sonarr.daemon_threads = True
    threading.Thread(target=sonarr.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{sonarr.server_port}"
    rows = []
    try:
        for workers, label, scans in ((1, "1 worker (baseline)", ["first scan"]),
                                      (2, "2 workers", ["first scan", "second scan"]),
                                      (2, "2 workers", ["after a restart"])):
            data = root / f"data-{workers}"
            data.mkdir(exist_ok=True)
            served = Served(data, url, media, ffprobe, workers)
            try:
                rows += [timed_scan(served, log, f"{container}: {label}, {scan}")
                         for scan in scans]
            finally:
                served.close()
    finally:
        sonarr.shutdown()
    return rows


def main() -> None:
    files = SERIES * EPISODES
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-probing-") as tmp_name:
        results = {c: bench_container(Path(tmp_name), c) for c in ("mkv", "mp4")}
    # Wall times depend on what else runs; CPU per file much less so.
    print(f"\n{os.cpu_count()} CPUs; 1-minute load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print_table(f"wanted scan of {files:,} Sonarr episodes without media info (real 1 s "
                "files read by MediaInfo in-process; ffprobe only as its fallback)",
                [row for rows in results.values() for row in rows])
    print(f"\nBazarr, 10,000 episodes with its default ffprobe of every file: "
          f"{BAZARR_10K_SECONDS:.0f} s (target ≤ {TARGET_RATIO:.2f}× = "
          f"{TARGET_RATIO * BAZARR_10K_SECONDS:.0f} s); extrapolated linearly from {files:,}:")
    for container, rows in results.items():
        single, pooled = float(rows[0]["wall_s"]), float(rows[1]["wall_s"])  # type: ignore[arg-type]
        extrapolated = pooled / files * 10_000
        print(f"  {container}: first scan {extrapolated:.0f} s = "
              f"{extrapolated / BAZARR_10K_SECONDS:.3f}× Bazarr; pool vs one worker "
              f"{single / pooled:.2f}×; ffprobe runs in the second scan / after a restart: "
              f"{rows[2]['ffprobe_runs']} / {rows[3]['ffprobe_runs']}")


if __name__ == "__main__":
    main()
