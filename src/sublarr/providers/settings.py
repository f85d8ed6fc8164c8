"""Settings of the providers subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from sublarr.settings_base import secret

KNOWN_PROVIDERS: tuple[str, ...] = ("opensubtitles", "jimaku", "animetosho", "subdl")


class ProvidersSettings(BaseModel):
    """Settings owned by the providers subsystem. Keys are flat and prefixed by topic."""

    providers_enabled: list[str] = Field(
        default_factory=lambda: list(KNOWN_PROVIDERS),
        description="Providers searched, in tie-break order")
    provider_timeout_seconds: float = Field(
        15.0, gt=0, le=300, description="Longest wait for one provider's answer")
    provider_rate_limit_per_minute: int = Field(
        60, ge=1, le=6000, description="Requests per minute at most, per provider")
    provider_backoff_seconds: float = Field(
        60.0, ge=0, le=86_400, description="Pause after a provider's first failure; doubles")
    provider_backoff_max_seconds: float = Field(
        3600.0, ge=0, le=7 * 86_400, description="Longest pause of a failing provider")
    provider_search_workers: int = Field(
        16, ge=1, le=128, description="Provider searches and downloads running at the same time")
    provider_min_score: int = Field(
        0, ge=0, le=100_000, description="Candidates scoring below this are never downloaded")
    provider_max_download_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, le=500 * 1024 * 1024,
        description="Largest provider answer or archive content accepted")
    upgrade_enabled: bool = Field(True, description="Replace subtitles when a better one appears")
    upgrade_min_score_delta: int = Field(
        20, ge=0, le=100_000, description="How much better a candidate must score to upgrade")
    upgrade_window_days: int = Field(
        7, ge=0, le=3650, description="Days after a download during which upgrades are tried")
    upgrade_scan_interval_hours: float = Field(
        12.0, ge=0, le=24 * 30, description="Re-search recent downloads for upgrades (0 = off)")

    opensubtitles_base_url: str = Field("https://api.opensubtitles.com")
    opensubtitles_api_key: str = secret(endpoint="opensubtitles_base_url",
                                        description="OpenSubtitles.com consumer API key")
    opensubtitles_username: str = Field("", description="Needed for downloads (login token)")
    opensubtitles_password: str = secret(endpoint="opensubtitles_base_url")
    opensubtitles_user_agent: str = Field("Sublarr v1", description="Registered app name")

    jimaku_base_url: str = Field("https://jimaku.cc")
    jimaku_api_key: str = secret(endpoint="jimaku_base_url",
                                 description="Jimaku API key (account page)")

    animetosho_feed_url: str = Field("https://feed.animetosho.org")
    animetosho_storage_url: str = Field("https://animetosho.org/storage")
    animetosho_max_torrents: int = Field(
        5, ge=1, le=50, description="Torrents whose attachments are listed per search")

    subdl_base_url: str = Field("https://api.subdl.com")
    subdl_download_url: str = Field("https://dl.subdl.com")
    subdl_api_key: str = secret(endpoint="subdl_base_url", description="SubDL API key")

    @field_validator("providers_enabled")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for name in value:
            name = name.strip().lower()
            if name not in KNOWN_PROVIDERS:
                raise ValueError(f"unknown provider {name!r}; known: {', '.join(KNOWN_PROVIDERS)}")
            if name not in cleaned:
                cleaned.append(name)
        return cleaned
