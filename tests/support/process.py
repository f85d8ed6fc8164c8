"""Running ``sublarr serve`` as a real subprocess in tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sublarr_command() -> list[str]:
    return [sys.executable, "-m", "sublarr.cli"]


class ServerProcess:
    """``sublarr serve`` on a free port with its own data dir; stopped on exit."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None,
                 api_key: str | None = "test-key-0123456789", port: int | None = None,
                 log_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        log_dir = Path(log_dir) if log_dir else self.data_dir.parent
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"server-{self.port}-{time.monotonic_ns()}.log"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUBLARR_")}
        if api_key is not None:
            full_env["SUBLARR_API_KEY"] = api_key
        full_env.update(env or {})
        self._log = open(self.log_path, "wb")
        # A session of its own: kill_hard() takes the master and its worker down at once,
        # as the OOM killer, `docker kill` or a power cut would.
        self.proc = subprocess.Popen(
            [*sublarr_command(), "serve", "--port", str(self.port), "--data-dir", str(data_dir)],
            stdout=self._log, stderr=subprocess.STDOUT, env=full_env, start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not healthy after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()

    def worker_pids(self) -> list[int]:
        """The gunicorn worker(s): children of the master process."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def kill_hard(self) -> None:
        """SIGKILL to the master and the worker together (no shutdown code runs)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self._log.close()

    def __enter__(self) -> "ServerProcess":
        self.wait_healthy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
