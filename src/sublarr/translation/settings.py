"""Settings of the translation subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel


class TranslationSettings(BaseModel):
    """Settings owned by the translation subsystem. Keys are flat and prefixed by topic."""
