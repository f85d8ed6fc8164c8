"""The event system: catalog, bus, Socket.IO bridge, hooks and webhooks.

Public surface: :func:`emit_event`, :data:`CATALOG` and
:func:`sublarr.events.system.init_event_system` (kept in its own module so
importing the catalog never drags in the hook engine and the scheduler).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from sublarr.events.bus import Envelope, EventPayloadError, UnknownEventError
from sublarr.events.catalog import CATALOG, PROGRESS_STREAMS

__all__ = [
    "CATALOG",
    "PROGRESS_STREAMS",
    "EventPayloadError",
    "UnknownEventError",
    "emit_event",
]

EXTENSION_KEY = "sublarr"  # same key as sublarr.services.EXTENSION_KEY


def emit_event(name: str, data: dict[str, Any] | None = None, app: Flask | None = None) -> Envelope:
    """Emit a catalog event from the current app (or ``app``) and return its envelope.

    Background threads without an app context pass ``app`` or hold the bus
    (``services.bus``) and call ``bus.emit`` directly.
    """
    return (app or current_app).extensions[EXTENSION_KEY].bus.emit(name, data)
