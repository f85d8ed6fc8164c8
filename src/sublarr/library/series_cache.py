"""What a Sonarr series held at the last scan, so a re-scan reads only changed series.

Each series' file list is kept with a fingerprint of what Sonarr's ``/series``
answer says about it (``statistics.episodeFileCount`` and ``sizeOnDisk``, path,
title, year, tags) and of the path mappings.  When the fingerprint is unchanged
and every kept file is still in its directory, the next scan takes the files
from here instead of asking Sonarr for the series' episodes and episode files.
Owner of the ``arr_series_listings`` table.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Integer, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow
from sublarr.db.engine import Database
from sublarr.library.media import MediaFile

log = logging.getLogger(__name__)

CHUNK = 500


class ArrSeriesListing(Base):
    """The media files of one Sonarr series as last read, with their fingerprint."""

    __tablename__ = "arr_series_listings"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    files: Mapped[str] = mapped_column(Text, nullable=False)  # JSON, see encode_files
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def series_fingerprint(series: dict[str, Any], mappings: list[tuple[str, str]],
                       labels: dict[int, str] | None) -> str | None:
    """A digest of what tells that a series' files changed; None when Sonarr's answer
    has no statistics (then the series is always read)."""
    stats = series.get("statistics")
    if not isinstance(stats, dict) or not isinstance(stats.get("episodeFileCount"), int) \
            or not isinstance(stats.get("sizeOnDisk"), int):
        return None
    tags = sorted((labels or {}).get(t, "") for t in series.get("tags") or []
                  if isinstance(t, int))
    material = [stats["episodeFileCount"], stats["sizeOnDisk"], series.get("path"),
                series.get("title"), series.get("year"), tags, mappings]
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()


def encode_files(files: Iterable[MediaFile]) -> str:
    """Per file: path, season, episode, embedded languages (null: unknown); the series
    fields (title, year, tags) once."""
    files = list(files)
    head = files[0] if files else None
    return json.dumps({
        "title": head.title if head else "", "year": head.year if head else None,
        "tags": sorted(head.tags) if head else [],
        "files": [[m.path, m.season, m.episode,
                   None if m.embedded_languages is None else sorted(m.embedded_languages)]
                  for m in files]}, separators=(",", ":"))


def decode_files(text: str, source: str = "sonarr") -> list[MediaFile]:
    data = json.loads(text)
    tags = frozenset(data["tags"])
    return [MediaFile(path=path, media_type="episode", title=data["title"],
                      source=source, year=data["year"],  # type: ignore[arg-type]
                      season=season, episode=episode,
                      embedded_languages=None if langs is None else frozenset(langs), tags=tags)
            for path, season, episode, langs in data["files"]]


class SeriesCache:
    """Reads and writes :class:`ArrSeriesListing` rows (one source at a time)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def fingerprints(self, source: str) -> dict[int, str]:
        with self._db.session() as session:
            rows = session.execute(select(ArrSeriesListing.series_id,
                                          ArrSeriesListing.fingerprint)
                                   .where(ArrSeriesListing.source == source))
            return {series_id: fingerprint for series_id, fingerprint in rows}

    def files(self, source: str, series_id: int) -> list[MediaFile] | None:
        with self._db.session() as session:
            text = session.scalar(select(ArrSeriesListing.files).where(
                ArrSeriesListing.source == source, ArrSeriesListing.series_id == series_id))
        if text is None:
            return None
        try:
            return decode_files(text, source)
        except (ValueError, KeyError, TypeError):
            log.warning("library: kept listing of %s series %d is unreadable; reading it again",
                        source, series_id)
            return None

    def store(self, source: str, read: dict[int, tuple[str, list[MediaFile]]]) -> None:
        """Save the series just read (replacing what was kept of them)."""
        now = utcnow()
        with self._db.session() as session:
            ids = sorted(read)
            for start in range(0, len(ids), CHUNK):
                session.execute(delete(ArrSeriesListing).where(
                    ArrSeriesListing.source == source,
                    ArrSeriesListing.series_id.in_(ids[start:start + CHUNK])))
            items = list(read.items())
            for start in range(0, len(items), 100):  # encoded a hundred series at a time
                session.execute(insert(ArrSeriesListing.__table__), [
                    {"source": source, "series_id": series_id, "fingerprint": fingerprint,
                     "files": encode_files(files), "read_at": now}
                    for series_id, (fingerprint, files) in items[start:start + 100]])

    def forget_others(self, source: str, keep: set[int]) -> None:
        """Forget the series Sonarr no longer lists (not in ``keep``)."""
        with self._db.session() as session:
            known = set(session.scalars(select(ArrSeriesListing.series_id)
                                        .where(ArrSeriesListing.source == source)))
            gone = sorted(known - keep)
            for start in range(0, len(gone), CHUNK):
                session.execute(delete(ArrSeriesListing).where(
                    ArrSeriesListing.source == source,
                    ArrSeriesListing.series_id.in_(gone[start:start + CHUNK])))
