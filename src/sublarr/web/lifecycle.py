"""The web UI, served by Sublarr itself at ``/``."""

from __future__ import annotations

from flask import Blueprint, Flask

from sublarr.services import Services

bp = Blueprint("web", __name__)


def init_web(app: Flask, services: Services) -> None:
    """Register the UI routes."""
    app.register_blueprint(bp)
