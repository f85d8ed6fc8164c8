"""The gunicorn worker: gthread, except that no thread waits for a slow client.

gunicorn's gthread worker hands a connection to a thread as soon as a byte
arrives, and that thread then blocks reading the rest of the request; as
many half-sent requests as there are threads stall the server (slowloris),
and nothing ever times them out.  Here the worker's event loop reads each
request head (and a small body) itself, without blocking, and a thread
gets the connection only once the request is complete.  A request that is
not complete within ``HEAD_TIMEOUT_SECONDS`` is dropped.  Threads are left
for the application; idle keep-alive connections cost none either.
"""

from __future__ import annotations

import re
import selectors
import socket
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

HEAD_TIMEOUT_SECONDS = 10.0
MAX_BUFFERED_BYTES = 64 * 1024  # larger requests go to a thread once this much arrived
_HEAD_END = b"\r\n\r\n"
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.IGNORECASE)


def request_complete(buffered: bytes) -> bool:
    """True once ``buffered`` holds a whole request head and the body it announces.

    (Only a hint for when to start a thread: gunicorn's parser still parses
    the request, and rejects what is malformed.)"""
    end = buffered.find(_HEAD_END)
    if end < 0:
        return False
    head = b"\r\n" + buffered[:end + 2]
    body = len(buffered) - end - len(_HEAD_END)
    if _CHUNKED.search(head):
        return buffered.endswith(b"\r\n0\r\n\r\n") or buffered.endswith(b"\n0\r\n\r\n")
    length = _LENGTH.search(head)
    return body >= (int(length.group(1)) if length else 0)


class SublarrWorker(ThreadWorker):
    """gthread with request heads read by the event loop (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading: deque[tuple[float, TConn]] = deque()  # (deadline, conn), oldest first

    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except OSError:
            return  # EAGAIN, ECONNABORTED: another worker or the client gave up
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())
        self._start_reading(conn)

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection has a new request coming: read it here first."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_reading(conn)

    def _start_reading(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        conn.sublarr_buffer = b""  # type: ignore[attr-defined]
        conn.sublarr_deadline = time.monotonic() + HEAD_TIMEOUT_SECONDS  # type: ignore[attr-defined]
        self._reading.append((conn.sublarr_deadline, conn))  # type: ignore[attr-defined]
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))

    def _on_bytes(self, conn: TConn, _sock: socket.socket) -> None:
        try:
            data = conn.sock.recv(MAX_BUFFERED_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client closed the connection
            self._drop(conn)
            return
        buffered = conn.sublarr_buffer + data  # type: ignore[attr-defined]
        conn.sublarr_buffer = buffered  # type: ignore[attr-defined]
        if request_complete(buffered) or len(buffered) >= MAX_BUFFERED_BYTES:
            self._hand_over(conn)

    def _hand_over(self, conn: TConn) -> None:
        self.poller.unregister(conn.sock)
        conn.sublarr_deadline = None  # type: ignore[attr-defined]
        conn.data_ready = True
        self.enqueue_req(conn)

    def _drop(self, conn: TConn) -> None:
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        conn.sublarr_deadline = None  # type: ignore[attr-defined]
        self.nr_conns -= 1
        conn.close()

    def handle(self, conn: TConn) -> Any:
        buffered = getattr(conn, "sublarr_buffer", b"")
        if buffered:
            conn.sublarr_buffer = b""  # type: ignore[attr-defined]
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(buffered)
        return super().handle(conn)

    def murder_keepalived(self, force: bool = False) -> None:
        super().murder_keepalived(force)
        now = time.monotonic()
        while self._reading:
            deadline, conn = self._reading[0]
            if conn.sublarr_deadline is not deadline:  # type: ignore[attr-defined]
                self._reading.popleft()  # handed over or dropped already
                continue
            if deadline > now and not force:
                break
            self._reading.popleft()
            self._drop(conn)
