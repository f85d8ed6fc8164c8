"""One HTTP attempt of a webhook delivery: headers, POST, bounded read, verdict.

Connections are pooled and kept alive (:mod:`sublarr.events.http_pool`: plain
sockets, responses parsed by httptools; about a quarter of urllib3's CPU per
POST); redirects are never followed; at most :data:`EXCERPT_LIMIT` bytes of a
response are read, and a longer body closes the connection instead of being
drained.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cached_property
from http.client import HTTPException
from typing import Any, Mapping

from sublarr.events.http_pool import HttpPool
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

    # Computed once: the dispatcher and the recorder ask several times per delivery.
    @cached_property
    def verdict(self) -> Verdict:
        return classify(self.status_code)

    @cached_property
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
    if isinstance(exc, TimeoutError):  # socket and TLS timeouts alike
        return f"Timeout after {timeout:g}s"
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LIMIT]


class HttpSender:
    """Pooled keep-alive POSTs; one instance per dispatcher, shared by its workers.

    At most ``max_connections`` idle connections are kept per scheme/host/port,
    for at most ``max_pools`` of them.
    """

    def __init__(self, max_connections: int, max_pools: int = 256) -> None:
        self._pool = HttpPool(max_idle=max_connections, max_origins=max_pools)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float
             ) -> AttemptResult:
        """POST once; never raises for network trouble (it becomes the result's error)."""
        started = time.perf_counter()
        try:
            exchange = self._pool.request("POST", url, body, headers, timeout)
        except (OSError, HTTPException, ValueError) as exc:
            return AttemptResult(None, None, describe_error(exc, timeout), _ms_since(started))
        try:
            data = exchange.read_body(EXCERPT_LIMIT)
            excerpt = data[:EXCERPT_LIMIT].decode("utf-8", "replace") if data else None
        except (OSError, HTTPException) as exc:
            # Status is known; a body that breaks off mid-way does not change the verdict.
            excerpt = f"[response body unreadable: {describe_error(exc, timeout)}]"
        status = exchange.response.status
        retry_after = parse_retry_after(exchange.response.getheader("Retry-After"))
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return AttemptResult(status, excerpt, error, _ms_since(started), retry_after)

    def close(self) -> None:
        self._pool.close()


def _ms_since(started: float) -> int:
    return max(int((time.perf_counter() - started) * 1000), 0)


def attempt(sender: HttpSender, endpoint: Endpoint, delivery_id: str, event_name: str,
            event_id: str, body: bytes, now: float | None = None) -> AttemptResult:
    """Sign and POST one delivery to ``endpoint``."""
    timestamp = int(time.time() if now is None else now)
    headers = request_headers(endpoint, delivery_id, event_name, event_id, body, timestamp)
    return sender.post(endpoint.url, body, headers, float(endpoint.timeout_seconds))
