"""Ranking candidates with the effective weights (DB-backed, cached, invalidated on edits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sublarr.scoring import repo as scoring_repo
from sublarr.db.engine import Database
from sublarr.providers.candidate import Candidate, MediaInfo
from sublarr.scoring.scores import (
    ADDED_EVEN_WITH_HASH,
    EffectiveWeights,
    WeightsCache,
    compute_score,
    matched_keys,
    merge_weights,
    touches_scoring,
)


@dataclass(frozen=True)
class ScoredCandidate:
    candidate: Candidate
    score: int

    def public(self, media: MediaInfo) -> dict[str, Any]:
        return {**self.candidate.public(), "score": self.score,
                "matches": matched_keys(self.candidate, media)}


class Ranker:
    """Scores candidates; the weights come from a cache that scoring edits invalidate."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.cache = WeightsCache(self._load)

    def _load(self) -> EffectiveWeights:
        with self._db.session() as session:
            stored = scoring_repo.load_weights(session)
            modifiers = scoring_repo.load_modifiers(session)
        return EffectiveWeights(merge_weights(stored), modifiers)

    def rank(self, candidates: list[Candidate], media: MediaInfo) -> list[ScoredCandidate]:
        """Best first; ties keep the providers' order (stable sort)."""
        effective = self.cache.get()
        weights = effective.for_type(media.media_type)
        scored = [ScoredCandidate(c, compute_score(c, media, weights, effective.modifier(c.provider)))
                  for c in candidates]
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored

    def score(self, candidate: Candidate, media: MediaInfo) -> int:
        effective = self.cache.get()
        return compute_score(candidate, media, effective.for_type(media.media_type),
                             effective.modifier(candidate.provider))

    def breakdown(self, candidate: Candidate, media: MediaInfo) -> dict[str, Any]:
        """Which weights the candidate earned (points each) and the provider modifier;
        a hash match replaces the identity weights, so those count 0."""
        effective = self.cache.get()
        weights = effective.for_type(media.media_type)
        keys = matched_keys(candidate, media)
        counted = ({k for k in keys if k in ADDED_EVEN_WITH_HASH} if candidate.hash_match
                   else set(keys))
        return {"weights": [{"key": k, "points": weights.get(k, 0) if k in counted else 0}
                            for k in keys],
                "provider_modifier": effective.modifier(candidate.provider)}

    def on_config_updated(self, envelope: dict[str, Any]) -> None:
        """Bus listener: drop the cache when a scoring-related setting changed."""
        if touches_scoring(list(envelope.get("data", {}).get("updated_keys", []))):
            self.cache.invalidate()
