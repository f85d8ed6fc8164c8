"""The ``scoring_weights`` and ``provider_score_modifiers`` tables (the only module querying them).

Only values that differ from the defaults need a row; deleting rows restores
the defaults.
"""

from __future__ import annotations

from typing import Collection, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.db.models import ProviderScoreModifier, ScoringWeight


def load_weights(session: Session) -> dict[str, dict[str, int]]:
    """Stored weights as ``{score_type: {weight_key: value}}``."""
    out: dict[str, dict[str, int]] = {}
    for row in session.scalars(select(ScoringWeight)):
        out.setdefault(row.score_type, {})[row.weight_key] = row.value
    return out


def save_weights(session: Session, changes: Mapping[str, Mapping[str, int]]) -> None:
    """Insert or update the given weights (in the caller's transaction)."""
    now = utcnow()
    for score_type, values in changes.items():
        for key, value in values.items():
            row = session.scalars(select(ScoringWeight).where(
                ScoringWeight.score_type == score_type, ScoringWeight.weight_key == key)).first()
            if row is None:
                session.add(ScoringWeight(score_type=score_type, weight_key=key, value=value,
                                          updated_at=now))
            else:
                row.value = value
                row.updated_at = now


def reset_weights(session: Session, score_type: str | None = None,
                  keys: Collection[str] | None = None) -> None:
    """Forget stored weights (of one score type, or all; only ``keys`` of it when given)."""
    stmt = delete(ScoringWeight)
    if score_type is not None:
        stmt = stmt.where(ScoringWeight.score_type == score_type)
    if keys is not None:
        stmt = stmt.where(ScoringWeight.weight_key.in_(list(keys)))
    session.execute(stmt)


def load_modifiers(session: Session) -> dict[str, int]:
    """Stored modifiers as ``{provider: modifier}``."""
    return {row.provider: row.modifier for row in session.scalars(select(ProviderScoreModifier))}


def save_modifiers(session: Session, changes: Mapping[str, int]) -> None:
    now = utcnow()
    for provider, value in changes.items():
        row = session.get(ProviderScoreModifier, provider)
        if row is None:
            session.add(ProviderScoreModifier(provider=provider, modifier=value, updated_at=now))
        else:
            row.modifier = value
            row.updated_at = now


def reset_modifier(session: Session, provider: str) -> None:
    session.execute(delete(ProviderScoreModifier).where(ProviderScoreModifier.provider == provider))
