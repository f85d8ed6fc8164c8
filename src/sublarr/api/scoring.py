"""Scoring endpoints: /scoring/weights and /scoring/modifiers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scoring", __name__, url_prefix="/api/v1")
