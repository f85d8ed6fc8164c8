"""Real parts to break under a served Sublarr: a throwaway PostgreSQL cluster,
a throwaway redis-server, a SQLite lock held by another process, and a small
API caller that records what every call answered and how long it took.

Each server here is the test's own (free port, temporary directory), so the
machine's shared PostgreSQL and Redis are never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.process import ServerProcess, free_port
from tests.support.services import services_required
from tests.support.waiting import wait_until

def _pg_bin() -> Path:
    """``SUBLARR_TEST_PG_BIN``, else the newest Debian PostgreSQL's bin directory."""
    configured = os.environ.get("SUBLARR_TEST_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
PG_USER = "postgres"


def missing(what: str) -> None:
    """Skip, or fail in CI (``SUBLARR_REQUIRE_SERVICES=1``), like tests.support.services."""
    if services_required():
        pytest.fail(f"{what} (SUBLARR_REQUIRE_SERVICES=1)")
    pytest.skip(what)


# -- PostgreSQL -----------------------------------------------------------------

class PostgresCluster:
    """``initdb`` + ``pg_ctl`` in a temporary directory, on a free port of 127.0.0.1.

    PostgreSQL refuses to run as root, so when the tests run as root the
    cluster belongs to the ``postgres`` user and its commands run through
    ``runuser``.
    """

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            missing(f"PostgreSQL binaries not found in {PG_BIN}")
        self._as = self._runner()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sublarr-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, PG_USER, PG_USER)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.root} -c fsync=off")
        self._options = options
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _runner() -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            import pwd

            pwd.getpwnam(PG_USER)
        except KeyError:
            missing(f"running as root and there is no {PG_USER!r} user for PostgreSQL")
        return ["runuser", "-u", PG_USER, "--"]

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        done = subprocess.run([*self._as, str(PG_BIN / tool), *args], capture_output=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"{tool} failed: {done.stdout!r} {done.stderr!r}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options,
                  "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        done = subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True, check=False)
        return done.returncode == 0

    def __enter__(self) -> "PostgresCluster":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# -- Redis ----------------------------------------------------------------------

class RedisServer:
    """A ``redis-server`` of the test's own: no persistence, stopped on exit.

    ``freeze``/``thaw`` (SIGSTOP/SIGCONT) make it unreachable the nasty way:
    connections are still accepted by the kernel, but nothing answers.
    """

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, timeout=15, interval=0.05, what="redis-server to answer")

    def ping(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server cannot exit
            self.proc.kill()
            self.proc.wait(10)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- SQLite lock held by another process -----------------------------------------

_LOCKER = textwrap.dedent("""
    import sqlite3, sys, time
    path, mode, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    if mode == "read":
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM webhook_deliveries").fetchall()
    elif mode == "exclusive":
        conn.execute("BEGIN EXCLUSIVE")
    elif mode == "backup":
        target = sqlite3.connect(sys.argv[4])
        deadline = time.monotonic() + seconds
        rounds = 0
        # the backup API, a few pages per step, over and over for the whole time
        while time.monotonic() < deadline:
            conn.backup(target, pages=1, sleep=0.01)
            rounds += 1
        print("backups", rounds, flush=True)
        sys.exit(0)
    print("held", flush=True)
    time.sleep(seconds)
    conn.execute("ROLLBACK")
""")


class SqliteHolder:
    """Another process holding ``path``: a read transaction, an exclusive lock,
    or a backup running again and again, for ``seconds``."""

    def __init__(self, path: Path, mode: str, seconds: float) -> None:
        args = [sys.executable, "-c", _LOCKER, str(path), mode, str(seconds)]
        if mode == "backup":
            args.append(str(Path(path).with_suffix(".backup")))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        if mode != "backup":
            line = self.proc.stdout.readline()
            assert line.strip() == "held", self.proc.stderr.read()

    def wait(self, timeout: float) -> str:
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, err
        return out

    def __enter__(self) -> "SqliteHolder":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def integrity(path: Path) -> str:
    import sqlite3

    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# -- the API as a client sees it --------------------------------------------------

@dataclass
class Call:
    method: str
    path: str
    status: int             # 0: no answer (connection error or client timeout)
    seconds: float
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Api:
    """Calls the served API and keeps every answer (status, JSON, time)."""

    def __init__(self, server: ServerProcess, timeout: float = 30.0) -> None:
        self.base = f"{server.url}/api/v1"
        self.timeout = timeout
        self.calls: list[Call] = []
        self._session = requests.Session()
        self._session.headers["X-Api-Key"] = server.api_key

    def call(self, method: str, path: str, json: Any = None, timeout: float | None = None
             ) -> Call:
        started = time.monotonic()
        try:
            resp = self._session.request(method, self.base + path, json=json,
                                         timeout=timeout or self.timeout)
            status, headers = resp.status_code, dict(resp.headers)
            try:
                body = resp.json()
            except ValueError:
                body = resp.text
        except requests.RequestException as exc:
            status, headers, body = 0, {}, repr(exc)
        result = Call(method, path, status, time.monotonic() - started, body, headers)
        self.calls.append(result)
        return result

    def get(self, path: str, **kw: Any) -> Call:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Call:
        return self.call("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Call:
        return self.call("PUT", path, json=json, **kw)

    def statuses(self, since: int = 0) -> Counter:
        return Counter(c.status for c in self.calls[since:])

    def close(self) -> None:
        self._session.close()


def sonarr_test_event(api: Api, marker: str) -> Call:
    """Sonarr's "Test" webhook: emits ``webhook_received`` (``data.title`` = ``marker``)
    and stores nothing else."""
    return api.post("/webhook/sonarr", {"eventType": "Test", "series": {"title": marker}})


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def assert_unavailable(call: Call) -> None:
    """A JSON 503 that names the database and says when to retry."""
    assert call.status == 503, (call.method, call.path, call.status, call.body)
    assert call.body["error"]["code"] == "database_unavailable", call.body
    assert int(call.headers["Retry-After"]) >= 1
