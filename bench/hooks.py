"""Hook engine: script runs/s vs a raw subprocess loop, and emit latency with 20 hooks.

1. N runs of a trivial script (``#!/bin/sh`` + ``exit 0``) through the engine
   (bus → queue → workers → hook_log + stats → ``hook_executed``), against
   ``subprocess.run`` of the same script with the same stdin on a
   ThreadPoolExecutor with the same number of workers.  Target: >= 0.8x.
2. ``bus.emit`` latency with no hook vs 20 hooks subscribed to the event.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import print_table, summary_us, time_calls
from sublarr.app import create_app
from sublarr.events.hooks import repo as hook_configs
from sublarr.events.hooks.engine import COMPONENT_KEY
from sublarr.services import services_of

WORKERS = 4
RUNS = 200
ROUNDS = 5
EMITS = 300
HOOKS_SUBSCRIBED = 20
TMPFS = "/dev/shm"
FAILED = {"provider": "opensubtitles", "error": "HTTP 429", "status_code": 429}


def _app(data_dir: Path, queue_size: int):  # noqa: ANN202
    settings = {"data_dir": data_dir, "hook_workers": WORKERS, "hook_queue_size": queue_size}
    return create_app(settings, environ={"PATH": os.environ.get("PATH", os.defpath)})


def _trivial_script(data_dir: Path) -> Path:
    script = data_dir / "hooks" / "trivial.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    return script


def _add_hooks(services, script: Path, count: int, event_name: str) -> None:  # noqa: ANN001
    with services.db.session() as session:
        for number in range(count):
            hook_configs.create_hook(session, {
                "name": f"bench {number}", "event_name": event_name,
                "script_path": str(script), "timeout_seconds": 30, "enabled": True})
    services.components[COMPONENT_KEY].reload()


class _Completions:
    """Counts ``hook_executed`` events; one subscription reused by every round."""

    def __init__(self, services) -> None:  # noqa: ANN001
        self._lock = threading.Lock()
        self._seen: list[bool] = []
        self._done = threading.Event()
        services.bus.subscribe(self._count, names=["hook_executed"])

    def reset(self) -> None:
        with self._lock:
            self._seen, self._done = [], threading.Event()

    def _count(self, envelope: dict) -> None:
        with self._lock:
            self._seen.append(envelope["data"]["success"])
            if len(self._seen) >= RUNS:
                self._done.set()

    def wait(self, timeout: float) -> tuple[int, int]:
        self._done.wait(timeout)
        with self._lock:
            return len(self._seen), sum(self._seen)


def engine_runs_per_second(services, completions: _Completions) -> tuple[float, int]:  # noqa: ANN001
    """RUNS events, one hook each, from the first emit to the last ``hook_executed``."""
    completions.reset()
    started = time.perf_counter()
    for _ in range(RUNS):
        services.bus.emit("provider_failed", FAILED)
    finished, succeeded = completions.wait(120)
    elapsed = time.perf_counter() - started
    return (finished / elapsed if finished >= RUNS else float("nan")), succeeded


def raw_runs_per_second(script: Path) -> tuple[float, int]:
    """The same script and stdin through ``subprocess.run`` on WORKERS threads."""
    stdin = json.dumps({"id": "evt_x", "event_name": "provider_failed", "version": 1,
                        "timestamp": "2026-01-01T00:00:00.000000Z", "data": FAILED}).encode()

    def one(_: int) -> bool:
        proc = subprocess.run([str(script)], input=stdin, capture_output=True, timeout=30)
        return proc.returncode == 0

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        ok = sum(pool.map(one, range(RUNS)))
    return RUNS / (time.perf_counter() - started), ok


def _row(label: str, results: list[tuple[float, int]], baseline: list[tuple[float, int]],
         is_baseline: bool = False) -> dict:
    """Median rate, and the median of per-round ratios (each round paired with its baseline).

    Pairing adjacent rounds keeps machine-load swings out of the ratio.
    """
    rate = statistics.median(r for r, _ in results)
    ratios = [r / b for (r, _), (b, _) in zip(results, baseline, strict=True)]
    return {"path": label, "runs_per_s": rate,
            "succeeded": f"{sum(ok for _, ok in results)}/{RUNS * len(results)}",
            "ratio (paired median)": 1.0 if is_baseline else statistics.median(ratios),
            "ratio range": "" if is_baseline else f"{min(ratios):.2f}..{max(ratios):.2f}",
            "target": "" if is_baseline else ">= 0.80"}


def throughput(data_dir: Path) -> list[dict]:
    """Alternate baseline and engine rounds in one process (same app loaded, same load).

    The engine's private per-run directories live under the temp dir
    (``TMPDIR``); rounds run with the default one and, where the machine has
    it, with a tmpfs one, because directory creation/removal cost depends
    entirely on that file system.
    """
    app = _app(data_dir, queue_size=RUNS + 100)
    services = services_of(app)
    default_tmp = tempfile.gettempdir()
    tmpfs = TMPFS if os.path.isdir(TMPFS) and os.access(TMPFS, os.W_OK) else None
    raw, engine, engine_tmpfs = [], [], []
    try:
        script = _trivial_script(data_dir)
        _add_hooks(services, script, 1, "provider_failed")
        completions = _Completions(services)
        raw_runs_per_second(script)  # warm-up, not counted: first DB connections, ready dirs
        engine_runs_per_second(services, completions)
        for _ in range(ROUNDS):
            raw.append(raw_runs_per_second(script))
            engine.append(engine_runs_per_second(services, completions))
            if tmpfs:
                tempfile.tempdir = tmpfs
                try:
                    engine_tmpfs.append(engine_runs_per_second(services, completions))
                finally:
                    tempfile.tempdir = None
    finally:
        services.shutdown()
    rows = [_row("subprocess.run + ThreadPoolExecutor (baseline)", raw, raw, True),
            _row(f"HookEngine, private dirs in {default_tmp}", engine, raw)]
    if engine_tmpfs:
        rows.append(_row(f"HookEngine, private dirs in {tmpfs} (tmpfs)", engine_tmpfs, raw))
    return rows


def emit_latency(data_dir: Path) -> tuple[dict, dict]:
    app = _app(data_dir, queue_size=EMITS * HOOKS_SUBSCRIBED + 100)
    services = services_of(app)
    try:
        def emit() -> None:
            services.bus.emit("provider_failed", FAILED)

        time_calls(emit, 50)  # warm-up
        none = summary_us(time_calls(emit, EMITS, max_seconds=20))
        _add_hooks(services, _trivial_script(data_dir), HOOKS_SUBSCRIBED, "provider_failed")
        twenty = summary_us(time_calls(emit, EMITS, max_seconds=20))
        return none, twenty
    finally:
        services.shutdown()  # queued runs are recorded as not run; bounded


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-hooks-") as tmp:
        dirs = [Path(tmp, name) for name in ("runs", "emit")]
        for path in dirs:
            (path / "hooks").mkdir(parents=True)
        print_table(f"trivial script runs/s ({RUNS} runs x {ROUNDS} rounds, {WORKERS} workers,"
                    " median; engine = bus -> queue -> run -> hook_log + stats + hook_executed)",
                    throughput(dirs[0]))
        none, twenty = emit_latency(dirs[1])
        print_table(f"bus.emit latency ({EMITS} emits)", [
            {"hooks subscribed": 0, **none, "p99 ratio": 1.0},
            {"hooks subscribed": HOOKS_SUBSCRIBED, **twenty,
             "p99 ratio": twenty["p99_us"] / none["p99_us"]},
        ])


if __name__ == "__main__":
    main()
