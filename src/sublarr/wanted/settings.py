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
        True, description="Count embedded subtitle tracks (MediaInfo, ffprobe) as present")
    wanted_probe_workers: int = Field(
        2, ge=1, le=8, description="Files probed at the same time for embedded subtitle "
                                   "tracks (MediaInfo, or ffprobe)")
    wanted_probe_timeout_seconds: float = Field(
        30.0, ge=1, le=600,
        description="Longest wait for MediaInfo's answer on one file, and ffprobe's time "
                    "limit (a file MediaInfo does not answer for goes to ffprobe)")

    wanted_scan_retry_seconds: int = Field(
        300, ge=1, le=24 * 3600,
        description="After a scan where Sonarr/Radarr/a folder failed, retry this soon")
    wanted_search_batch_limit: int = Field(
        1000, ge=1, le=100_000, description="Most items one batch search visits")

    wanted_search_on_arrival: bool = Field(
        True, description="Search new wanted items at once (import webhook, folder, scan)")
    wanted_search_workers: int = Field(
        4, ge=1, le=64, description="Wanted items searched at the same time (applies at the next start)")
    # Adaptive back-off of items that found nothing: the gap between two searches grows
    # with the item's age (hourly in the first day, daily in the first weeks, weekly after).
    wanted_retry_early_minutes: float = Field(
        60.0, gt=0, le=365 * 24 * 60, description="Gap between searches while an item is young")
    wanted_retry_early_days: float = Field(
        1.0, gt=0, le=3650, description="Age (days since added) until which the early gap applies")
    wanted_retry_middle_minutes: float = Field(
        24 * 60.0, gt=0, le=365 * 24 * 60, description="Gap between searches after that")
    wanted_retry_middle_days: float = Field(
        21.0, gt=0, le=3650, description="Age (days) until which the middle gap applies")
    wanted_retry_late_minutes: float = Field(
        7 * 24 * 60.0, gt=0, le=365 * 24 * 60, description="Gap between searches of old items")

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
