"""The Tasks registry, and the scheduled jobs that belong to no other subsystem."""

from __future__ import annotations

from flask import Flask

from sublarr.events.webhooks.lifecycle import webhooks_of
from sublarr.events.webhooks.maintenance import PRUNE_EVERY_SECONDS
from sublarr.services import Services
from sublarr.tasks.periodic import PeriodicJob
from sublarr.tasks.registry import TaskRegistry

TASKS_COMPONENT = "task_registry"


def init_tasks(app: Flask, services: Services) -> None:
    """Create the registry (other subsystems register their jobs in it) and the retention job."""
    tasks = TaskRegistry(services.db)
    services.components[TASKS_COMPONENT] = tasks
    maintenance = webhooks_of(services).maintenance

    def retention() -> str:
        deliveries, entries = maintenance.prune()
        return f"removed {deliveries} deliveries and {entries} log entries"

    # The only place retention runs on schedule (the event maintenance thread checkpoints).
    job = PeriodicJob("retention", "Retention (deliveries and hook log)", retention,
                      lambda: PRUNE_EVERY_SECONDS, tasks)
    job.start()
    services.on_shutdown("retention task", job.stop)
