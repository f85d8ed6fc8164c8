"""urllib3 connections bounded by one deadline per attempt, with a capped response head.

:class:`AttemptClock` holds the deadline of the attempt running in each
thread; the connection classes set the socket timeout to what is left of it
before connecting, before every send and before every receive (a server
trickling bytes cannot stretch an attempt), and cap the status line plus
headers at :data:`HEAD_LIMIT` bytes.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import socket

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from sublarr.events.webhooks.attempt_clock import AttemptClock

HEAD_LIMIT = 64 * 1024  # status line and headers together, interim (1xx) ones included


class ResponseHeadTooLarge(http.client.HTTPException):
    """The status line and headers exceed :data:`HEAD_LIMIT`."""


class _DeadlineReader(io.RawIOBase):
    """The socket's byte stream, each receive bounded by what is left of the attempt."""

    def __init__(self, sock: socket.socket, clock: AttemptClock) -> None:
        super().__init__()
        self._sock = sock
        # makefile, not the socket itself: the socket stays open while a
        # response holds it, as http.client expects ("Connection: close").
        self._raw = sock.makefile("rb", buffering=0)
        self._clock = clock
        self.polling = False  # receive only what is already there, never wait

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:  # noqa: ANN001 - a writable buffer
        self._sock.settimeout(0.0 if self.polling else self._clock.remaining())
        count = self._raw.readinto(buffer)
        if count:
            self._clock.note_received(count)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


class _HeadLimit:
    """Wraps the response stream while http.client reads the head: at most ``limit`` bytes."""

    def __init__(self, fp: io.BufferedReader, limit: int) -> None:
        self._fp = fp
        self._left = limit

    def readline(self, size: int = -1) -> bytes:
        line = self._fp.readline(self._left + 1 if size < 0 else min(size, self._left + 1))
        self._left -= len(line)
        if self._left < 0:
            raise ResponseHeadTooLarge(f"response head larger than {HEAD_LIMIT // 1024} KiB")
        return line

    def close(self) -> None:
        self._fp.close()


class _BoundedResponse(http.client.HTTPResponse):
    """http.client's response over a deadline-bound stream, with a capped head."""

    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None,
                 url: str | None = None, *, clock: AttemptClock) -> None:
        super().__init__(sock, debuglevel, method, url)
        self._sock = sock
        self.fp.close()
        self.fp = io.BufferedReader(_DeadlineReader(sock, clock))

    def _close_conn(self) -> None:
        # The response is complete. Bytes after it (a second answer, junk) would
        # be read as the next response: the connection must not be reused.
        fp = self.fp
        if isinstance(fp, io.BufferedReader) and not fp.closed:
            fp.raw.polling = True
            try:
                trailing = bool(fp.peek(1))
            except OSError:
                trailing = True
            if trailing:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)  # urllib3 sees it dropped
        super()._close_conn()

    def begin(self) -> None:
        stream = self.fp
        limited = self.fp = _HeadLimit(stream, HEAD_LIMIT)  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            if self.fp is limited:  # else http.client closed it (no body to read)
                self.fp = stream


class _DeadlineConnection(HTTPConnection):
    """A urllib3 connection whose connect, sends and receives share the attempt's deadline."""

    def __init__(self, *args, clock: AttemptClock, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._clock = clock
        self.response_class = functools.partial(_BoundedResponse, clock=clock)
        # The request head is held back and sent with the body: one send, one
        # segment, one wake-up of the receiver instead of two.
        self._hold_head = False
        self._head = b""

    def connect(self) -> None:
        self.timeout = self._clock.remaining()
        super().connect()
        self._clock.note_connected()

    def endheaders(self, message_body=None, *, encode_chunked: bool = False) -> None:  # noqa: ANN001
        self._hold_head = message_body is None
        super().endheaders(message_body, encode_chunked=encode_chunked)

    def send(self, data) -> None:  # noqa: ANN001 - bytes or a file-like, as http.client takes
        if self._hold_head and isinstance(data, bytes):
            self._hold_head, self._head = False, data
            return
        if self._head:
            head, self._head = self._head, b""
            if isinstance(data, (bytes, bytearray)):
                data = head + data
            else:
                self._send_now(head)
        self._send_now(data)

    def getresponse(self):  # noqa: ANN201 - urllib3's response
        if self._head:  # a request without a body
            head, self._head = self._head, b""
            self._send_now(head)
        return super().getresponse()

    def close(self) -> None:
        self._hold_head, self._head = False, b""
        super().close()

    def _send_now(self, data) -> None:  # noqa: ANN001
        if self.sock is not None:
            self.sock.settimeout(self._clock.remaining())
        super().send(data)


class _DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection
