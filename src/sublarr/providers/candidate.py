"""What providers are asked (:class:`ProviderQuery`) and what they answer (:class:`Candidate`).

Plain frozen values with no I/O, shared by providers, scoring and the searcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

MediaType = Literal["episode", "movie"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_title(title: str | None) -> str:
    """Lower-case letters and digits only, so "Frieren: Beyond…" == "frieren beyond…"."""
    return _NON_ALNUM.sub("", (title or "").casefold())


@dataclass(frozen=True)
class ReleaseInfo:
    """Attributes read from a release name (file name of a video or a subtitle)."""

    release_group: str | None = None
    source: str | None = None
    audio_codec: str | None = None
    resolution: str | None = None
    # What the name says about the media itself (used when a provider gives no metadata).
    title: str | None = field(default=None, compare=False)
    year: int | None = field(default=None, compare=False)
    season: int | None = field(default=None, compare=False)
    episode: int | None = field(default=None, compare=False)


@lru_cache(maxsize=4096)
def parse_release(name: str | None) -> ReleaseInfo:
    """Release group, source, audio codec and resolution as guessit reads them.

    Memoized because providers list the same release names again and again
    and guessit takes milliseconds per name.
    """
    if not name:
        return ReleaseInfo()
    from guessit import guessit  # heavy import (rebulk rules) deferred to first use

    try:
        found: dict[str, Any] = dict(guessit(name))
    except Exception:  # guessit raises on odd input; a release name is only a hint
        return ReleaseInfo()
    return ReleaseInfo(
        release_group=_text(found.get("release_group")),
        source=_text(found.get("source")),
        audio_codec=_text(found.get("audio_codec")),
        resolution=_text(found.get("screen_size")),
        title=found.get("title") if isinstance(found.get("title"), str) else None,
        year=_int(found.get("year")),
        season=_int(found.get("season")),
        episode=_int(found.get("episode")),
    )


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).casefold() if value is not None else None


@dataclass(frozen=True)
class ProviderQuery:
    """One search: the media and the wanted language."""

    media_type: MediaType
    title: str
    language: str
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    release_name: str | None = None
    file_hash: str | None = None  # OpenSubtitles moviehash of the media file
    hearing_impaired: bool = False
    forced: bool = False

    def describe(self) -> str:
        """A human-readable query ("Frieren S01E05")."""
        if self.media_type == "episode" and self.episode is not None:
            season = f"S{self.season:02d}" if self.season is not None else ""
            return f"{self.title} {season}E{self.episode:02d}"
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class MediaInfo:
    """The media a candidate is scored against (precomputed for fast scoring)."""

    media_type: MediaType
    title_key: str
    year: int | None
    season: int | None
    episode: int | None
    release: ReleaseInfo
    hearing_impaired: bool = False

    @classmethod
    def from_query(cls, query: ProviderQuery) -> "MediaInfo":
        return cls(
            media_type=query.media_type,
            title_key=normalize_title(query.title),
            year=query.year,
            season=query.season,
            episode=query.episode,
            release=parse_release(query.release_name),
            hearing_impaired=query.hearing_impaired,
        )


@dataclass(frozen=True)
class Candidate:
    """A subtitle a provider offers; ``download_ref`` is opaque to everyone but the provider."""

    provider: str
    subtitle_id: str
    language: str
    title: str
    format: str = "srt"  # expected format: "ass", "ssa", "srt", "vtt", or "zip" when unknown
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    release_name: str | None = None
    release: ReleaseInfo = field(default_factory=ReleaseInfo)
    hash_match: bool = False
    hearing_impaired: bool = False
    forced: bool = False
    page_url: str | None = None
    download_ref: Any = None
    title_key: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        # Precomputed once: scoring compares it for every candidate.
        if not self.title_key:
            object.__setattr__(self, "title_key", normalize_title(self.title))

    def public(self) -> dict[str, Any]:
        """The candidate as the API shows it (without the download reference)."""
        return {
            "provider": self.provider,
            "subtitle_id": self.subtitle_id,
            "language": self.language,
            "title": self.title,
            "format": self.format,
            "year": self.year,
            "season": self.season,
            "episode": self.episode,
            "release_name": self.release_name,
            "release_group": self.release.release_group,
            "source": self.release.source,
            "audio_codec": self.release.audio_codec,
            "resolution": self.release.resolution,
            "hash_match": self.hash_match,
            "hearing_impaired": self.hearing_impaired,
            "forced": self.forced,
            "page_url": self.page_url,
        }
