"""The web UI, served by Sublarr itself at ``/``."""

from __future__ import annotations

from flask import Flask

from sublarr.services import Services
from sublarr.web.views import bp


def init_web(app: Flask, services: Services) -> None:
    """Register the UI routes (page shell, static assets, settings metadata)."""
    app.register_blueprint(bp)
