"""Settings of the wanted subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class WantedSettings(BaseModel):
    """Settings owned by the wanted subsystem. Keys are flat and prefixed by topic."""

    wanted_languages: list[str] = Field(
        default_factory=lambda: ["en"], min_length=1, max_length=50,
        description="ISO 639-1 codes every media file should have a subtitle in")
    wanted_scan_interval_minutes: int = Field(
        360, ge=0, le=7 * 24 * 60, description="Periodic wanted scan (0 = off)")
    wanted_scan_on_start: bool = Field(
        True, description="Scan once at start-up when Sonarr, Radarr or a folder is configured")
    wanted_probe_embedded: bool = Field(
        True, description="Count embedded subtitle tracks (ffprobe) as present")

    wanted_scan_retry_seconds: int = Field(
        300, ge=1, le=24 * 3600,
        description="After a scan where Sonarr/Radarr/a folder failed, retry this soon")
    wanted_search_batch_limit: int = Field(
        1000, ge=1, le=100_000, description="Most items one batch search visits")

    @field_validator("wanted_languages")
    @classmethod
    def _iso_639_1(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for code in value:
            code = code.strip().lower()
            if len(code) != 2 or not code.isascii() or not code.isalpha():
                raise ValueError(f"{code!r} is not an ISO 639-1 code (two letters, e.g. 'en')")
            if code not in cleaned:
                cleaned.append(code)
        return cleaned
