"""The translation subsystem."""

from __future__ import annotations

from flask import Flask

from sublarr.services import Services
from sublarr.translation.worker import TranslationWorker

COMPONENT = "translation"


def init_translation(app: Flask, services: Services) -> None:
    """Create the job worker, resume jobs a previous run left unfinished, register shutdown."""
    worker = TranslationWorker(services)
    services.components[COMPONENT] = worker
    services.on_shutdown("translation worker", worker.shutdown)
    worker.resume_pending()


def worker_of(services: Services) -> TranslationWorker:
    return services.components[COMPONENT]
