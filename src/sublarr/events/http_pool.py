"""Keep-alive HTTP/1.1 connections on plain sockets, pooled per origin.

An origin is ``(scheme, host, port)``. Each keeps a stack of idle connections,
reused newest first (the newest is the least likely to have been closed by the
server). From checkout until its response was read, a connection belongs to
one thread only; then it goes back to the stack or is closed.

What goes over a connection (request head, response parsing) is in
:mod:`sublarr.events.http_wire`. Redirects are never followed, and a response
body is never drained: :meth:`Exchange.read_body` reads a bounded prefix and
closes the connection when more is left.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from typing import Mapping

from sublarr.events.http_wire import (
    HttpParserError,
    InvalidRequest,
    Origin,
    Response,
    Target,
    check_headers,
    parse_target,
    request_head,
)

# Webhooks have few distinct URLs; the bound only guards against unbounded churn.
URL_CACHE_LIMIT = 4096
# What a connection the server closed while it sat idle raises on reuse, before
# any response byte; nothing was processed, so one fresh attempt is safe.
# (RemoteDisconnected, raised for EOF, subclasses ConnectionResetError.)
_STALE_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError)

__all__ = ["HttpParserError", "HttpPool", "InvalidRequest", "is_dropped"]


def is_dropped(sock: socket.socket) -> bool:
    """True when an idle connection is unusable.

    An idle keep-alive socket has nothing to say: readable means EOF, a reset
    or stray bytes, all of which make it unusable.
    """
    if sock.fileno() < 0:
        return True
    poller = select.poll()  # not select.select: file descriptors may exceed 1024
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class IdleConnections:
    """The idle connections of one origin, at most ``limit``, newest reused first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._idle: list[socket.socket] = []
        self._closed = False

    def take(self) -> socket.socket | None:
        """A live idle connection, now owned by the caller; None when there is none."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                sock = self._idle.pop()
            if not is_dropped(sock):
                return sock
            sock.close()

    def give(self, sock: socket.socket) -> None:
        """Keep ``sock`` for reuse, or close it when full (or evicted)."""
        with self._lock:
            if not self._closed and len(self._idle) < self._limit:
                self._idle.append(sock)
                return
        sock.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


class Exchange:
    """A response whose body is yet to be read; :meth:`read_body` settles the connection."""

    __slots__ = ("response", "_sock", "_idle")

    def __init__(self, response: Response, sock: socket.socket, idle: IdleConnections) -> None:
        self.response = response
        self._sock = sock
        self._idle = idle

    def read_body(self, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of the body (more than ``limit``: it was longer).

        A fully read keep-alive response returns the connection to its pool;
        otherwise it is closed, because draining a long or endless body costs
        more than a new connection.
        """
        response = self.response
        try:
            response.read_body(self._sock, limit)
        except BaseException:
            self._sock.close()
            raise
        finally:
            response.release()
        if response.reusable and response.size <= limit:
            self._idle.give(self._sock)
        else:
            self._sock.close()
        return response.body()


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

        Raises OSError (timeouts, refusals, TLS), http.client.HTTPException
        (:class:`HttpParserError`, RemoteDisconnected) or :class:`InvalidRequest`.
        Only a reused connection that turns out stale is retried, once, on a
        new connection.
        """
        target = self._target(url)
        check_headers(headers)
        payload = request_head(method, target, len(body), headers) + body
        idle = self._idle_for(target.origin)
        sock = idle.take()
        if sock is not None:
            if sock.gettimeout() != timeout:
                sock.settimeout(timeout)
            response = Response()
            try:
                return self._exchange(sock, idle, payload, response)
            except _STALE_CONNECTION_ERRORS:
                if response.received:
                    raise  # the server had started answering: it may have acted on it
        sock = self._connect(target.origin, timeout)
        return self._exchange(sock, idle, payload, Response())

    def close(self) -> None:
        """Close every idle connection; the pool stays usable."""
        with self._lock:
            pools, self._pools = self._pools, {}
        for idle in pools.values():
            idle.close()

    @staticmethod
    def _exchange(sock: socket.socket, idle: IdleConnections, payload: bytes,
                  response: Response) -> Exchange:
        try:
            sock.sendall(payload)
            response.read_head(sock)
        except BaseException:
            response.release()
            sock.close()
            raise
        return Exchange(response, sock, idle)

    def _connect(self, origin: Origin, timeout: float) -> socket.socket:
        scheme, host, port = origin
        sock = socket.create_connection((host, port), timeout)
        try:
            # The head and body go in one segment, but the next request must not
            # wait for the delayed ACK of this one (Nagle).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                return self._tls_context().wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        return sock

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

    def _tls_context(self) -> ssl.SSLContext:
        # Built once: loading the CA store costs milliseconds.
        if self._tls is None:
            with self._lock:
                if self._tls is None:
                    context = ssl.create_default_context()
                    context.set_alpn_protocols(["http/1.1"])
                    self._tls = context
        return self._tls
