"""Wiring of the hook engine into the app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from sublarr.events.delivery_metrics import DeliveryMetrics
from sublarr.events.hooks.engine import COMPONENT_KEY, HookEngine
from sublarr.services import Services


def init_hooks(app: Flask, services: Services, metrics: DeliveryMetrics | None = None) -> None:
    """Start the hook engine and subscribe it to the bus."""
    settings = services.settings.current
    engine = HookEngine(services.db, services.bus, Path(settings.data_dir) / "hooks",
                        workers=settings.hook_workers, queue_size=settings.hook_queue_size,
                        count_run=metrics)
    engine.start()
    services.components[COMPONENT_KEY] = engine
    services.bus.subscribe(engine.dispatch)
    services.on_shutdown("hook engine", engine.shutdown)
