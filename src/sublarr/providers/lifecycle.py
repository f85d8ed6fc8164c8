"""The providers subsystem: providers, pool, ranking and the subtitle searcher."""

from __future__ import annotations

from flask import Flask

from sublarr.library.intake import SINK_COMPONENT
from sublarr.library.roots import roots_of
from sublarr.outbound_http import install_log_redaction
from sublarr.providers.animetosho import AnimeToshoProvider
from sublarr.providers.base import Provider
from sublarr.providers.health import ProviderHealth
from sublarr.providers.http import ProviderHttp
from sublarr.providers.jimaku import JimakuProvider
from sublarr.providers.opensubtitles import OpenSubtitlesProvider
from sublarr.providers.pool import ProviderPool
from sublarr.providers.ranking import Ranker
from sublarr.providers.searcher import ProviderSearcher
from sublarr.providers.subdl import SubdlProvider
from sublarr.providers.resume import RESUME_CHECK_SECONDS, RESUME_TASK, ProviderResume
from sublarr.providers.upgrades import TASK_NAME as UPGRADE_TASK
from sublarr.providers.upgrades import UpgradeScheduler, scan_for_upgrades
from sublarr.profiles.service import PROFILES_COMPONENT
from sublarr.services import Services
from sublarr.tasks.lifecycle import TASKS_COMPONENT
from sublarr.tasks.periodic import PeriodicJob
from sublarr.tasks.registry import TaskRegistry, TaskSpec
from sublarr.wanted.search import SEARCHER_COMPONENT

POOL_COMPONENT = "provider_pool"
RANKER_COMPONENT = "scoring_ranker"
UPGRADES_COMPONENT = "upgrade_scheduler"
PROVIDER_CLASSES: tuple[type[Provider], ...] = (
    OpenSubtitlesProvider, JimakuProvider, AnimeToshoProvider, SubdlProvider)


def build_providers(services: Services) -> list[Provider]:
    def settings():  # noqa: ANN202 - always the live settings (they change through the API)
        return services.settings.current

    providers = []
    for cls in PROVIDER_CLASSES:
        health = ProviderHealth(cls.name, settings=settings)
        providers.append(cls(ProviderHttp(cls.name, health, settings), settings))
    return providers


def init_providers(app: Flask, services: Services) -> None:
    """Create the subsystem's long-lived objects and register their shutdown."""
    install_log_redaction()  # SubDL's key travels in the query string urllib3 logs

    def settings():  # noqa: ANN202
        return services.settings.current

    pool = ProviderPool(build_providers(services), settings, services.bus,
                        workers=settings().provider_search_workers)
    ranker = Ranker(services.db)
    services.bus.subscribe(ranker.on_config_updated, names=["config_updated"])
    services.components[POOL_COMPONENT] = pool
    services.components[RANKER_COMPONENT] = ranker
    searcher = ProviderSearcher(pool, ranker, services.db, services.bus, settings,
                                roots_of(services).confine)
    services.components[SEARCHER_COMPONENT] = searcher
    services.on_shutdown("provider pool", pool.shutdown)
    tasks: TaskRegistry = services.components[TASKS_COMPONENT]
    def profile_book():  # noqa: ANN202 - registered by the wanted subsystem (after this one)
        profiles = services.components.get(PROFILES_COMPONENT)
        return profiles.book() if profiles is not None else None

    upgrades = UpgradeScheduler(
        lambda: scan_for_upgrades(searcher, services.db, settings().upgrade_window_days,
                                  book=profile_book()),
        settings, tasks)
    services.components[UPGRADES_COMPONENT] = upgrades
    tasks.register(TaskSpec(
        UPGRADE_TASK, "Upgrade scan", trigger=upgrades.run_now,
        running=lambda: upgrades.running, next_run=lambda: upgrades.next_run_at,
        interval_seconds=lambda: settings().upgrade_scan_interval_hours * 3600 or None))
    upgrades.start()
    services.on_shutdown("upgrade scheduler", upgrades.stop)

    def wake_wanted_search() -> None:  # deferred wanted items may go out now
        pipeline = services.components.get(SINK_COMPONENT)
        if pipeline is not None:
            pipeline.queue.notify()

    watcher = ProviderResume(pool, wake_wanted_search)
    resume = PeriodicJob(RESUME_TASK, "Provider resume", watcher.check,
                         lambda: RESUME_CHECK_SECONDS, tasks, manual=watcher.resume_all)
    resume.start()
    services.on_shutdown("provider resume task", resume.stop)

