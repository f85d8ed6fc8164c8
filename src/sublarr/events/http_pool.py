"""Keep-alive HTTP/1.1 connections on the stdlib :mod:`http.client`, pooled per origin.

An origin is ``(scheme, host, port)``. Each keeps a stack of idle connections,
reused newest first (the newest is the least likely to have been closed by the
server). From checkout until its response was read, a connection belongs to
one thread only; then it goes back to the stack or is closed.

Redirects are never followed (http.client does not), and a response body is
never drained: :meth:`Exchange.read_body` reads a bounded prefix and closes
the connection when more is left.
"""

from __future__ import annotations

import re
import select
import ssl
import threading
from http.client import HTTPConnection, HTTPResponse, HTTPSConnection
from typing import Mapping, NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Webhooks have few distinct URLs; the bound only guards against unbounded churn.
URL_CACHE_LIMIT = 4096
# http.client rejects these too, but quoting the URL (and a token in its query).
_BAD_URL_CHARS = re.compile("[\x00-\x20\x7f]")
# RFC 9110: a field name is a token; a value holds no control character but HTAB.
# http.client only rejects CR/LF in values (NUL passes) and is lax about names.
_TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_HEADER_NAMES = re.compile(f"{_TOKEN}(?::{_TOKEN})*")  # matched against ":".join(names)
_BAD_VALUE_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
# What a connection the server closed while it sat idle raises on reuse, before
# any status line; nothing was processed, so one fresh attempt is safe.
# (RemoteDisconnected subclasses ConnectionResetError.)
_STALE_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError)

Origin = tuple[str, str, int]


class InvalidRequest(ValueError):
    """A URL or header that cannot be sent; the message never quotes the value."""


class Target(NamedTuple):
    """A parsed URL: whom to connect to, and what to put in the request line."""

    origin: Origin
    request_target: str  # path plus query


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
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if _BAD_URL_CHARS.search(request_target):
        raise InvalidRequest("URL path or query contains spaces or control characters")
    return Target((scheme, parts.hostname, port), request_target)


def check_headers(headers: Mapping[str, str]) -> None:
    """:class:`InvalidRequest` unless every name is a token and no value has a control char."""
    # Two regex calls over joined strings instead of two per header: this runs per POST.
    if headers and not _HEADER_NAMES.fullmatch(":".join(headers)):
        raise InvalidRequest("a header name is not a valid HTTP token")
    if _BAD_VALUE_CHARS.search("".join(headers.values())):
        raise InvalidRequest("a header value contains control characters (e.g. CR or LF)")


def is_dropped(conn: HTTPConnection) -> bool:
    """True when an idle connection is unusable.

    An idle keep-alive socket has nothing to say: readable means EOF, a reset
    or stray bytes, all of which make it unusable.
    """
    if conn.sock is None:
        return True
    poller = select.poll()  # not select.select: file descriptors may exceed 1024
    poller.register(conn.sock, select.POLLIN)
    return bool(poller.poll(0))


class IdleConnections:
    """The idle connections of one origin, at most ``limit``, newest reused first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._idle: list[HTTPConnection] = []
        self._closed = False

    def take(self) -> HTTPConnection | None:
        """A live idle connection, now owned by the caller; None when there is none."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            if not is_dropped(conn):
                return conn
            conn.close()

    def give(self, conn: HTTPConnection) -> None:
        """Keep ``conn`` for reuse, or close it when full (or evicted)."""
        with self._lock:
            if not self._closed and len(self._idle) < self._limit:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class Exchange:
    """A response whose body is yet to be read; :meth:`read_body` settles the connection."""

    __slots__ = ("response", "_conn", "_idle")

    def __init__(self, response: HTTPResponse, conn: HTTPConnection,
                 idle: IdleConnections) -> None:
        self.response = response
        self._conn = conn
        self._idle = idle

    def read_body(self, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of the body (more than ``limit``: it was longer).

        A fully read keep-alive response returns the connection to its pool;
        otherwise it is closed, because draining a long or endless body costs
        more than a new connection.
        """
        response = self.response
        try:
            data = response.read(limit + 1)
        except BaseException:
            self._discard()
            raise
        if len(data) <= limit and response.isclosed() and not response.will_close:
            self._idle.give(self._conn)
        else:
            self._discard()
        return data

    def _discard(self) -> None:
        # With ``Connection: close`` http.client hands the socket to the response.
        self.response.close()
        self._conn.close()


class HttpPool:
    """Keep-alive connections for many origins, shared by several threads.

    At most ``max_idle`` idle connections are kept per origin and at most
    ``max_origins`` origins; the oldest origin is dropped (its idle
    connections closed) to make room for a new one.
    """

    def __init__(self, max_idle: int, max_origins: int) -> None:
        self._max_idle = max_idle
        self._max_origins = max_origins
        self._lock = threading.Lock()
        self._targets: dict[str, Target] = {}
        self._pools: dict[Origin, IdleConnections] = {}
        self._tls: ssl.SSLContext | None = None

    def request(self, method: str, url: str, body: bytes, headers: Mapping[str, str],
                timeout: float) -> Exchange:
        """Send one request and read the response head; every wait is bounded by ``timeout``.

        Raises OSError (timeouts, refusals, TLS), http.client.HTTPException or
        :class:`InvalidRequest`. Only a reused connection that turns out stale
        is retried, once, on a new connection.
        """
        target = self._target(url)
        check_headers(headers)
        idle = self._idle_for(target.origin)
        conn = idle.take()
        if conn is not None:
            if conn.timeout != timeout:
                conn.timeout = timeout
                conn.sock.settimeout(timeout)
            try:
                return self._exchange(conn, idle, method, target, body, headers)
            except _STALE_CONNECTION_ERRORS:
                pass  # closed by the server while idle: one try on a new connection
        conn = self._connection(target.origin, timeout)
        return self._exchange(conn, idle, method, target, body, headers)

    def close(self) -> None:
        """Close every idle connection; the pool stays usable."""
        with self._lock:
            pools, self._pools = self._pools, {}
        for idle in pools.values():
            idle.close()

    def _exchange(self, conn: HTTPConnection, idle: IdleConnections, method: str,
                  target: Target, body: bytes, headers: Mapping[str, str]) -> Exchange:
        try:
            conn.request(method, target.request_target, body=body, headers=headers)
            return Exchange(conn.getresponse(), conn, idle)
        except OSError:  # before ValueError: certificate errors are both
            conn.close()
            raise
        except ValueError as exc:
            conn.close()
            # http.client's message quotes the offending value, e.g. an Authorization header.
            raise InvalidRequest(_invalid_header_message(exc)) from None
        except BaseException:
            conn.close()
            raise

    def _target(self, url: str) -> Target:
        # Parsing costs more than a dict lookup, and the same URLs come back all the time.
        target = self._targets.get(url)
        if target is None:
            target = parse_target(url)
            with self._lock:
                if len(self._targets) >= URL_CACHE_LIMIT:
                    self._targets = {}
                self._targets[url] = target
        return target

    def _idle_for(self, origin: Origin) -> IdleConnections:
        idle = self._pools.get(origin)
        if idle is not None:
            return idle
        evicted = None
        with self._lock:
            idle = self._pools.get(origin)
            if idle is None:
                if len(self._pools) >= self._max_origins:
                    evicted = self._evict_oldest()
                idle = self._pools[origin] = IdleConnections(self._max_idle)
        if evicted is not None:
            evicted.close()
        return idle

    def _evict_oldest(self) -> IdleConnections:
        # Insertion order is a cheap stand-in for least recently used: an
        # evicted origin that is still busy only costs a new connection.
        return self._pools.pop(next(iter(self._pools)))

    def _connection(self, origin: Origin, timeout: float) -> HTTPConnection:
        # Not connected yet: http.client connects on the first request, with
        # ``timeout`` on the socket and TCP_NODELAY set.
        scheme, host, port = origin
        if scheme == "https":
            return HTTPSConnection(host, port, timeout=timeout, context=self._tls_context())
        return HTTPConnection(host, port, timeout=timeout)

    def _tls_context(self) -> ssl.SSLContext:
        # Built once: loading the CA store costs milliseconds.
        if self._tls is None:
            with self._lock:
                if self._tls is None:
                    context = ssl.create_default_context()
                    context.set_alpn_protocols(["http/1.1"])
                    self._tls = context
        return self._tls


def _invalid_header_message(exc: ValueError) -> str:
    if isinstance(exc, UnicodeError):
        return "a header contains characters outside Latin-1"
    return "the URL host or a header contains characters HTTP does not allow"
