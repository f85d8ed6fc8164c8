"""HTTP/1.1 on the wire: the request head we send, the response httptools parses.

Pure formatting and parsing over a socket handed in by the pool
(:mod:`sublarr.events.http_pool`): the request head is built here and sent
with the body in one ``sendall``; the response goes through httptools
(llhttp), which costs a small fraction of http.client's header parsing
through :mod:`email`.
"""

from __future__ import annotations

import re
import socket
from http.client import HTTPException, RemoteDisconnected
from typing import Mapping, NamedTuple
from urllib.parse import urlsplit

import httptools

DEFAULT_PORTS = {"http": 80, "https": 443}
RECV_SIZE = 65536
# Checked before anything is sent, and never quoted: a URL's query may hold a token.
_BAD_URL_CHARS = re.compile("[\x00-\x20\x7f]")
# RFC 9110: a field name is a token; a value holds no control character but HTAB.
_TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_METHOD = re.compile(_TOKEN)
_HEADER_NAMES = re.compile(f"{_TOKEN}(?::{_TOKEN})*")  # matched against ":".join(names)
_BAD_VALUE_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
# The pool frames the body itself; a second Content-Length would make the
# request ambiguous to the server (request smuggling).
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
_PARSER_ERRORS = (httptools.HttpParserError, httptools.HttpParserUpgrade)
_REASON_LIMIT = 100

Origin = tuple[str, str, int]


class InvalidRequest(ValueError):
    """A URL or header that cannot be sent; the message never quotes the value."""


class HttpParserError(HTTPException):
    """The response is not valid HTTP/1.1 (llhttp's reason, never the bytes)."""


class Target(NamedTuple):
    """A parsed URL: whom to connect to, and what to put in the request line."""

    origin: Origin  # the host in ASCII (IDNA), without brackets
    request_target: str  # path plus query
    host_header: str


def parse_target(url: str) -> Target:
    """Split an http(s) URL; :class:`InvalidRequest` for anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidRequest(f"unsupported URL scheme {scheme[:16]!r} (http or https only)")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise InvalidRequest("URL has an invalid port") from None
    if not parts.hostname:
        raise InvalidRequest("URL has no host")
    host = _ascii_host(parts.hostname)
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if _BAD_URL_CHARS.search(request_target) or not request_target.isascii():
        raise InvalidRequest("URL path or query contains spaces, control or non-ASCII characters")
    host_header = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        host_header = f"{host_header}:{port}"
    return Target((scheme, host, port), request_target, host_header)


def _ascii_host(host: str) -> str:
    if _BAD_URL_CHARS.search(host):
        raise InvalidRequest("URL host contains spaces or control characters")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidRequest("URL host is not a valid host name") from None


def check_headers(headers: Mapping[str, str]) -> None:
    """:class:`InvalidRequest` unless every name is a token and no value has a control char."""
    # Two regex calls over joined strings instead of two per header: this runs per POST.
    if headers and not _HEADER_NAMES.fullmatch(":".join(headers)):
        raise InvalidRequest("a header name is not a valid HTTP token")
    if _BAD_VALUE_CHARS.search("".join(headers.values())):
        raise InvalidRequest("a header value contains control characters (e.g. CR or LF)")


def check_sendable_headers(headers: Mapping[str, str]) -> None:
    """:class:`InvalidRequest` unless ``headers`` pass every rule :func:`request_head`
    applies when sending (tokens, no control characters, no framing headers, Latin-1)."""
    check_headers(headers)
    _sets_host(headers)
    try:
        "".join(f"{name}{value}" for name, value in headers.items()).encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest("a header contains characters outside Latin-1") from None


def request_head(method: str, target: Target, length: int, headers: Mapping[str, str]
                 ) -> bytes:
    """The request line and header block; ``headers`` must have passed :func:`check_headers`."""
    if not _METHOD.fullmatch(method):
        raise InvalidRequest("the method is not a valid HTTP token")
    host = "" if _sets_host(headers) else f"Host: {target.host_header}\r\n"
    fields = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    head = (f"{method} {target.request_target} HTTP/1.1\r\n{host}"
            f"Content-Length: {length}\r\n{fields}\r\n")
    try:
        return head.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest("a header contains characters outside Latin-1") from None


def _sets_host(headers: Mapping[str, str]) -> bool:
    """Whether the caller sends its own Host; :class:`InvalidRequest` for framing headers."""
    # Substring tests per POST; the per-name look only when one might match.
    lowered = ":".join(headers).lower()
    if not ("host" in lowered or "content-length" in lowered or "transfer-encoding" in lowered):
        return False
    names = {name.lower() for name in headers}
    if names & _FRAMING_HEADERS:
        raise InvalidRequest("Content-Length and Transfer-Encoding are set by the pool")
    return "host" in names


class _ExtraBytes(Exception):
    """Raised from a callback to stop llhttp at a second message on one response."""


class Response:
    """One response as llhttp reports it: status, raw headers, a body prefix.

    The ``on_*`` methods are llhttp's callbacks; :meth:`read_head` and
    :meth:`read_body` feed it from the socket.
    """

    __slots__ = ("status", "received", "headers_done", "complete", "keep_alive",
                 "extra", "eof", "size", "_keep", "_chunks", "_headers", "_interim", "_parser")

    def __init__(self) -> None:
        self.status = 0
        self.received = False  # any byte at all: a stale connection sends none
        self.headers_done = self.complete = self.keep_alive = False
        self.extra = self.eof = self._interim = False
        self.size = 0  # body bytes seen, kept or not
        self._keep = RECV_SIZE  # body bytes to keep; read_body narrows it
        self._chunks: list[bytes] = []
        self._headers: list[tuple[bytes, bytes]] = []
        self._parser: httptools.HttpResponseParser | None = httptools.HttpResponseParser(self)

    @property
    def reusable(self) -> bool:
        """Read to its end, keep-alive, and nothing after it: the connection is clean."""
        return self.complete and self.keep_alive and not (self.extra or self.eof)

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """Every value of header ``name`` (any case), comma-joined, or ``default``."""
        wanted = name.lower().encode("latin-1")
        values = [value.decode("latin-1") for key, value in self._headers
                  if key.lower() == wanted]
        return ", ".join(values) if values else default

    def body(self) -> bytes:
        return b"".join(self._chunks)[:self._keep]

    def read_head(self, sock: socket.socket) -> None:
        """Receive until the final (non-1xx) status line and headers are parsed."""
        while not self.headers_done:
            if not self._receive(sock):
                if not self.received:
                    raise RemoteDisconnected("Remote end closed connection without response")
                self._end_of_stream()

    def read_body(self, sock: socket.socket, limit: int) -> None:
        """Receive until the message ends or more than ``limit`` body bytes arrived."""
        self._keep = limit + 1
        while not self.complete and self.size <= limit:
            if not self._receive(sock):
                self._end_of_stream()

    def release(self) -> None:
        # The parser holds bound methods of self: break the cycle for refcounting.
        self._parser = None

    def _receive(self, sock: socket.socket) -> bool:
        """Feed one ``recv`` to llhttp; False at EOF."""
        data = sock.recv(RECV_SIZE)
        if not data:
            return False
        self.received = True
        try:
            self._parser.feed_data(data)
        except _PARSER_ERRORS as exc:
            if not self.complete:
                reason = str(exc)[:_REASON_LIMIT] or type(exc).__name__
                raise HttpParserError(reason) from None
            # After a complete message: more bytes, an upgrade, or data after
            # "Connection: close". The response stands; the connection does not.
            self.extra = True
        return True

    def _end_of_stream(self) -> None:
        # llhttp_finish is not exposed: a body without Content-Length or chunked
        # coding ends at EOF; any other EOF before the end is a truncation.
        self.eof = True
        if self.headers_done and not self._framed():
            self.complete = True
            return
        raise HttpParserError("Invalid EOF state")

    def _framed(self) -> bool:
        for key, value in self._headers:
            key = key.lower()
            if key == b"content-length" or (key == b"transfer-encoding"
                                            and b"chunked" in value.lower()):
                return True
        return False

    # -- llhttp callbacks -----------------------------------------------------
    def on_message_begin(self) -> None:
        if self.complete:
            raise _ExtraBytes

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        # 1xx (but 101, which ends HTTP here) precede the real response: skip them.
        self._interim = 100 <= status < 200 and status != 101
        if not self._interim:
            self.status = status
            self.headers_done = True

    def on_body(self, chunk: bytes) -> None:
        if self.size < self._keep:
            self._chunks.append(chunk)
        self.size += len(chunk)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            self._headers = []
            return
        self.complete = True
        # Asked now: llhttp resets the flags it is computed from after this callback.
        self.keep_alive = self._parser.should_keep_alive()
