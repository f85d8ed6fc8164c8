"""What the idle served process holds: no library a feature loads on first use, no idle
child, and a master without the application (the memory figures are in
``bench/footprint.py``; these only check the structure, which does not vary)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.served.conftest import start
from tests.support.process import sublarr_command

# Libraries only a feature needs: loaded on first use, or in the child that needs them.
FEATURE_MODULES = frozenset({
    "redis", "valkey",                # Socket.IO across processes (SUBLARR_REDIS_URL)
    "requests", "urllib3",            # outbound calls, webhook deliveries
    "websocket",                      # Socket.IO's client (never used by the server)
    "guessit", "rebulk", "babelfish",  # release-name parsing
    "pysubs2",                        # subtitle files
    "apprise",                        # notifications
    "faster_whisper", "ctranslate2", "av",  # transcription (its own child)
    "alembic",                        # migrations (run before the worker starts)
    "psycopg",                        # PostgreSQL (SUBLARR_DATABASE_URL)
    "watchdog",                       # watched folders
    "pymediainfo",                    # embedded-subtitle probing (loaded by the first probe)
    "playwright",
    "sqlalchemy.dialects.postgresql",  # SQLAlchemy's PostgreSQL dialect (with SQLite)
})
# Shared objects that only those libraries (or the application) map.
WHISPER_OBJECTS = ("ctranslate2", "faster_whisper", "/av/", "onnxruntime", "libmediainfo")
APP_OBJECTS = ("pydantic_core", "sqlalchemy", "_sqlite3")

WORKER_IMPORTS = """
import json, sys
from sublarr.cli import _app_factory
app = _app_factory({"data_dir": sys.argv[1]})()
print(json.dumps(sorted(sys.modules)))
"""


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SUBLARR_")}


def mapped_objects(pid: int) -> set[str]:
    with open(f"/proc/{pid}/maps") as handle:
        return {line.split()[-1] for line in handle if ".so" in line}


def children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return found


def test_worker_app_factory_imports_no_feature_library(tmp_path: Path) -> None:
    """The worker's own import path (``serve``'s app factory, after ``prepare-serve``)."""
    data = tmp_path / "data"
    prepared = subprocess.run([*sublarr_command(), "prepare-serve", "--data-dir", str(data)],
                              capture_output=True, text=True, timeout=120, env=clean_env())
    assert prepared.returncode == 0, prepared.stderr
    built = subprocess.run([sublarr_command()[0], "-c", WORKER_IMPORTS, str(data)],
                           capture_output=True, text=True, timeout=120, env=clean_env())
    assert built.returncode == 0, built.stderr
    modules = json.loads(built.stdout.strip().splitlines()[-1])
    loaded = {name.split(".")[0] for name in modules} | set(modules)
    assert "flask_socketio" in loaded and "sqlalchemy" in loaded  # it did build the app
    assert loaded & FEATURE_MODULES == set()


def test_idle_served_tree_is_master_and_one_lean_worker(tmp_path: Path) -> None:
    server = start(tmp_path / "data", {"SUBLARR_WANTED_SCAN_ON_START": "false"})
    try:
        workers = server.worker_pids()
        assert len(workers) == 1
        worker = workers[0]
        assert children(worker) == []  # no idle child (the whisper child starts with a job)
        worker_objects = mapped_objects(worker)
        assert any("pydantic_core" in o for o in worker_objects)  # the app is in the worker
        assert [o for o in worker_objects if any(w in o for w in WHISPER_OBJECTS)] == []
        master_objects = mapped_objects(server.proc.pid)
        assert [o for o in master_objects if any(a in o for a in APP_OBJECTS)] == []
    finally:
        server.kill()
