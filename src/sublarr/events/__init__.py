"""The event system: catalog, bus, Socket.IO bridge, hooks and webhooks.

Public surface: :func:`emit_event`, :data:`CATALOG`, :func:`init_event_system`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from sublarr.events.bridge import connect_bridge
from sublarr.events.bus import Envelope, EventPayloadError, UnknownEventError
from sublarr.events.catalog import CATALOG, PROGRESS_STREAMS
from sublarr.events.hooks import init_hooks
from sublarr.events.webhooks import init_webhooks
from sublarr.services import services_of

__all__ = [
    "CATALOG",
    "PROGRESS_STREAMS",
    "EventPayloadError",
    "UnknownEventError",
    "emit_event",
    "init_event_system",
]


def emit_event(name: str, data: dict[str, Any] | None = None, app: Flask | None = None) -> Envelope:
    """Emit a catalog event from the current app (or ``app``) and return its envelope.

    Background threads without an app context pass ``app`` or hold the bus
    (``services.bus``) and call ``bus.emit`` directly.
    """
    return services_of(app or current_app).bus.emit(name, data)


def init_event_system(app: Flask) -> None:
    """Wire the bus to Socket.IO, the webhook outbox and the hook engine."""
    services = services_of(app)
    connect_bridge(services.bus, services.socketio)
    init_webhooks(app, services)
    init_hooks(app, services)
