"""Settings of the providers subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel


class ProvidersSettings(BaseModel):
    """Settings owned by the providers subsystem. Keys are flat and prefixed by topic."""
