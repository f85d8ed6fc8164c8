"""Translation job endpoints."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("translation", __name__, url_prefix="/api/v1")
