"""Hostile endpoints (raw sockets on 127.0.0.1) and helpers for the webhook tests.

The fixtures are found by pytest; test modules import the helpers from here.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any, Callable, Iterator

import pytest

from tests.support.waiting import wait_until as support_wait_until

# Short retry ladder and quick polling so retry tests take fractions of a second.
FAST_SETTINGS: dict[str, Any] = {
    "webhook_retry_base_seconds": 0.05,
    "webhook_poll_seconds": 0.1,
}


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02
               ) -> Any:
    """:func:`tests.support.waiting.wait_until` with this folder's default bound."""
    return support_wait_until(condition, timeout, interval)


class RawServer:
    """A TCP server on 127.0.0.1 whose per-connection behaviour is ``handle(conn)``."""

    def __init__(self, handle: Callable[[socket.socket, "RawServer"], None]) -> None:
        self._handle = handle
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.connections = 0
        self.bytes_sent = 0
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._safe_handle, args=(conn,), daemon=True).start()

    def _safe_handle(self, conn: socket.socket) -> None:
        try:
            self._handle(conn, self)
        except OSError:
            pass

    def add_sent(self, count: int) -> None:
        with self._lock:
            self.bytes_sent += count

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        with self._lock:
            for conn in self._open:
                try:
                    conn.close()
                except OSError:
                    pass
        self._sock.close()


def read_request(conn: socket.socket) -> bytes:
    """Read one request's head and its Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def never_answers(conn: socket.socket, server: RawServer) -> None:
    while not server._stop.is_set():  # read and ignore; never reply
        conn.settimeout(0.2)
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue


def _resets(conn: socket.socket, server: RawServer) -> None:
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # RST instead of an answer


HUGE_BODY = 50 * 1024 * 1024


def _huge_body(conn: socket.socket, server: RawServer) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n" % HUGE_BODY)
    chunk = b"x" * 65536
    conn.settimeout(5)
    sent = 0
    while sent < HUGE_BODY:
        try:
            conn.sendall(chunk)
        except (OSError, socket.timeout):
            return
        sent += len(chunk)
        server.add_sent(len(chunk))


@pytest.fixture
def silent_server() -> Iterator[RawServer]:
    """Accepts TCP connections and never answers."""
    server = RawServer(never_answers)
    yield server
    server.stop()


@pytest.fixture
def resetting_server() -> Iterator[RawServer]:
    """Reads the request, then resets the connection."""
    server = RawServer(_resets)
    yield server
    server.stop()


@pytest.fixture
def huge_body_server() -> Iterator[RawServer]:
    """Answers 200 with a 50 MB body (counts what it managed to send)."""
    server = RawServer(_huge_body)
    yield server
    server.stop()


def create_webhook(client, url: str, **fields: Any) -> dict[str, Any]:  # noqa: ANN001
    body = {"name": fields.pop("name", "test hook"), "url": url, **fields}
    resp = client.post("/api/v1/webhooks", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


def webhook_logs(services, webhook_id: int | None = None) -> list[dict[str, Any]]:  # noqa: ANN001
    from sublarr.db import hook_log

    with services.db.session() as session:
        rows, _ = hook_log.list_entries(session, hook_log.LogFilter(
            webhook_id=webhook_id, hook_type="webhook"), limit=10_000)
        return [hook_log.entry_to_dict(r) for r in rows]


def webhook_row(client, webhook_id: int) -> dict[str, Any]:  # noqa: ANN001
    resp = client.get(f"/api/v1/webhooks/{webhook_id}")
    assert resp.status_code == 200
    return resp.json
