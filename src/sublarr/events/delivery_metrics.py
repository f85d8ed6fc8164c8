"""Prometheus series of finished runs and deliveries, per subscriber (SPEC "Subscriptions":
insight).

Labels are bounded: ``kind`` (the run log's hook_type: script | webhook |
notification) and the subscriber's numeric ``id`` (never its name or URL).
Each finished delivery or script run counts once, by outcome, and the
duration of its last attempt goes to the histogram.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from sublarr.events.runlog import Run, WEBHOOK

# Seconds: webhook POSTs on a LAN take milliseconds, notification services up to seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class DeliveryMetrics:
    """Called once per finished delivery (the webhook recorder) or script run (the hook
    engine)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        finished = Counter("sublarr_webhook_deliveries_total",
                           "Finished webhook deliveries, by outcome", ["outcome"],
                           registry=registry)
        self._delivered = finished.labels(outcome="delivered")
        self._failed = finished.labels(outcome="failed")
        self._by_subscriber = Counter(
            "sublarr_subscriber_deliveries_total",
            "Finished deliveries (script runs) per webhook, notification channel or hook, "
            "by outcome",
            ["kind", "id", "outcome"], registry=registry)
        self._latency = Histogram(
            "sublarr_subscriber_delivery_seconds",
            "Duration of the last attempt of each finished delivery, per subscriber",
            ["kind", "id"], buckets=BUCKETS, registry=registry)
        # Labelled children, looked up once per subscriber (labels() takes a lock
        # and builds a key every call; this runs for every finished delivery).
        self._children: dict[tuple[str, str, bool], tuple] = {}

    def __call__(self, run: Run) -> None:
        if run.hook_type == WEBHOOK:
            (self._delivered if run.success else self._failed).inc()
        key = (run.hook_type, str(run.subscriber_id), run.success)
        children = self._children.get(key)
        if children is None:
            kind, ident, _ = key
            children = self._children[key] = (
                self._by_subscriber.labels(kind=kind, id=ident,
                                           outcome="delivered" if run.success else "failed"),
                self._latency.labels(kind=kind, id=ident))
        children[0].inc()
        if run.attempts > 0:  # a delivery never attempted (e.g. its webhook was gone) took no time
            children[1].observe(run.duration_ms / 1000.0)

    def forget(self, kind: str, subscriber_id: int) -> None:
        """Drop a deleted subscriber's series (keeps the label set bounded)."""
        ident = str(subscriber_id)
        for success in (True, False):
            self._children.pop((kind, ident, success), None)
        for outcome in ("delivered", "failed"):
            try:
                self._by_subscriber.remove(kind, ident, outcome)
            except KeyError:
                pass
        try:
            self._latency.remove(kind, ident)
        except KeyError:
            pass
