"""The library subsystem."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from sublarr.api.errors import error_response
from sublarr.library.api import (
    INTAKE_COMPONENT,
    SOURCES_COMPONENT,
    STANDALONE_COMPONENT,
    TASKS_COMPONENT,
)
from sublarr.library.intake import SINK_COMPONENT, WebhookIntake
from sublarr.library.roots import ROOTS_COMPONENT, LibraryRoots, OutsideLibraryRoots
from sublarr.library.series_cache import SeriesCache
from sublarr.library.sources import LibraryHealth, LibrarySources, new_http_session
from sublarr.library.standalone import StandaloneWatcher
from sublarr.outbound_http import OnDemandSession
from sublarr.services import Services

STANDALONE_KEYS = frozenset({"standalone_folders", "standalone_debounce_seconds"})


def init_library(app: Flask, services: Services) -> None:
    """Create the subsystem's long-lived objects and register their shutdown."""
    settings = services.settings
    session = OnDemandSession(new_http_session)  # made on the first *arr call
    sources = LibrarySources(lambda: settings.current, session, LibraryHealth(),
                             SeriesCache(services.db))
    services.components[SOURCES_COMPONENT] = sources
    services.on_shutdown("library http session", session.close)
    services.components[ROOTS_COMPONENT] = LibraryRoots(lambda: settings.current,
                                                        sources.arr_root_folders)
    app.register_error_handler(OutsideLibraryRoots, _outside_roots)

    def sink():  # noqa: ANN202 - the wanted pipeline, looked up when work arrives
        return services.components.get(SINK_COMPONENT)

    intake = WebhookIntake(services.progress, sink, services.db)
    services.components[INTAKE_COMPONENT] = intake
    services.on_shutdown("webhook intake", intake.shutdown)
    intake.resume()

    tasks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="library-task")
    services.components[TASKS_COMPONENT] = tasks
    services.on_shutdown("library tasks", lambda: tasks.shutdown(wait=True, cancel_futures=True))

    watcher = StandaloneWatcher(
        services.bus, sink, folders=lambda: list(settings.current.standalone_folders),
        debounce=lambda: settings.current.standalone_debounce_seconds)
    services.components[STANDALONE_COMPONENT] = watcher
    watcher_started = False

    def start_watcher() -> None:
        nonlocal watcher_started
        if not watcher_started:
            watcher_started = True
            watcher.start()
        else:
            watcher.reconfigure()

    if settings.current.standalone_folders:
        tasks.submit(start_watcher)

    def on_config(envelope: dict) -> None:
        if STANDALONE_KEYS & set(envelope["data"].get("updated_keys", [])):
            tasks.submit(start_watcher)

    services.bus.subscribe(on_config, names=["config_updated"])
    services.on_shutdown("standalone watcher", watcher.stop)


def _outside_roots(exc: OutsideLibraryRoots):  # noqa: ANN202
    """403 with one message whether or not the path exists (nothing about it leaks)."""
    return error_response(403, "outside_library_roots", str(exc),
                          {"path": exc.path} if exc.path is not None else None)
