"""The long-lived objects of one app, kept in ``app.extensions["sublarr"]``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from flask import Flask, current_app

if TYPE_CHECKING:  # annotations only: services is imported by modules that config imports
    from flask_socketio import SocketIO

    from sublarr.db.engine import Database
    from sublarr.events.bridge import ProgressStream
    from sublarr.events.bus import EventBus
    from sublarr.metrics import Metrics
    from sublarr.settings_store import SettingsStore

log = logging.getLogger(__name__)
EXTENSION_KEY = "sublarr"  # also read by sublarr.events.emit_event


@dataclass
class Services:
    """Everything the app owns; subsystems register theirs in ``components``."""

    settings: SettingsStore
    db: Database
    bus: EventBus
    socketio: SocketIO
    progress: ProgressStream
    metrics: Metrics
    api_key: str
    components: dict[str, Any] = field(default_factory=dict)
    _shutdown_steps: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    _closed: bool = False

    def on_shutdown(self, label: str, step: Callable[[], None]) -> None:
        """Run ``step`` at shutdown; steps run in reverse order of registration."""
        self._shutdown_steps.append((label, step))

    def shutdown(self) -> None:
        """Drain executors and close the database (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for label, step in reversed(self._shutdown_steps):
            try:
                step()
            except Exception:
                log.exception("shutdown step %s failed", label)
        self.db.close()


def services_of(app: Flask) -> Services:
    return app.extensions[EXTENSION_KEY]


def current_services() -> Services:
    """The services of the app handling the current request/app context."""
    return services_of(current_app)
