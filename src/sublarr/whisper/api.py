"""Whisper transcription queue endpoints."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("whisper", __name__, url_prefix="/api/v1")
