"""Queries of the per-series glossary table."""

from __future__ import annotations

from sqlalchemy import delete, select

from sublarr.db.engine import Database
from sublarr.translation.models import GlossaryTerm


def series_key(series: str) -> str:
    """Series names match case- and space-insensitively."""
    return " ".join(series.lower().split())


class GlossaryRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def terms(self, series: str | None) -> list[tuple[str, str]]:
        """(source term, target term) pairs of ``series`` in insertion order."""
        if not series:
            return []
        with self.db.session() as s:
            rows = s.execute(select(GlossaryTerm.source_term, GlossaryTerm.target_term)
                             .where(GlossaryTerm.series_key == series_key(series))
                             .order_by(GlossaryTerm.id)).all()
        return [(src, dst) for src, dst in rows]

    def replace(self, series: str, terms: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Make ``terms`` the whole glossary of ``series`` (one transaction)."""
        key = series_key(series)
        with self.db.session() as s:
            s.execute(delete(GlossaryTerm).where(GlossaryTerm.series_key == key))
            s.add_all(GlossaryTerm(series_key=key, series=series, source_term=src,
                                   target_term=dst) for src, dst in terms)
        return self.terms(series)
