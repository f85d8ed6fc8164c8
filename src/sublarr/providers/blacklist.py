"""Blacklisting a saved subtitle: never again for that media file, and search anew.

The subtitle's file is removed only when it still holds the bytes Sublarr
wrote (SHA-256 kept in the history row).  A file the user replaced by hand
is left alone: the entry is still added (the subtitle id is never downloaded
again), but the media file keeps the user's subtitle so nothing is re-queued.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.exc import IntegrityError

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.library.media import MediaFile
from sublarr.library.roots import OutsideLibraryRoots
from sublarr.providers import blacklist_repo, history_repo
from sublarr.providers.models import SubtitleHistory
from sublarr.wanted import repo as wanted_repo

log = logging.getLogger(__name__)

REMOVED = "removed"  # our file: deleted
MISSING = "missing"  # nothing on disk any more
KEPT_REPLACED = "kept_replaced"  # not what we saved (replaced by hand): left alone
KEPT_OUTSIDE = "kept_outside_roots"  # the path now leads outside the library roots


@dataclass(frozen=True)
class BlacklistOutcome:
    entry: dict[str, Any]
    created: bool
    file: str  # one of the constants above
    wanted_item_id: int | None  # the row searched again, when the file went away

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "created": self.created, "file": self.file,
                "file_removed": self.file == REMOVED, "wanted_item_id": self.wanted_item_id}


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _is_ours(db: Database, row: SubtitleHistory, path: Path) -> bool:
    if row.content_sha256:
        return _sha256(path) == row.content_sha256
    with db.session() as session:  # saved by an older version: ours if no later save
        latest = history_repo.latest_for_subtitle(session, [row.subtitle_path])
    return latest is not None and latest.id == row.id


def _settle_file(db: Database, row: SubtitleHistory, confine: Callable[[str], Path]) -> str:
    try:
        path = confine(row.subtitle_path)
    except OutsideLibraryRoots:
        return KEPT_OUTSIDE
    if not path.is_file():
        return MISSING
    if not _is_ours(db, row, path):
        log.info("blacklist: %s is not the file Sublarr saved; kept", path)
        return KEPT_REPLACED
    path.unlink(missing_ok=True)
    return REMOVED


def blacklist_history_row(db: Database, row_id: int, confine: Callable[[str], Path],
                          wake_queue: Callable[[], None]) -> BlacklistOutcome | None:
    """Blacklist what history row ``row_id`` saved; None when there is no such row."""
    try:
        with db.session() as session:
            row = history_repo.get(session, row_id)
            if row is None:
                return None
            entry, created = blacklist_repo.add_from_history(session, row)
            entry_dict = blacklist_repo.as_dict(entry)
    except IntegrityError:  # the same subtitle blacklisted by a concurrent request
        with db.session() as session:
            row = history_repo.get(session, row_id)
            found = row and blacklist_repo.find(session, row.media_path, row.provider,
                                                row.subtitle_id)
            if row is None or found is None:
                raise
            entry_dict, created = blacklist_repo.as_dict(found), False
    file_state = _settle_file(db, row, confine)
    item_id = None
    if file_state in (REMOVED, MISSING):
        media = MediaFile(row.media_path, row.media_type, row.title,  # type: ignore[arg-type]
                          "standalone", row.year, row.season, row.episode)
        with db.session() as session:
            item_id = wanted_repo.requeue(session, media, row.language, utcnow())
        wake_queue()
    return BlacklistOutcome(entry_dict, created, file_state, item_id)
