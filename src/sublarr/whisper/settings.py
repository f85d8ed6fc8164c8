"""Settings of the whisper subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel


class WhisperSettings(BaseModel):
    """Settings owned by the whisper subsystem. Keys are flat and prefixed by topic."""
