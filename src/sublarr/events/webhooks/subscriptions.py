"""Which webhooks want which event: an immutable snapshot, swapped on every change.

The producer reads it on every ``emit`` without a lock or a query; it is
rebuilt from ``webhook_configs`` when this process changes a webhook and
periodically (another process may have changed one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Iterable

from sublarr.events.webhooks import repo as webhook_configs
from sublarr.db.engine import Database
from sublarr.events.catalog import CATALOG, WILDCARD
from sublarr.events.webhooks.request import Endpoint

Target = tuple[int, int]  # (webhook_id, max_attempts)


@dataclass(frozen=True)
class Subscriptions:
    """Every webhook by id, and the enabled targets of each catalog event."""

    endpoints: dict[int, Endpoint] = field(default_factory=dict)
    by_event: dict[str, tuple[Target, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, endpoints: Iterable[Endpoint]) -> "Subscriptions":
        by_id = {e.webhook_id: e for e in endpoints}
        targets: dict[str, list[Target]] = {name: [] for name in CATALOG}
        for endpoint in by_id.values():
            if not endpoint.enabled:
                continue
            names = CATALOG if endpoint.event_name == WILDCARD else (endpoint.event_name,)
            for name in names:
                if name in targets:
                    targets[name].append((endpoint.webhook_id, endpoint.max_attempts))
        return cls(by_id, {name: tuple(t) for name, t in targets.items() if t})

    def targets_for(self, event_name: str) -> tuple[Target, ...]:
        return self.by_event.get(event_name, ())

    def enabled_ids(self) -> list[int]:
        return [wid for wid, e in self.endpoints.items() if e.enabled]


class SubscriptionRegistry:
    """Holds the current :class:`Subscriptions`; ``reload`` re-reads the table."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._current = Subscriptions()

    @property
    def current(self) -> Subscriptions:
        return self._current

    def reload(self) -> Subscriptions:
        with self._lock:
            with self._db.session() as session:
                endpoints = [endpoint_of(row) for row in webhook_configs.list_all(session)]
            self._current = Subscriptions.build(endpoints)
            return self._current


def endpoint_of(row) -> Endpoint:  # noqa: ANN001 - WebhookConfig row
    return Endpoint(
        webhook_id=row.id,
        name=row.name,
        url=row.url,
        event_name=row.event_name,
        secret=row.secret or "",
        headers=tuple(webhook_configs.headers_of(row).items()),
        retry_count=row.retry_count,
        timeout_seconds=row.timeout_seconds,
        enabled=bool(row.enabled),
    )
