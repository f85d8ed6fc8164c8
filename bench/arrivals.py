"""A burst of incoming Sonarr webhooks against the served app (``sublarr serve``).

1,000 Sonarr "On Import" webhooks (``POST /api/v1/webhook/sonarr``, eventType
Download with an ``episodeFile``, in Sonarr v3/v4's shape) paced over 10 s by
a few sender threads, while another thread loops ``GET /api/v1/wanted?limit=50``.
Right after the last answer both server processes are killed with SIGKILL;
then the SQLite file is read (wanted rows + webhooks stored but not applied
yet = queued durably), the server is started again on the same data dir, and
the benchmark waits until the wanted list holds every accepted import.

Figures: POST and GET p50/p99 (target: API p99 ≤ 100 ms), accepted (2xx),
queued at the kill, listed after the restart, lost (target: 0).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import percentile, print_table
from bench.procfs import tree_cpu_seconds
from bench.served import ServedSublarr

WEBHOOKS = 1000
BURST_SECONDS = 10.0
SENDERS = 8
SAMPLE_PAUSE_SECONDS = 0.02
IDLE_SAMPLES = 200
DRAIN_DEADLINE_SECONDS = 120.0
REMOTE = "/tv"
SHOW = "Sousou no Frieren"


def episode_path(number: int) -> str:
    season, episode = number // 100 + 1, number % 100 + 1
    return f"Season {season}/{SHOW} - S{season:02d}E{episode:03d} [WEBDL-1080p].mkv"


def sonarr_download(number: int) -> dict:
    """Sonarr's "On Import" webhook (eventType Download) for episode file ``number``."""
    relative = episode_path(number)
    season, episode = number // 100 + 1, number % 100 + 1
    name = relative.rsplit("/", 1)[-1]
    return {
        "series": {"id": 12, "title": SHOW, "titleSlug": "sousou-no-frieren",
                   "path": f"{REMOTE}/{SHOW}", "tvdbId": 424536, "type": "anime",
                   "year": 2023, "tags": ["anime"]},
        "episodes": [{"id": 90000 + number, "episodeNumber": episode, "seasonNumber": season,
                      "title": f"Episode {episode}", "airDate": "2023-10-06",
                      "airDateUtc": "2023-10-06T14:00:00Z", "seriesId": 12}],
        "episodeFile": {
            "id": 50000 + number, "relativePath": relative, "path": f"{REMOTE}/{SHOW}/{relative}",
            "quality": "WEBDL-1080p", "qualityVersion": 1, "releaseGroup": "SubsPlease",
            "sceneName": name[:-4], "size": 1445713312, "dateAdded": "2026-01-05T18:02:11Z",
            "languages": [{"id": 8, "name": "Japanese"}],
            "mediaInfo": {"audioChannels": 2, "audioCodec": "AAC", "audioLanguages": ["jpn"],
                          "height": 1080, "width": 1920, "subtitles": [],
                          "videoCodec": "x264"}},
        "isUpgrade": False, "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent", "downloadId": f"{number:040X}",
        "release": {"quality": "WEBDL-1080p", "qualityVersion": 1, "releaseGroup": "SubsPlease",
                    "releaseTitle": name, "indexer": "Nyaa", "size": 1445713312},
        "eventType": "Download", "instanceName": "Sonarr",
        "applicationUrl": "http://sonarr.local:8989",
    }


def build_files(media: Path) -> None:
    for number in range(WEBHOOKS):
        path = media / SHOW / episode_path(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 256)


def served(root: Path) -> ServedSublarr:
    media = root / "tv"
    return ServedSublarr(root, {
        "SUBLARR_WANTED_LANGUAGES": '["en"]',
        "SUBLARR_PATH_MAPPINGS": json.dumps([{"remote": REMOTE, "local": str(media)}]),
        "SUBLARR_LIBRARY_ROOTS": json.dumps([str(media)]),
        "SUBLARR_WANTED_SCAN_ON_START": "false",
        "SUBLARR_WANTED_SCAN_INTERVAL_MINUTES": "0",
        "SUBLARR_WANTED_SEARCH_ON_ARRIVAL": "false"})


def kill_tree(server: ServedSublarr) -> None:
    """SIGKILL to the worker(s) and the master at once: no shutdown code runs."""
    pid = server.proc.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for each in [*map(int, children), pid]:
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.proc.wait(10)
    server.log.close()


def queued_at_rest(data_dir: Path) -> tuple[int, int, int]:
    """In the SQLite file of a stopped server: (files in the wanted list, files in stored
    webhooks not applied yet, distinct files in either = queued durably)."""
    conn = sqlite3.connect(f"file:{data_dir / 'sublarr.db'}?mode=ro", uri=True, timeout=30)
    try:
        wanted = {row[0] for row in conn.execute("SELECT media_path FROM wanted_items")}
        pending = {file["path"] for (text,) in conn.execute("SELECT action FROM incoming_webhooks")
                   for file in json.loads(text)["new_files"]}
    finally:
        conn.close()
    return len(wanted), len(pending), len(wanted | pending)


def _send(server: ServedSublarr, started: float, next_number: list[int], lock: threading.Lock,
          posts: list[tuple[float, int]]) -> None:
    http = requests.Session()
    http.auth = ("sonarr", server.key)
    while True:
        with lock:
            number = next_number[0]
            next_number[0] += 1
        if number >= WEBHOOKS:
            break
        delay = started + number * BURST_SECONDS / WEBHOOKS - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent = time.perf_counter()
        try:
            status = http.post(f"{server.url}/webhook/sonarr", json=sonarr_download(number),
                               timeout=30).status_code
        except requests.RequestException:
            status = 0
        posts.append(((time.perf_counter() - sent) * 1000, status))
    http.close()


def _sample(server: ServedSublarr, stop: threading.Event, samples: list[float],
            count: int = 100_000) -> None:
    http = requests.Session()
    http.headers["X-Api-Key"] = server.key
    while not stop.is_set() and len(samples) < count:
        sent = time.perf_counter()
        http.get(f"{server.url}/wanted", params={"limit": 50}, timeout=30)
        samples.append((time.perf_counter() - sent) * 1000)
        stop.wait(SAMPLE_PAUSE_SECONDS)
    http.close()


def burst(root: Path) -> dict[str, object]:
    """One burst, kill -9 and restart; the figures."""
    build_files(root / "tv")
    server = served(root)
    posts: list[tuple[float, int]] = []
    samples: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(server, stop, samples))
    idle: list[float] = []
    try:
        _sample(server, threading.Event(), idle, IDLE_SAMPLES)  # same-run baseline
        sampler.start()
        cpu_before, own_before = tree_cpu_seconds(server.proc.pid), time.process_time()
        started = time.perf_counter()
        lock, counter = threading.Lock(), [0]
        senders = [threading.Thread(target=_send, args=(server, started, counter, lock, posts))
                   for _ in range(SENDERS)]
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join(BURST_SECONDS + 120)
        burst_wall = time.perf_counter() - started
        stop.set()
        sampler.join(30)
        server_cpu = tree_cpu_seconds(server.proc.pid) - cpu_before
        client_cpu = time.process_time() - own_before
    finally:
        kill_tree(server)  # right after the last answer
    wanted_at_kill, pending_at_kill, queued_at_kill = queued_at_rest(root / "data")
    again = served(root)
    try:
        restarted = time.perf_counter()
        listed = 0
        while time.perf_counter() - restarted < DRAIN_DEADLINE_SECONDS:
            listed = again.http.get(f"{again.url}/wanted", params={"limit": 1},
                                    timeout=30).json()["total"]
            if listed >= WEBHOOKS:
                break
            time.sleep(0.1)
        drained = time.perf_counter() - restarted
    finally:
        again.close()
    accepted = sum(1 for _, status in posts if 200 <= status < 300)
    post_ms = [ms for ms, _ in posts]
    return {"webhooks": WEBHOOKS, "burst_wall_s": burst_wall, "accepted_2xx": accepted,
            "other_status": len(posts) - accepted,
            "queued_at_kill": queued_at_kill,
            "applied_at_kill": wanted_at_kill, "pending_at_kill": pending_at_kill,
            "listed_after_restart": listed, "restart_to_listed_s": drained,
            "lost": max(0, accepted - listed),
            "server_cpu_s": server_cpu, "client_cpu_s": client_cpu,
            "post_p50_ms": percentile(post_ms, 50), "post_p99_ms": percentile(post_ms, 99),
            "post_max_ms": max(post_ms, default=0.0),
            "idle_samples": len(idle), "idle_p50_ms": percentile(idle, 50),
            "idle_p99_ms": percentile(idle, 99), "idle_max_ms": max(idle, default=0.0),
            "api_samples": len(samples), "api_p50_ms": percentile(samples, 50),
            "api_p99_ms": percentile(samples, 99), "api_max_ms": max(samples, default=0.0)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-arrivals-") as tmp:
        row = burst(Path(tmp))
    counts = ("webhooks", "burst_wall_s", "accepted_2xx", "other_status", "queued_at_kill",
              "applied_at_kill", "pending_at_kill", "listed_after_restart",
              "restart_to_listed_s", "lost", "server_cpu_s", "client_cpu_s")
    print_table(f"{WEBHOOKS} Sonarr import webhooks in {BURST_SECONDS:.0f} s, kill -9 at once, "
                "restart (target: all 2xx, lost 0)", [{k: row[k] for k in counts}])
    print_table("latency during the burst (ms; target: GET /wanted?limit=50 p99 ≤ 100)", [
        {"what": "POST /webhook/sonarr", "p50_ms": row["post_p50_ms"],
         "p99_ms": row["post_p99_ms"], "max_ms": row["post_max_ms"], "n": WEBHOOKS},
        {"what": "GET /wanted?limit=50 before the burst (baseline)",
         "p50_ms": row["idle_p50_ms"], "p99_ms": row["idle_p99_ms"],
         "max_ms": row["idle_max_ms"], "n": row["idle_samples"]},
        {"what": "GET /wanted?limit=50 during the burst", "p50_ms": row["api_p50_ms"],
         "p99_ms": row["api_p99_ms"], "max_ms": row["api_max_ms"], "n": row["api_samples"]}])


if __name__ == "__main__":
    main()
