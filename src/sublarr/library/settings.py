"""Settings of the library subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel


class LibrarySettings(BaseModel):
    """Settings owned by the library subsystem. Keys are flat and prefixed by topic."""
