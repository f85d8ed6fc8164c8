"""Prometheus metrics, one registry per app (no global state)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

# Any other method a client sends is counted as "other": the label set stays bounded.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The ``method`` label of a request: the method itself when standard, else ``other``."""
    return method if method in KNOWN_METHODS else "other"


class Metrics:
    """Counters exposed at ``GET /metrics``; subsystems may add their own to ``registry``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events_emitted = Counter(
            "sublarr_events_emitted_total", "Events emitted, by name", ["event"],
            registry=self.registry,
        )
        self._event_counters: dict[str, Any] = {}
        self.http_requests = Counter(
            "sublarr_http_requests_total", "HTTP requests, by method, route and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.http_duration = Histogram(
            "sublarr_http_request_duration_seconds", "HTTP request duration", ["route"],
            registry=self.registry,
        )

    def count_event(self, name: str) -> None:
        # One labelled child per event name, looked up once: this runs in every emit.
        child = self._event_counters.get(name)
        if child is None:
            child = self._event_counters[name] = self.events_emitted.labels(event=name)
        child.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
