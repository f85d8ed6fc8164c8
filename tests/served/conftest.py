"""The real served process: ``sublarr serve`` (gunicorn master + forked worker) as a
subprocess on a free port, driven over HTTP like a user's browser or Sonarr would."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.support.process import ServerProcess, sublarr_command

KEY = "served-test-key-0123456789"


class Api:
    """requests against a served process, with its API key."""

    def __init__(self, server: ServerProcess, key: str | None = None) -> None:
        self.url = server.url + "/api/v1"
        self.session = requests.Session()
        self.session.headers["X-Api-Key"] = key or server.api_key or ""

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.call("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.call("DELETE", path, **kw)


def start(data_dir: Path, env: dict[str, str] | None = None, api_key: str | None = KEY,
          port: int | None = None) -> ServerProcess:
    """A healthy served process (raises with its log when it does not come up)."""
    server = ServerProcess(data_dir, env, api_key=api_key, port=port)
    try:
        server.wait_healthy()
    except BaseException:
        server.kill()
        raise
    return server


@pytest.fixture
def served_data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Every server a test starts is appended here and killed at the end."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.kill()


def sqlite_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).glob("*.db"))


def integrity(data_dir: Path) -> dict[str, str]:
    """``PRAGMA integrity_check`` of every SQLite file in the data dir (run it while no
    server has the files open, or from this separate process while one does)."""
    results = {}
    for path in sqlite_files(data_dir):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            results[path.name] = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    return results


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*sublarr_command(), *args], capture_output=True, text=True,
                          timeout=120, env=env)


def exercise_api(api: Api, receiver_url: str, hooks_dir: Path) -> None:
    """One read and one write of each kind a user does; every answer must be 2xx."""
    for path in ("/config", "/webhooks", "/hooks", "/hooks/logs", "/events/catalog",
                 "/wanted", "/history", "/jobs", "/whisper/jobs", "/scoring/weights"):
        resp = api.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
    made = api.post("/webhooks", json={"name": "probe", "url": receiver_url + "/probe",
                                       "event_name": "test"})
    assert made.status_code == 201, made.text
    changed = api.put(f"/webhooks/{made.json()['id']}", json={"retry_count": 2})
    assert changed.status_code == 200, changed.text
    assert api.delete(f"/webhooks/{made.json()['id']}").status_code == 204
    script = hooks_dir / "probe.sh"
    if not script.exists():
        script.write_text("#!/bin/sh\ncat >/dev/null\n")
        script.chmod(0o755)
    hook = api.post("/hooks", json={"name": "probe", "script_path": str(script),
                                    "event_name": "test"})
    assert hook.status_code == 201, hook.text
    assert api.delete(f"/hooks/{hook.json()['id']}").status_code == 204
    resp = api.put("/config", json={"hook_log_retention_count": 5000 + int(time.time() * 1000) % 1000})
    assert resp.status_code == 200, resp.text
