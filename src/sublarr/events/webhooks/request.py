"""One attempt of a webhook delivery: the endpoint, the body, the signed headers.

The POST itself is :class:`~sublarr.events.webhooks.sender.HttpSender`'s.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from sublarr.events.webhooks.sender import AttemptResult, HttpSender
from sublarr.events.webhooks.signing import signature_headers

USER_AGENT = "Sublarr-Webhook/1.0"
# Headers a user's static headers may not set: ours, or ones that break framing.
RESERVED_HEADERS = frozenset({
    "content-type", "content-length", "transfer-encoding", "host", "connection",
    "user-agent", "x-sublarr-event", "x-sublarr-delivery", "x-sublarr-signature",
    "webhook-id", "webhook-timestamp", "webhook-signature",
})


@dataclass(frozen=True)
class Endpoint:
    """A webhook or notification channel as the scheduler needs it (a snapshot of its
    config row)."""

    webhook_id: int
    name: str
    url: str
    events: tuple[str, ...]
    secret: str
    headers: tuple[tuple[str, str], ...]
    retry_count: int
    timeout_seconds: int
    enabled: bool
    filters: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)
    kind: str = "http"  # or "notification": sent with apprise (events.notifications)
    title_template: str = ""
    body_template: str = ""

    @property
    def max_attempts(self) -> int:
        return self.retry_count + 1


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


def attempt(sender: HttpSender, endpoint: Endpoint, delivery_id: str, event_name: str,
            event_id: str, body: bytes, now: float | None = None) -> AttemptResult:
    """Sign and POST one delivery to ``endpoint``."""
    timestamp = int(time.time() if now is None else now)
    headers = request_headers(endpoint, delivery_id, event_name, event_id, body, timestamp)
    return sender.post(endpoint.url, body, headers, float(endpoint.timeout_seconds))
