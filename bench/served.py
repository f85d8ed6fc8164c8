"""``sublarr serve`` as the benchmarks run it: its own process on a free port of
127.0.0.1, configured through ``SUBLARR_*``; the benchmark only generates load."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

API_KEY = "bench-key-0123456789"


class ServedSublarr:
    """The served process with its data dir and log under ``root``; ``close()`` stops it."""

    def __init__(self, root: Path, settings: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.key = API_KEY
        self._log_path = root / "server.log"
        env = {**os.environ, "SUBLARR_API_KEY": self.key, **settings}
        self.log = open(self._log_path, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sublarr.cli", "serve", "--port", str(port),
             "--data-dir", str(root / "data")], stdout=self.log, stderr=subprocess.STDOUT,
            env=env)
        self.url = f"http://127.0.0.1:{port}/api/v1"
        self.http = requests.Session()
        self.http.headers["X-Api-Key"] = self.key
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if self.http.get(f"{self.url}/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.close()
        raise RuntimeError("sublarr serve did not start:\n"
                           + self._log_path.read_text(errors="replace")[-2000:])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
