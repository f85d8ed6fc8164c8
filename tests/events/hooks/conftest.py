"""Helpers for the hook tests: scripts on disk, waiting for processes to end."""

from __future__ import annotations

import time
from pathlib import Path

ENVELOPE = {"id": "evt_01TEST", "event_name": "test", "version": 1,
            "timestamp": "2026-01-01T12:00:00.000000Z", "data": {"message": "hi"}}


def write_script(directory: Path, name: str, body: str, mode: int = 0o755) -> Path:
    """A script file in ``directory`` (created), executable unless ``mode`` says otherwise."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(body)
    path.chmod(mode)
    return path


def assert_processes_end(folder: Path, *pid_files: str) -> None:
    """Every process whose pid a script wrote to ``folder/<name>`` ends within 10 s."""
    for name in pid_files:
        pid = int((folder / name).read_text())
        assert wait_for(lambda pid=pid: process_gone(pid), timeout=10), f"{name} {pid} still runs"


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie nobody reaps counts as gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return True
    return raw[raw.rfind(b")") + 2:].split()[0] in (b"Z", b"X")


def wait_for(condition, timeout: float = 15.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
