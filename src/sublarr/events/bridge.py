"""Socket.IO bridge: catalog events and progress streams to browser clients."""

from __future__ import annotations

import logging
from typing import Any

from flask_socketio import SocketIO

from sublarr.events.bus import Envelope, EventBus
from sublarr.events.catalog import PROGRESS_STREAMS

log = logging.getLogger(__name__)


class UnknownStreamError(ValueError):
    """A progress stream name that SPEC does not list."""


def connect_bridge(bus: EventBus, socketio: SocketIO) -> None:
    """Forward every catalog event to Socket.IO clients under its own name, ``data`` as message."""

    def forward(envelope: Envelope) -> None:
        socketio.emit(envelope["event_name"], envelope["data"])

    bus.subscribe(forward)


class ProgressStream:
    """Progress updates (``job_update``, ``whisper_progress``…): Socket.IO only.

    They never pass through the bus, so hooks and webhooks never see them.
    """

    def __init__(self, socketio: SocketIO) -> None:
        self._socketio = socketio

    def emit(self, stream: str, data: dict[str, Any]) -> None:
        if stream not in PROGRESS_STREAMS:
            raise UnknownStreamError(f"unknown progress stream {stream!r}")
        try:
            self._socketio.emit(stream, data)
        except Exception:  # progress is best effort; never fail the job over it
            log.warning("progress stream %s could not be sent", stream, exc_info=True)
