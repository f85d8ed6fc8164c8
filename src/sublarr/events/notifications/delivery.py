"""One attempt of a delivery: an HTTP POST for a webhook, apprise for a notification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping

from sublarr.events.notifications import channel, templates
from sublarr.events.webhooks.policy import Verdict
from sublarr.events.webhooks.repo import NOTIFICATION  # the channel kind
from sublarr.events.webhooks.request import Endpoint, attempt
from sublarr.events.webhooks.sender import AttemptResult, HttpSender


@dataclass(frozen=True)
class NotifyResult(AttemptResult):
    """An apprise attempt: no HTTP status; a failure is retried (apprise does not tell a
    lasting failure from a passing one)."""

    delivered: bool = False

    @cached_property
    def verdict(self) -> Verdict:
        return Verdict.SUCCESS if self.delivered else Verdict.RETRY


def notify(endpoint: Endpoint, envelope: Mapping[str, Any]) -> NotifyResult:
    """Render the channel's templates for ``envelope`` and send them with apprise."""
    title, body = templates.render(endpoint.title_template, endpoint.body_template, envelope)
    sent = channel.send(endpoint.url, title, body, float(endpoint.timeout_seconds))
    return NotifyResult(None, None, sent.error, sent.duration_ms, None, sent.started_at,
                        delivered=sent.delivered)


def deliver(sender: HttpSender, endpoint: Endpoint, delivery_id: str, event_name: str,
            event_id: str, payload: str) -> AttemptResult:
    """One attempt of a stored delivery (``payload``: the envelope's JSON)."""
    if endpoint.kind == NOTIFICATION:
        try:
            envelope = json.loads(payload)
        except ValueError:
            return NotifyResult(None, None, "stored event is not valid JSON", 0)
        return notify(endpoint, envelope)
    return attempt(sender, endpoint, delivery_id, event_name, event_id,
                   payload.encode("utf-8"))
