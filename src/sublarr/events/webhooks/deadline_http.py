"""urllib3 connections bounded by one deadline per attempt, with a capped response head.

:class:`AttemptClock` holds the deadline of the attempt running in each
thread; the connection classes set the socket timeout to what is left of it
before connecting, before every send and before every receive (a server
trickling bytes cannot stretch an attempt), and cap the status line plus
headers at :data:`HEAD_LIMIT` bytes.

The sender exchanges a request and its response on the connection itself
(:meth:`_DeadlineConnection.exchange`): urllib3 provides the pools, the
connecting (IPv6, TLS with SNI and certificate checks) and the dropped-connection
check; http.client frames the request and reads the response, as it does under
urllib3's own ``urlopen``, minus the retry, redirect and response-wrapping layers
that a webhook attempt never uses (about 100 µs of CPU per delivery, the largest
single cost of the pipeline).

Two steps of http.client cost more than the rest of a delivery's HTTP work
and are done here in one go instead: the request head (http.client checks
and buffers each header on its own; the sender checked them all at once
already, :func:`~sublarr.events.webhooks.sender.check_headers`) and the
response head (http.client hands it to the ``email`` package's parser).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import socket
import ssl
from typing import Mapping

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from sublarr.events.webhooks.attempt_clock import AttemptClock

HEAD_LIMIT = 64 * 1024  # status line and headers together, interim (1xx) ones included
MAX_HEADERS = 100       # as http.client


class ResponseHeadTooLarge(http.client.HTTPException):
    """The status line and headers exceed :data:`HEAD_LIMIT`."""


class _DeadlineReader(io.RawIOBase):
    """The socket's byte stream, each receive bounded by what is left of the attempt."""

    def __init__(self, sock: socket.socket, raw: io.RawIOBase, clock: AttemptClock) -> None:
        super().__init__()
        self._sock = sock
        # The socket's file object, not the socket itself: the socket stays open
        # while a response holds it, as http.client expects ("Connection: close").
        self._raw = raw
        self._clock = clock
        self.polling = False  # receive only what is already there, never wait

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:  # noqa: ANN001 - a writable buffer
        self._sock.settimeout(0.0 if self.polling else self._clock.remaining())
        try:
            count = self._raw.readinto(buffer)
        except ssl.SSLWantReadError:  # TLS's "nothing there yet" (plain sockets: None)
            if self.polling:
                return None
            raise
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
        # http.client's own buffered file, its raw socket file kept under our reader
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.fp.detach(), clock))

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
        """http.client's ``begin`` with a capped head parsed without the ``email`` package."""
        if self.headers is not None:
            return
        stream = self.fp
        limited = self.fp = _HeadLimit(stream, HEAD_LIMIT)  # type: ignore[assignment]
        try:
            while True:  # skip interim 100 Continue answers, as http.client does
                version, status, reason = self._read_status()
                fields = _read_fields(limited)
                if status != http.client.CONTINUE:
                    break
        finally:
            if self.fp is limited:  # else http.client closed it (a bad status line)
                self.fp = stream
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        message = http.client.HTTPMessage()
        first: dict[str, str] = {}  # lower-case name -> first value, as Message.get finds
        for name, value in fields:
            message[name] = value
            first.setdefault(name.lower(), value)
        self.headers = self.msg = message
        self._frame(status, first)

    def _frame(self, status: int, first: dict[str, str]) -> None:
        """Chunked or not, the body's length and whether the connection closes after it
        (http.client's rules, read from the fields without the ``email`` lookups)."""
        self.chunked = first.get("transfer-encoding", "").lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._closes(first)
        self.length = None
        length = first.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True

    def _closes(self, first: dict[str, str]) -> bool:
        connection = first.get("connection", "").lower()
        if self.version == 11:
            return "close" in connection
        # HTTP/1.0 closes unless the server said it keeps the connection alive
        return not ("keep-alive" in first or "keep-alive" in connection
                    or "keep-alive" in first.get("proxy-connection", "").lower())


def _read_fields(fp: _HeadLimit) -> list[tuple[str, str]]:
    """The header fields up to the blank line (continuation lines folded into one
    value; a line that is no field is skipped, as urllib3 only warns of it)."""
    fields: list[tuple[str, str]] = []
    while True:
        line = fp.readline()
        if line in (b"\r\n", b"\n", b""):
            return fields
        text = line.decode("iso-8859-1")
        if text[0] in " \t" and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if colon:
            fields.append((name, value.strip()))
            if len(fields) > MAX_HEADERS:
                raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")


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

    def exchange(self, target: str, body: bytes, headers: Mapping[str, str]
                 ) -> _BoundedResponse:
        """POST ``body`` and read the response head: http.client's response itself,
        without urllib3's response object and its copy of the headers (the
        sender reads the status, one header and an excerpt of the body).

        The whole head and the body go in one send; the header names and values
        were checked by the sender (framing headers are refused there)."""
        self.putrequest("POST", target)  # request line, Host, Accept-Encoding
        lines = [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self._buffer.append("\r\n".join(lines).encode("latin-1"))
        self._hold_head = True
        self.endheaders()  # the head is held back (see send) ...
        self.send(body)    # ... and goes out with the body
        return http.client.HTTPConnection.getresponse(self)  # type: ignore[return-value]

    def connect(self) -> None:
        self.timeout = self._clock.remaining()
        super().connect()
        self._clock.note_connected()

    def send(self, data) -> None:  # noqa: ANN001 - bytes or a file-like, as http.client takes
        if self._hold_head:  # the head, from exchange's endheaders: kept for the body
            self._hold_head, self._head = False, data
            return
        head, self._head = self._head, b""
        self._send_now(head + data if head else data)

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
