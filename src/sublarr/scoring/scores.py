"""Scoring: the SPEC defaults, the pure ``compute_score`` and the cache of effective weights.

A hash match means the subtitle was made for this exact file, so it stands
for every identity attribute (series, year, season, episode, release…) and
the hash weight replaces their sum.  Hearing-impaired agreement, the ASS
format bonus and the provider's modifier are added in either case.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from sublarr.providers.candidate import Candidate, MediaInfo

SCORE_TYPES: tuple[str, ...] = ("episode", "movie")

DEFAULT_WEIGHTS: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "episode": MappingProxyType({
        "hash": 359, "series": 180, "year": 90, "season": 30, "episode": 30,
        "release_group": 14, "source": 7, "audio_codec": 3, "resolution": 2,
        "hearing_impaired": 1, "format_bonus": 50,
    }),
    "movie": MappingProxyType({
        "hash": 119, "title": 60, "year": 30, "release_group": 13, "source": 7,
        "audio_codec": 3, "resolution": 2, "hearing_impaired": 1, "format_bonus": 50,
    }),
})

BONUS_FORMATS = frozenset({"ass", "ssa"})


def weight_keys(score_type: str) -> tuple[str, ...]:
    return tuple(DEFAULT_WEIGHTS[score_type])


def matched_keys(candidate: Candidate, media: MediaInfo) -> list[str]:
    """The weight keys this candidate earns against ``media`` (``format_bonus`` included)."""
    keys: list[str] = []
    if candidate.hash_match:
        keys.append("hash")
    if candidate.title_key and candidate.title_key == media.title_key:
        keys.append("series" if media.media_type == "episode" else "title")
    if media.year is not None and candidate.year == media.year:
        keys.append("year")
    if media.media_type == "episode":
        if media.season is not None and candidate.season == media.season:
            keys.append("season")
        if media.episode is not None and candidate.episode == media.episode:
            keys.append("episode")
    wanted, offered = media.release, candidate.release
    for key in _RELEASE_KEYS:
        value = getattr(wanted, key)
        if value is not None and getattr(offered, key) == value:
            keys.append(key)
    if candidate.hearing_impaired == media.hearing_impaired:
        keys.append("hearing_impaired")
    if candidate.format in BONUS_FORMATS:
        keys.append("format_bonus")
    return keys


_ADDED_EVEN_WITH_HASH = frozenset({"hash", "hearing_impaired", "format_bonus"})
ADDED_EVEN_WITH_HASH = _ADDED_EVEN_WITH_HASH  # weights a hash match does not replace
_RELEASE_KEYS = ("release_group", "source", "audio_codec", "resolution")


def compute_score(candidate: Candidate, media: MediaInfo, weights: Mapping[str, int],
                  modifier: int = 0) -> int:
    """The candidate's score: matched weights (hash replaces identity ones) plus ``modifier``.

    The same rules as :func:`matched_keys`, written out without building a
    list because ranking runs this for every candidate of every search.
    """
    get = weights.get
    score = modifier
    if candidate.hearing_impaired == media.hearing_impaired:
        score += get("hearing_impaired", 0)
    if candidate.format in BONUS_FORMATS:
        score += get("format_bonus", 0)
    if candidate.hash_match:
        return score + get("hash", 0)
    if candidate.title_key and candidate.title_key == media.title_key:
        score += get("series" if media.media_type == "episode" else "title", 0)
    if media.year is not None and candidate.year == media.year:
        score += get("year", 0)
    if media.media_type == "episode":
        if media.season is not None and candidate.season == media.season:
            score += get("season", 0)
        if media.episode is not None and candidate.episode == media.episode:
            score += get("episode", 0)
    wanted, offered = media.release, candidate.release
    if wanted.release_group is not None and offered.release_group == wanted.release_group:
        score += get("release_group", 0)
    if wanted.source is not None and offered.source == wanted.source:
        score += get("source", 0)
    if wanted.audio_codec is not None and offered.audio_codec == wanted.audio_codec:
        score += get("audio_codec", 0)
    if wanted.resolution is not None and offered.resolution == wanted.resolution:
        score += get("resolution", 0)
    return score


def score_from_keys(keys: list[str], weights: Mapping[str, int], hash_match: bool,
                    modifier: int = 0) -> int:
    """The score spelled out from :func:`matched_keys` (the reference for ``compute_score``)."""
    if hash_match:
        keys = [k for k in keys if k in _ADDED_EVEN_WITH_HASH]
    return sum(weights.get(k, 0) for k in keys) + modifier


@dataclass(frozen=True)
class EffectiveWeights:
    """Weights per score type (defaults overlaid with the stored ones) and modifiers."""

    weights: Mapping[str, Mapping[str, int]]
    modifiers: Mapping[str, int]

    def for_type(self, score_type: str) -> Mapping[str, int]:
        return self.weights[score_type]

    def modifier(self, provider: str) -> int:
        return self.modifiers.get(provider, 0)


def merge_weights(stored: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Defaults overlaid with stored values; stored keys the defaults lack are ignored."""
    merged: dict[str, dict[str, int]] = {}
    for score_type, defaults in DEFAULT_WEIGHTS.items():
        own = stored.get(score_type, {})
        merged[score_type] = {k: int(own.get(k, v)) for k, v in defaults.items()}
    return merged


class WeightsCache:
    """Loads the effective weights once and keeps them until :meth:`invalidate`.

    ``loader`` reads the database; ranking thousands of candidates then costs
    no query.  Invalidation bumps a generation so a load that raced with an
    edit is never kept.
    """

    def __init__(self, loader: Callable[[], EffectiveWeights]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._value: EffectiveWeights | None = None
        self._generation = 0

    def get(self) -> EffectiveWeights:
        value = self._value
        if value is not None:
            return value
        with self._lock:
            generation = self._generation
        loaded = self._loader()
        with self._lock:
            if generation == self._generation:
                self._value = loaded
        return loaded

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._value = None


INVALIDATING_PREFIXES = ("scoring_", "provider_modifier_")


def touches_scoring(updated_keys: list[str]) -> bool:
    """True when a ``config_updated`` names a key that may change scores."""
    return any(key.startswith(INVALIDATING_PREFIXES) for key in updated_keys)
