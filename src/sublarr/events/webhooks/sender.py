"""POSTs of webhook deliveries on urllib3, one attempt at a time (see
:mod:`~sublarr.events.webhooks.deadline_http` for the deadline and the head cap).

One keep-alive urllib3 connection pool per origin (scheme, host, port). An
attempt is one request on one of its connections, never retried (the outbox
schedules retries) and never redirected (a redirect is a final answer); only
an idle connection the server had closed before answering is replaced once. Each attempt has one deadline for connecting,
sending and reading the whole response: the socket timeout is what is left of
it before every send and every receive, so a server trickling bytes cannot
stretch an attempt. The response head is capped at :data:`HEAD_LIMIT` bytes
and at most :data:`EXCERPT_LIMIT` bytes of the body are read (a longer body
closes the connection instead of being drained). A response that is cut short
or late is a failed attempt.
"""

from __future__ import annotations

import http.client
import re
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Mapping
from urllib.parse import urlsplit

from sublarr.events.webhooks.attempt_clock import AttemptClock
from sublarr.events.webhooks.policy import Verdict, classify, parse_webhook_retry_after

if TYPE_CHECKING:  # urllib3 is imported with the first delivery, not at start
    import urllib3

EXCERPT_LIMIT = 4096
URL_CACHE_LIMIT = 4096  # webhooks have few distinct URLs; this only bounds churn
ERROR_LIMIT = 500
DEFAULT_PORTS = {"http": 80, "https": 443}
# Checked before anything is sent, and never quoted: a URL's query may hold a token.
_BAD_URL_CHARS = re.compile("[\x00-\x20\x7f]")
# RFC 9110: a field name is a token; a value holds no control character but HTAB.
_HEADER_NAMES = re.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+(?::[!#$%&'*+.^_`|~0-9A-Za-z-]+)*")
_BAD_VALUE_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
# urllib3 frames the body; a second Content-Length would make the request
# ambiguous to the server (request smuggling).
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
# What a connection the server closed while it sat idle raises on reuse, before
# any response byte: nothing was processed, so one fresh attempt is safe.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError,
                            BrokenPipeError)

Origin = tuple[str, str, int]


class InvalidRequest(ValueError):
    """A URL or header that cannot be sent; the message never quotes the value."""


@dataclass(frozen=True)
class AttemptResult:
    """What one POST produced."""

    status_code: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None
    started_at: datetime | None = None  # wall clock, for the run log

    # Computed once: the scheduler and the recorder ask several times per delivery.
    @cached_property
    def verdict(self) -> Verdict:
        return classify(self.status_code)

    @cached_property
    def success(self) -> bool:
        return self.verdict is Verdict.SUCCESS


def parse_origin(url: str) -> tuple[Origin, str]:
    """The origin and request target (path plus query) of an http(s) URL."""
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
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if _BAD_URL_CHARS.search(target) or not target.isascii():
        raise InvalidRequest("URL path or query contains spaces, control or non-ASCII characters")
    return (scheme, _ascii_host(parts.hostname), port), target


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
    """:class:`InvalidRequest` unless every header can go on the wire as given."""
    if headers and not _HEADER_NAMES.fullmatch(":".join(headers)):
        raise InvalidRequest("a header name is not a valid HTTP token")
    values = "".join(headers.values())
    if _BAD_VALUE_CHARS.search(values):
        raise InvalidRequest("a header value contains control characters (e.g. CR or LF)")
    try:
        values.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest("a header contains characters outside Latin-1") from None
    if {name.lower() for name in headers} & _FRAMING_HEADERS:
        raise InvalidRequest("Content-Length and Transfer-Encoding are set by the sender")


def describe_error(exc: BaseException, timeout: float) -> str:
    """A short, secret-free description of a transport failure (the root cause's)."""
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    exc = root_cause(exc)
    if isinstance(exc, (TimeoutError, Urllib3Timeout)):  # socket, TLS and deadline alike
        return f"Timeout after {timeout:g}s"
    return f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]


def root_cause(exc: BaseException) -> BaseException:
    """The error under urllib3's wrappers (ProtocolError, SSLError, NewConnectionError)."""
    from urllib3.exceptions import HTTPError as Urllib3Error

    while isinstance(exc, Urllib3Error):
        inner = exc.__cause__ or next(
            (arg for arg in exc.args if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        exc = inner
    return exc


class HttpSender:
    """Pooled keep-alive POSTs, shared by the sender threads of one scheduler.

    At most ``max_connections`` idle connections are kept per origin, for at
    most ``max_pools`` origins (the least recently used pool is closed).
    """

    def __init__(self, max_connections: int, max_pools: int = 256) -> None:
        self._max_connections = max_connections
        self._max_pools = max_pools
        self._clock = AttemptClock()
        self._lock = threading.Lock()
        self._pools: OrderedDict[Origin, urllib3.HTTPConnectionPool] = OrderedDict()
        self._tls: ssl.SSLContext | None = None
        self._targets: dict[str, tuple[Origin, str]] = {}  # parsed URLs (few distinct ones)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
             ) -> AttemptResult:
        """POST once; never raises for network trouble (it becomes the result's error)."""
        started, started_at = time.perf_counter(), datetime.now(timezone.utc)
        self._clock.start(timeout)
        try:
            origin, target = self._parsed(url)
            check_headers(headers)
            response, data = self._send(origin, target, body, headers)
        except Exception as exc:  # noqa: BLE001 - every failure is the attempt's result
            error = describe_error(exc, timeout)
            if self._clock.expired() and not error.startswith("Timeout"):
                error = f"Timeout after {timeout:g}s ({error})"
            return AttemptResult(None, None, error, _ms_since(started), None, started_at)
        excerpt = data[:EXCERPT_LIMIT].decode("utf-8", "replace") if data else None
        status = response.status
        retry_after = parse_webhook_retry_after(response.getheader("Retry-After"))
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return AttemptResult(status, excerpt, error, _ms_since(started), retry_after, started_at)

    def close(self) -> None:
        """Close every idle connection; the sender stays usable."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            pool.close()

    def _send(self, origin: Origin, target: str, body: bytes, headers: Mapping[str, str]
              ) -> tuple[http.client.HTTPResponse, bytes]:
        pool = self._pool_for(origin)
        try:
            return self._exchange(pool, target, body, headers)
        except _STALE_CONNECTION_ERRORS:
            if not self._clock.reused_and_silent():
                raise  # a fresh connection failed, or the server had started answering
        return self._exchange(pool, target, body, headers)

    @staticmethod
    def _exchange(pool: urllib3.HTTPConnectionPool, target: str, body: bytes,
                  headers: Mapping[str, str]) -> tuple[http.client.HTTPResponse, bytes]:
        """One request on a connection of ``pool`` and at most EXCERPT_LIMIT + 1 bytes
        of its body; the connection goes back to the pool, closed unless the
        response was read to its end and the server keeps it open."""
        conn = pool._get_conn()  # an idle connection (if still open) or a new one
        response: http.client.HTTPResponse | None = None
        reusable = False
        try:
            response = conn.exchange(target, body, headers)
            data = response.read(EXCERPT_LIMIT + 1)
            if response.length and len(data) <= EXCERPT_LIMIT:  # EOF before Content-Length
                raise http.client.IncompleteRead(data, response.length)
            # A longer body is not drained: reconnecting costs less than reading it.
            reusable = response.isclosed() and not response.will_close
            return response, data
        finally:
            if not reusable:
                if response is not None:
                    response.close()
                conn.close()
            pool._put_conn(conn)

    def _parsed(self, url: str) -> tuple[Origin, str]:
        parsed = self._targets.get(url)
        if parsed is None:
            parsed = parse_origin(url)  # InvalidRequest is not cached
            if len(self._targets) >= URL_CACHE_LIMIT:
                self._targets = {}
            self._targets[url] = parsed
        return parsed

    def _pool_for(self, origin: Origin) -> urllib3.HTTPConnectionPool:
        with self._lock:
            pool = self._pools.get(origin)
            if pool is not None:
                self._pools.move_to_end(origin)
                return pool
            evicted = self._pools.popitem(last=False)[1] if len(
                self._pools) >= self._max_pools else None
            pool = self._pools[origin] = self._new_pool(origin)
        if evicted is not None:
            evicted.close()  # a busy connection of it is closed when handed back
        return pool

    def _new_pool(self, origin: Origin) -> urllib3.HTTPConnectionPool:
        from sublarr.events.webhooks.deadline_http import DeadlineHTTPPool, DeadlineHTTPSPool

        scheme, host, port = origin
        options = {"maxsize": self._max_connections, "block": False, "retries": False,
                   "clock": self._clock}
        if scheme == "http":
            return DeadlineHTTPPool(host, port, **options)
        if self._tls is None:
            # One context for every origin: loading the CA store costs milliseconds.
            from urllib3.util.ssl_ import create_urllib3_context

            context = create_urllib3_context()
            context.load_default_certs()
            self._tls = context
        return DeadlineHTTPSPool(host, port, ssl_context=self._tls, **options)


def _ms_since(started: float) -> int:
    return max(int((time.perf_counter() - started) * 1000), 0)
