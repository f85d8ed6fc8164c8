"""The seam between the wanted pipeline and the providers layer.

The wanted pipeline decides *what* lacks a subtitle; the providers layer
(:mod:`sublarr.providers`) finds, scores and saves one.  The providers layer
registers an object satisfying :class:`SubtitleSearcher` as
``services.components["subtitle_searcher"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

SEARCHER_COMPONENT = "subtitle_searcher"


@dataclass(frozen=True)
class SearchRequest:
    """One media file × one language to find a subtitle for."""

    media_path: str
    media_type: Literal["episode", "movie"]
    title: str  # series title for episodes, movie title for movies
    language: str  # ISO 639-1, e.g. "en"
    item_id: int | None = None  # wanted row id, when the search comes from the wanted list
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    release_name: str | None = None  # file name without directory (release group, source…)
    forced: bool = False
    hearing_impaired: bool = False


@dataclass(frozen=True)
class SearchResult:
    """What a search ended with."""

    status: Literal["found", "not_found", "failed"]
    subtitle_path: str | None = None
    provider: str | None = None
    score: int | None = None
    error: str | None = None
    # True when no provider could be asked at all (every one disabled, unconfigured or
    # paused): the search queue then tries again later without counting an attempt.
    no_provider: bool = False


class SubtitleSearcher(Protocol):
    """Searches every enabled provider, keeps the best candidate, saves it next to the media.

    Emits provider_search_complete / provider_failed / subtitle_downloaded /
    upgrade_complete itself; the caller (wanted pipeline) emits
    wanted_item_processed and batch_complete.
    """

    def search_and_save(self, request: SearchRequest) -> SearchResult: ...
