"""Start-up wiring of the event system: bridge, webhook outbox, hook engine."""

from __future__ import annotations

from flask import Flask

from sublarr.events.bridge import connect_bridge
from sublarr.events.delivery_metrics import DeliveryMetrics
from sublarr.events.hooks.lifecycle import init_hooks
from sublarr.events.webhooks.lifecycle import init_webhooks
from sublarr.services import services_of


def init_event_system(app: Flask) -> None:
    """Wire the bus to Socket.IO, the webhook outbox and the hook engine."""
    services = services_of(app)
    connect_bridge(services.bus, services.socketio)
    metrics = DeliveryMetrics(services.metrics.registry)
    init_webhooks(app, services, metrics)
    init_hooks(app, services, metrics)
