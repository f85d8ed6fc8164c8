"""One HTTP attempt of a webhook delivery: headers, POST, bounded read, verdict.

Connections are pooled and kept alive (urllib3); redirects are never
followed; at most :data:`EXCERPT_LIMIT` bytes of a response are read, and a
longer body closes the connection instead of being drained.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import parse_url

from sublarr.events.retry_policy import Verdict, classify, parse_retry_after
from sublarr.events.signing import signature_headers

EXCERPT_LIMIT = 4096
USER_AGENT = "Sublarr-Webhook/1.0"
ERROR_LIMIT = 500
# Headers a user's static headers may not set: ours, or ones that break framing.
RESERVED_HEADERS = frozenset({
    "content-type", "content-length", "transfer-encoding", "host", "connection",
    "user-agent", "x-sublarr-event", "x-sublarr-delivery", "x-sublarr-signature",
    "webhook-id", "webhook-timestamp", "webhook-signature",
})


@dataclass(frozen=True)
class Endpoint:
    """A webhook as the dispatcher needs it (a snapshot of its config row)."""

    webhook_id: int
    name: str
    url: str
    event_name: str
    secret: str
    headers: tuple[tuple[str, str], ...]
    retry_count: int
    timeout_seconds: int
    enabled: bool

    @property
    def max_attempts(self) -> int:
        return self.retry_count + 1


@dataclass(frozen=True)
class AttemptResult:
    """What one POST produced."""

    status_code: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None

    @property
    def verdict(self) -> Verdict:
        return classify(self.status_code)

    @property
    def success(self) -> bool:
        return self.verdict is Verdict.SUCCESS


def encode_envelope(envelope: Mapping[str, Any]) -> str:
    """The request body: compact JSON (UTF-8 when encoded)."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def request_headers(
    endpoint: Endpoint, delivery_id: str, event_name: str, event_id: str, body: bytes,
    timestamp: int,
) -> dict[str, str]:
    """Every header of one attempt; user headers can never replace ours."""
    headers = {k: v for k, v in endpoint.headers if k.lower() not in RESERVED_HEADERS}
    headers.update({
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Sublarr-Event": event_name,
        "X-Sublarr-Delivery": delivery_id,
    })
    headers.update(signature_headers(endpoint.secret, event_id, timestamp, body))
    return headers


def describe_error(exc: BaseException, timeout: float) -> str:
    """A short, secret-free description of a transport failure."""
    # NewConnectionError subclasses the timeout error in urllib3; it is a refusal.
    if isinstance(exc, Urllib3Timeout) and not isinstance(exc, NewConnectionError):
        return f"Timeout after {timeout:g}s"
    if isinstance(exc, ProtocolError) and exc.args and isinstance(exc.args[-1], BaseException):
        exc = exc.args[-1]
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LIMIT]


class HttpSender:
    """Pooled keep-alive POSTs; one instance per dispatcher, shared by its workers.

    One urllib3 connection pool per scheme/host/port, looked up without
    re-parsing the URL on every send.
    """

    def __init__(self, max_connections: int, max_pools: int = 256) -> None:
        self._max_connections = max_connections
        self._max_pools = max_pools
        self._lock = threading.Lock()
        self._targets: dict[str, tuple[urllib3.HTTPConnectionPool, str]] = {}

    def _target(self, url: str) -> tuple[urllib3.HTTPConnectionPool, str]:
        found = self._targets.get(url)
        if found is not None:
            return found
        with self._lock:
            if len(self._targets) >= self._max_pools:
                self._close_all()
            parsed = parse_url(url)
            pool = urllib3.connection_from_url(
                url, maxsize=self._max_connections, block=False, retries=False)
            found = self._targets[url] = (pool, parsed.request_uri)
            return found

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
             ) -> AttemptResult:
        """POST once; never raises for network trouble (it becomes the result's error)."""
        started = time.perf_counter()
        try:
            pool, target = self._target(url)
            response = pool.urlopen(
                "POST", target, body=body, headers=headers, retries=False, redirect=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                preload_content=False, decode_content=False, assert_same_host=False,
            )
        except (Urllib3Error, OSError, ValueError) as exc:
            return AttemptResult(None, None, describe_error(exc, timeout), _ms_since(started))
        try:
            excerpt = _read_excerpt(response)
        except (Urllib3Error, OSError) as exc:
            # Status is known; a body that breaks off mid-way does not change the verdict.
            excerpt = f"[response body unreadable: {describe_error(exc, timeout)}]"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        return AttemptResult(response.status, excerpt, error, _ms_since(started), retry_after)

    def close(self) -> None:
        with self._lock:
            self._close_all()

    def _close_all(self) -> None:
        for pool, _ in self._targets.values():
            pool.close()
        self._targets = {}


def _read_excerpt(response: urllib3.BaseHTTPResponse) -> str | None:
    """At most EXCERPT_LIMIT bytes; a longer body closes the connection (never drained)."""
    try:
        data = response.read(EXCERPT_LIMIT + 1)
        # ``closed`` turns true once the body's end was read (then the
        # connection is already back in the pool).
        complete = len(data) <= EXCERPT_LIMIT and response.closed
    except BaseException:
        response.close()
        response.release_conn()
        raise
    if complete:
        response.release_conn()
    else:
        response.close()
        response.release_conn()
    if not data:
        return None
    return data[:EXCERPT_LIMIT].decode("utf-8", "replace")


def _ms_since(started: float) -> int:
    return max(int((time.perf_counter() - started) * 1000), 0)


def attempt(sender: HttpSender, endpoint: Endpoint, delivery_id: str, event_name: str,
            event_id: str, body: bytes, now: float | None = None) -> AttemptResult:
    """Sign and POST one delivery to ``endpoint``."""
    timestamp = int(time.time() if now is None else now)
    headers = request_headers(endpoint, delivery_id, event_name, event_id, body, timestamp)
    return sender.post(endpoint.url, body, headers, float(endpoint.timeout_seconds))
