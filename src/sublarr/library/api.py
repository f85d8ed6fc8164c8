"""Incoming Sonarr/Radarr/Jellyfin webhooks and library endpoints."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/api/v1")
