"""What probing (MediaInfo or ffprobe) found inside media files, kept across restarts.

A row holds the subtitle track languages of one file as probed at a given
size and modification time; a file whose size or mtime changed is probed
again and its row replaced.  Rows of files that vanished from a directory the
scanner lists are dropped then; rows nothing looked at for
``UNSEEN_DAYS`` (a deleted series folder) are dropped on the next store.
Owner of the ``probe_cache`` table.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from sqlalchemy import BigInteger, String, Text, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow
from sublarr.db.engine import Database

log = logging.getLogger(__name__)

CHUNK = 500  # paths per IN (…) statement
TOUCH_AFTER = timedelta(days=1)  # a hit refreshes checked_at at most this often
UNSEEN_DAYS = 30
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ProbeResult:
    """Subtitle track languages of a file: full tracks and forced-only tracks;
    ``timed_out``: the file gave no answer within the probe's time limit (it counts as
    having no tracks and is never stored, so the next scan probes it again)."""

    languages: frozenset[str] = frozenset()
    forced: frozenset[str] = frozenset()
    timed_out: bool = False


NOTHING = ProbeResult()
TIMED_OUT = ProbeResult(timed_out=True)


@dataclass(frozen=True)
class FileStamp:
    """The identity of a file's content as far as probing is concerned."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> FileStamp | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return cls(stat.st_size, stat.st_mtime_ns)


class ProbeCacheRow(Base):
    """One probed file. Owner: :mod:`sublarr.wanted.probe_cache`."""

    __tablename__ = "probe_cache"

    path: Mapped[str] = mapped_column(Text, primary_key=True)
    directory: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mtime_ns: Mapped[int] = mapped_column(BigInteger, nullable=False)
    languages: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    forced: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


def _codes(text: str) -> frozenset[str]:
    return frozenset(code for code in text.split(",") if code)


def _text(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes))[:400]


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class ProbeCache:
    """Reads and writes :class:`ProbeCacheRow` rows in batches."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pruned_at: datetime | None = None

    def lookup(self, stamps: Mapping[str, FileStamp],
               now: datetime | None = None) -> dict[str, ProbeResult]:
        """Stored results of the files whose size and mtime are still those probed."""
        found: dict[str, ProbeResult] = {}
        stale_touch: list[str] = []
        now = now or utcnow()
        with self._db.session() as session:
            for chunk in _chunks(sorted(stamps)):
                rows = session.execute(select(
                    ProbeCacheRow.path, ProbeCacheRow.size, ProbeCacheRow.mtime_ns,
                    ProbeCacheRow.languages, ProbeCacheRow.forced, ProbeCacheRow.checked_at,
                ).where(ProbeCacheRow.path.in_(chunk)))
                for path, size, mtime_ns, languages, forced, checked_at in rows:
                    if stamps[path] != FileStamp(size, mtime_ns):
                        continue
                    found[path] = ProbeResult(_codes(languages), _codes(forced))
                    if now - checked_at > TOUCH_AFTER:
                        stale_touch.append(path)
            for chunk in _chunks(stale_touch):
                session.execute(update(ProbeCacheRow).where(ProbeCacheRow.path.in_(chunk))
                                .values(checked_at=now))
        return found

    def store(self, results: Mapping[str, tuple[FileStamp, ProbeResult]],
              now: datetime | None = None) -> None:
        """Save probe results (replacing older rows of the same paths) in one transaction;
        at most once per ``PRUNE_EVERY`` also drop rows unseen for ``UNSEEN_DAYS``;
        timed-out results are not stored."""
        results = {path: kept for path, kept in results.items() if not kept[1].timed_out}
        if not results:
            return
        now = now or utcnow()
        paths = sorted(results)
        with self._db.session() as session:
            for chunk in _chunks(paths):
                session.execute(delete(ProbeCacheRow).where(ProbeCacheRow.path.in_(chunk)))
            for chunk in _chunks(paths):
                session.execute(insert(ProbeCacheRow.__table__), [
                    {"path": path, "directory": os.path.dirname(path), "size": results[path][0].size,
                     "mtime_ns": results[path][0].mtime_ns,
                     "languages": _text(results[path][1].languages),
                     "forced": _text(results[path][1].forced), "checked_at": now}
                    for path in chunk])
            if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
                self._pruned_at = now
                gone = session.execute(delete(ProbeCacheRow).where(
                    ProbeCacheRow.checked_at < now - timedelta(days=UNSEEN_DAYS))).rowcount
                if gone:
                    log.info("probe cache: dropped %d rows not seen for %d days", gone,
                             UNSEEN_DAYS)

    def forget_vanished(self, listings: Mapping[str, Iterable[str]]) -> int:
        """Drop rows of files no longer in their directory; ``listings`` maps directories
        (as just listed) to the names they hold.  Returns rows dropped."""
        gone: list[str] = []
        named = {directory: set(names) for directory, names in listings.items()}
        with self._db.session() as session:
            for chunk in _chunks(sorted(named)):
                rows = session.execute(select(ProbeCacheRow.directory, ProbeCacheRow.path)
                                       .where(ProbeCacheRow.directory.in_(chunk)))
                gone += [path for directory, path in rows
                         if os.path.basename(path) not in named[directory]]
            for chunk in _chunks(gone):
                session.execute(delete(ProbeCacheRow).where(ProbeCacheRow.path.in_(chunk)))
        return len(gone)
