"""Hook script endpoints: /hooks, /hooks/<id>, /hooks/<id>/test, /hooks/logs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hooks", __name__, url_prefix="/api/v1")
