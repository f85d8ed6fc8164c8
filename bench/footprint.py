"""Idle memory of the served process tree (``sublarr serve``: gunicorn master, worker
and any children) after start with an empty library.

For each of ``RUNS`` starts on a fresh data dir: wait for health, then
``SETTLE_SECONDS``, then read ``/proc/<pid>/smaps_rollup`` of every process of
the tree.  Prints per-process PSS/RSS and the tree sums (targets: ≤ 85 MiB PSS,
≤ 110 MiB RSS), then the modules the worker's import path loads that only a
feature needs (they should be absent).

``python -m bench footprint`` (``FOOTPRINT_RUNS=5`` for more starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import print_table
from bench.procfs import process_memory, tree_pids
from bench.served import ServedSublarr

RUNS = int(os.environ.get("FOOTPRINT_RUNS", "3"))
SETTLE_SECONDS = 3.0
MiB = 1024 * 1024
TARGET_PSS_MIB, TARGET_RSS_MIB = 85, 110

# Imported by features only (first use, or the child that needs them).
OPTIONAL_MODULES = ("redis", "websocket", "requests", "urllib3", "guessit", "rebulk",
                    "babelfish", "pysubs2", "apprise", "faster_whisper", "ctranslate2",
                    "alembic", "psycopg", "watchdog", "jinja2", "prometheus_client")


def threads(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle
                         if line.startswith("Threads:")), 0)
    except OSError:
        return 0


def describe(pid: int, root: int) -> str:
    """master / worker (gunicorn's, same command line) / the command of another child."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
        with open(f"/proc/{root}/cmdline", "rb") as handle:
            root_args = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "(gone)"
    if pid == root:
        return "master"
    return "worker" if args == root_args else "child: " + " ".join(args)[-50:]


def idle_tree(run: int) -> list[dict[str, object]]:
    """One start on a fresh data dir: a row per process and one for the tree."""
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-footprint-") as tmp:
        served = ServedSublarr(Path(tmp), {"SUBLARR_WANTED_SCAN_ON_START": "false"})
        try:
            time.sleep(SETTLE_SECONDS)
            rows = []
            for pid in tree_pids(served.proc.pid):
                pss, rss = process_memory(pid)
                rows.append({"run": run, "pid": pid, "process": describe(pid, served.proc.pid),
                             "threads": threads(pid), "pss_mib": pss / MiB, "rss_mib": rss / MiB})
        finally:
            served.close()
    rows.append({"run": run, "pid": "", "process": "TREE",
                 "threads": sum(r["threads"] for r in rows),  # type: ignore[misc]
                 "pss_mib": sum(r["pss_mib"] for r in rows),  # type: ignore[misc]
                 "rss_mib": sum(r["rss_mib"] for r in rows)})  # type: ignore[misc]
    return rows


def worker_import_path() -> dict[str, object]:
    """What the worker's app factory imports and builds, in a fresh interpreter (after
    ``prepare-serve`` migrated the data dir, as ``serve`` does)."""
    code = ("import sys, resource;"
            "from sublarr.cli import _app_factory;"
            "_app_factory({'data_dir': sys.argv[1]})();"
            "print(len(sys.modules));"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})));"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-footprint-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUBLARR_")}
        subprocess.run([sys.executable, "-m", "sublarr.cli", "prepare-serve", "--data-dir", tmp],
                       capture_output=True, timeout=120, check=True, env=env)
        done = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True,
                              text=True, timeout=120, check=True, env=env)
    count, tops, maxrss = done.stdout.strip().splitlines()[-3:]
    loaded = set(tops.split())
    return {"modules": int(count), "max_rss_mib": int(maxrss) / 1024,
            "optional_loaded": " ".join(m for m in OPTIONAL_MODULES if m in loaded) or "none"}


def main() -> None:
    rows: list[dict[str, object]] = []
    for run in range(1, RUNS + 1):
        rows.extend(idle_tree(run))
    print_table(f"idle served tree after start, empty library, {SETTLE_SECONDS:.0f} s settled "
                f"(targets: tree ≤ {TARGET_PSS_MIB} MiB PSS, ≤ {TARGET_RSS_MIB} MiB RSS)", rows)
    trees = [r for r in rows if r["process"] == "TREE"]
    print(f"\ntree PSS {min(r['pss_mib'] for r in trees):.1f}–"  # type: ignore[type-var]
          f"{max(r['pss_mib'] for r in trees):.1f} MiB, RSS "  # type: ignore[type-var]
          f"{min(r['rss_mib'] for r in trees):.1f}–"  # type: ignore[type-var]
          f"{max(r['rss_mib'] for r in trees):.1f} MiB over {RUNS} runs")  # type: ignore[type-var]
    print_table("the worker's app factory in a fresh interpreter (SQLite, no optional settings)",
                [worker_import_path()])


if __name__ == "__main__":
    main()
