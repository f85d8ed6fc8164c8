"""The HTTP API: one blueprint per resource, registered under ``/api/v1``."""

from __future__ import annotations

from flask import Flask

from sublarr.api import system
from sublarr.events import stats_api
from sublarr.events.hooks import api as hooks_api
from sublarr.events.notifications import api as notifications_api
from sublarr.events.webhooks import api as webhooks_api
from sublarr.events.webhooks import replay_api
from sublarr.library import api as library_api
from sublarr.providers import api as providers_api
from sublarr.providers import picks_api
from sublarr.profiles import api as profiles_api
from sublarr.tasks import api as tasks_api
from sublarr.scoring import api as scoring_api
from sublarr.translation import api as translation_api
from sublarr.wanted import api as wanted_api
from sublarr.whisper import api as whisper_api

BLUEPRINTS = (
    system.bp,
    system.metrics_bp,
    hooks_api.bp,
    webhooks_api.bp,
    notifications_api.bp,
    replay_api.bp,
    stats_api.bp,
    scoring_api.bp,
    library_api.bp,
    wanted_api.bp,
    providers_api.bp,
    picks_api.bp,
    profiles_api.bp,
    translation_api.bp,
    whisper_api.bp,
    tasks_api.bp,
)


def register_api(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
