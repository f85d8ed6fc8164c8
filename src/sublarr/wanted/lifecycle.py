"""The wanted subsystem."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Callable

from flask import Flask

from sublarr.library.api import SOURCES_COMPONENT
from sublarr.library.intake import SINK_COMPONENT
from sublarr.library.sources import arr_connections
from sublarr.profiles.service import PROFILES_COMPONENT, ProfileService
from sublarr.services import Services
from sublarr.tasks.lifecycle import TASKS_COMPONENT
from sublarr.tasks.registry import TaskRegistry, TaskSpec
from sublarr.wanted import repo
from sublarr.wanted.api import BATCH_COMPONENT
from sublarr.wanted.batch import BatchSearch
from sublarr.wanted.probe_cache import ProbeCache
from sublarr.wanted.queue import TASK_NAME as SEARCH_TASK
from sublarr.wanted.queue import SearchQueue
from sublarr.wanted.scanner import WantedScanner
from sublarr.wanted.search import SEARCHER_COMPONENT
from sublarr.wanted.service import SCAN_TASK, ScanRunner, WantedPipeline
from sublarr.wanted.subtitles import EmbeddedProbe

if TYPE_CHECKING:  # annotations only
    from sublarr.config import Settings

SCHEDULE_KEYS = frozenset({"wanted_scan_interval_minutes", "wanted_scan_retry_seconds"})
QUEUE_KEYS = frozenset({"wanted_search_on_arrival", "wanted_retry_early_minutes",
                        "wanted_retry_early_days", "wanted_retry_middle_minutes",
                        "wanted_retry_middle_days", "wanted_retry_late_minutes"})
POOL_COMPONENT = "provider_pool"  # registered by the providers subsystem (after this one)


def init_wanted(app: Flask, services: Services) -> None:
    """Create the subsystem's long-lived objects and register their shutdown."""
    with services.db.session() as session:
        repo.reset_stale_searching(session)
    settings = lambda: services.settings.current  # noqa: E731
    tasks = services.components[TASKS_COMPONENT]
    queue = SearchQueue(services.db, services.bus, settings,
                        searcher=lambda: services.components.get(SEARCHER_COMPONENT),
                        providers_ready_in=lambda: _providers_ready_in(services), tasks=tasks)
    holder: dict[str, ScanRunner] = {}
    profiles = ProfileService(services.db, services.settings, services.bus,
                              on_change=lambda: holder["runner"].request_rescan())
    profiles.sync_default()
    services.components[PROFILES_COMPONENT] = profiles
    services.bus.subscribe(profiles.on_config_updated, names=["config_updated"])
    queue.profiles = profiles.book
    probe = EmbeddedProbe(shutil.which(services.settings.current.whisper_ffprobe_path) or "",
                          workers=lambda: settings().wanted_probe_workers,
                          timeout=lambda: settings().wanted_probe_timeout_seconds,
                          cache=ProbeCache(services.db))
    scanner = WantedScanner(services.db, settings, services.components[SOURCES_COMPONENT],
                            probe, profiles.book)
    runner = holder["runner"] = ScanRunner(
        scanner, services.bus, settings, tasks,
        after_scan=lambda report: queue.notify() if report.added else None,
        progress=services.progress)
    services.components[SINK_COMPONENT] = WantedPipeline(runner, queue)
    batch = BatchSearch(services.db, services.bus, services.progress, settings)
    batch.profiles = profiles.book
    services.components[BATCH_COMPONENT] = batch
    _register_tasks(tasks, runner, queue, settings)

    def on_config(envelope: dict) -> None:
        keys = set(envelope["data"].get("updated_keys", []))
        if SCHEDULE_KEYS & keys:
            runner.reschedule()
        if QUEUE_KEYS & keys:
            queue.notify()

    services.bus.subscribe(on_config, names=["config_updated"])
    runner.start_schedule()
    queue.start()
    current = services.settings.current
    if current.wanted_scan_on_start and (arr_connections(current) or current.standalone_folders):
        runner.request_scan()
    services.on_shutdown("wanted scans", runner.stop)
    services.on_shutdown("wanted batch search", batch.stop)
    services.on_shutdown("wanted search queue", queue.stop)
    services.on_shutdown("embedded subtitle probes", probe.stop)  # runs first: a scan ends sooner


def _providers_ready_in(services: Services) -> float | None:
    pool = services.components.get(POOL_COMPONENT)
    return 0.0 if pool is None else pool.ready_in()


def _register_tasks(tasks: TaskRegistry, runner: ScanRunner, queue: SearchQueue,
                    settings: Callable[[], Settings]) -> None:
    def scan_interval() -> float | None:
        minutes = settings().wanted_scan_interval_minutes
        return minutes * 60.0 if minutes > 0 else None

    tasks.register(TaskSpec(
        SCAN_TASK, "Wanted scan", trigger=runner.request_scan,
        running=lambda: runner.running, next_run=lambda: runner.next_run_at,
        interval_seconds=scan_interval))
    tasks.register(TaskSpec(
        SEARCH_TASK, "Wanted search", trigger=queue.make_all_due,
        running=lambda: queue.busy, next_run=queue.next_due_at))
