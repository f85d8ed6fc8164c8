"""The whisper subsystem."""

from __future__ import annotations

from flask import Flask

from sublarr.events.bus import Envelope
from sublarr.library.roots import roots_of
from sublarr.services import Services
from sublarr.whisper.queue import WhisperQueue

COMPONENT_KEY = "whisper_queue"


def init_whisper(app: Flask, services: Services) -> None:
    """Create the transcription queue, requeue abandoned jobs and start the workers."""
    queue = WhisperQueue(services.db, services.settings, services.bus, services.progress,
                         services.settings.current.data_dir, roots_of(services).confine)
    services.components[COMPONENT_KEY] = queue

    def on_config(envelope: Envelope) -> None:
        if "whisper_workers" in envelope["data"].get("updated_keys", []):
            queue.resize_workers()

    services.bus.subscribe(on_config, names=["config_updated"])
    services.on_shutdown("whisper queue", queue.stop)
    queue.start()


def queue_of(services: Services) -> WhisperQueue:
    return services.components[COMPONENT_KEY]
