"""Wanted list endpoints: list, scan, batch search."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wanted", __name__, url_prefix="/api/v1")
