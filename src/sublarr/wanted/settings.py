"""Settings of the wanted subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel


class WantedSettings(BaseModel):
    """Settings owned by the wanted subsystem. Keys are flat and prefixed by topic."""
