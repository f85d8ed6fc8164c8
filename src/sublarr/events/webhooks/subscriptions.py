"""Which webhooks want which event: an immutable snapshot, swapped on every change.

The producer reads it on every ``emit`` without a lock or a query; it is
rebuilt from ``webhook_configs`` when this process changes a webhook and
periodically (another process may have changed one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sublarr.events.webhooks import repo as webhook_configs
from sublarr.db.engine import Database
from sublarr.events import subscription
from sublarr.events.catalog import CATALOG
from sublarr.events.subscription import Predicate
from sublarr.events.webhooks.request import Endpoint

Target = tuple[int, int]  # (webhook_id, max_attempts)
_NO_DATA: Mapping[str, Any] = {}


@dataclass(frozen=True)
class Subscriptions:
    """Every webhook by id, and the enabled targets of each catalog event.

    ``by_event`` holds the webhooks without filters (taken as they are);
    ``filtered`` those whose filters are checked against each event's data.
    """

    endpoints: dict[int, Endpoint] = field(default_factory=dict)
    by_event: dict[str, tuple[Target, ...]] = field(default_factory=dict)
    filtered: dict[str, tuple[tuple[Target, Predicate], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, endpoints: Iterable[Endpoint]) -> "Subscriptions":
        by_id = {e.webhook_id: e for e in endpoints}
        plain: dict[str, list[Target]] = {name: [] for name in CATALOG}
        checked: dict[str, list[tuple[Target, Predicate]]] = {name: [] for name in CATALOG}
        for endpoint in by_id.values():
            if not endpoint.enabled:
                continue
            target = (endpoint.webhook_id, endpoint.max_attempts)
            predicate = subscription.compile_filters(endpoint.filters)
            for name in subscription.expand(endpoint.events):
                if name not in plain:
                    continue
                if predicate is None:
                    plain[name].append(target)
                else:
                    checked[name].append((target, predicate))
        return cls(by_id, {name: tuple(t) for name, t in plain.items() if t},
                   {name: tuple(t) for name, t in checked.items() if t})

    def targets_for(self, event_name: str,
                    data: Mapping[str, Any] = _NO_DATA) -> tuple[Target, ...]:
        """The webhooks that want this event (filters checked against ``data``)."""
        plain = self.by_event.get(event_name, ())
        checked = self.filtered.get(event_name)
        if not checked:
            return plain
        return plain + tuple(target for target, matches in checked if _safe(matches, data))

    def widest(self) -> int:
        """The most webhooks one event can go to."""
        names = set(self.by_event) | set(self.filtered)
        return max((len(self.by_event.get(n, ())) + len(self.filtered.get(n, ()))
                    for n in names), default=1)

    def enabled_ids(self) -> list[int]:
        return [wid for wid, e in self.endpoints.items() if e.enabled]


def _safe(matches: Predicate, data: Mapping[str, Any]) -> bool:
    try:
        return matches(data)
    except Exception:  # a comparison the save-time checks did not foresee: no match
        return False


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
        events=tuple(webhook_configs.events_of(row)),
        secret=row.secret or "",
        headers=tuple(webhook_configs.headers_of(row).items()),
        retry_count=row.retry_count,
        timeout_seconds=row.timeout_seconds,
        enabled=bool(row.enabled),
        filters=tuple(webhook_configs.filters_of(row)),
        kind=row.kind or webhook_configs.HTTP,
        title_template=row.title_template or "",
        body_template=row.body_template or "",
    )
