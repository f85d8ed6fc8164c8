"""The wanted subsystem."""

from __future__ import annotations

from flask import Flask

from sublarr.library.api import SOURCES_COMPONENT
from sublarr.library.intake import SINK_COMPONENT
from sublarr.library.sources import arr_connections
from sublarr.services import Services
from sublarr.wanted import repo
from sublarr.wanted.api import BATCH_COMPONENT
from sublarr.wanted.batch import BatchSearch
from sublarr.wanted.scanner import WantedScanner
from sublarr.wanted.service import ScanRunner, WantedPipeline
from sublarr.wanted.subtitles import EmbeddedProbe

SCHEDULE_KEYS = frozenset({"wanted_scan_interval_minutes", "wanted_scan_retry_seconds"})


def init_wanted(app: Flask, services: Services) -> None:
    """Create the subsystem's long-lived objects and register their shutdown."""
    with services.db.session() as session:
        repo.reset_stale_searching(session)
    settings = lambda: services.settings.current  # noqa: E731
    scanner = WantedScanner(services.db, settings, services.components[SOURCES_COMPONENT],
                            EmbeddedProbe())
    runner = ScanRunner(scanner, services.bus, settings)
    services.components[SINK_COMPONENT] = WantedPipeline(runner)
    batch = BatchSearch(services.db, services.bus, services.progress)
    services.components[BATCH_COMPONENT] = batch

    def on_config(envelope: dict) -> None:
        if SCHEDULE_KEYS & set(envelope["data"].get("updated_keys", [])):
            runner.reschedule()

    services.bus.subscribe(on_config, names=["config_updated"])
    runner.start_schedule()
    current = services.settings.current
    if current.wanted_scan_on_start and (arr_connections(current) or current.standalone_folders):
        runner.request_scan()
    services.on_shutdown("wanted scans", runner.stop)
    services.on_shutdown("wanted batch search", batch.stop)
