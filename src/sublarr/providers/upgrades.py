"""Looking again for better subtitles while they are inside the upgrade window.

The wanted pipeline only searches media that lack a subtitle; this scan
re-searches recent downloads so a better release (or a new ASS) replaces
them.  It runs every ``upgrade_scan_interval_hours`` and on demand.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.providers import history_repo
from sublarr.library.media import MediaFile
from sublarr.profiles.book import ProfileBook
from sublarr.providers.models import SubtitleHistory
from sublarr.providers.searcher import ProviderSearcher
from sublarr.tasks.registry import TaskRegistry
from sublarr.wanted.scanner import PresenceChecker
from sublarr.wanted.search import SearchRequest

log = logging.getLogger(__name__)
SCAN_LIMIT = 500
TASK_NAME = "upgrade_scan"


@dataclass(frozen=True)
class UpgradeSummary:
    checked: int
    upgraded: int


def request_from_history(row: SubtitleHistory) -> SearchRequest:
    return SearchRequest(
        media_path=row.media_path, media_type=row.media_type,  # type: ignore[arg-type]
        title=row.title, language=row.language, year=row.year, season=row.season,
        episode=row.episode, release_name=Path(row.media_path).name, forced=row.forced,
        hearing_impaired=row.hearing_impaired)


def upgrade_allowed(row: SubtitleHistory, book: ProfileBook) -> bool:
    """The media's language profile still wants this language, and its cutoff (a subtitle in
    the first language) is not reached."""
    profile = book.for_media(row.media_type, row.title)
    if row.language not in profile.codes:
        return False
    if not profile.cutoff:
        return True
    media = MediaFile(row.media_path, row.media_type, row.title, "standalone")  # type: ignore[arg-type]
    return profile.languages[0].code not in PresenceChecker(None).satisfied(media, profile)


def scan_for_upgrades(searcher: ProviderSearcher, db: Database, window_days: int,
                      limit: int = SCAN_LIMIT, book: ProfileBook | None = None) -> UpgradeSummary:
    """Re-search each subtitle saved inside the window whose media and file still exist
    (and, with ``book``, whose language profile still allows an upgrade)."""
    since = utcnow() - timedelta(days=window_days)
    with db.session() as session:
        rows = history_repo.recent_subtitles(session, since, limit)
    checked = upgraded = 0
    for row in rows:
        if not (Path(row.media_path).is_file() and Path(row.subtitle_path).is_file()):
            continue
        if book is not None and not upgrade_allowed(row, book):
            continue
        checked += 1
        result = searcher.search_and_save(request_from_history(row))
        if result.status == "found" and result.score is not None and result.score > row.score:
            upgraded += 1
    return UpgradeSummary(checked, upgraded)


class UpgradeScheduler:
    """A background thread running the scan periodically; one scan at a time."""

    def __init__(self, scan: Callable[[], UpgradeSummary], settings: Callable[[], Any],
                 tasks: TaskRegistry | None = None) -> None:
        self._scan = scan
        self._settings = settings
        self._tasks = tasks
        self.next_run_at: datetime | None = None
        self._stop = threading.Event()
        self._running = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last: UpgradeSummary | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sublarr-upgrades", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run_now(self) -> bool:
        """Start a scan in the background; False when one is already running."""
        if self._running.locked():
            return False
        threading.Thread(target=self._run_once, name="sublarr-upgrade-scan", daemon=True).start()
        return True

    def _loop(self) -> None:
        while True:
            hours = self._settings().upgrade_scan_interval_hours
            # Re-read the interval every minute so a changed setting applies without restart.
            waited = 0.0
            started = utcnow()
            while hours <= 0 or waited < hours * 3600:
                self.next_run_at = started + timedelta(hours=hours) if hours > 0 else None
                if self._stop.wait(60.0):
                    return
                waited += 60.0
                hours = self._settings().upgrade_scan_interval_hours
            self._run_once()

    def _run_once(self) -> None:
        if not self._running.acquire(blocking=False):
            return
        try:
            if self._settings().upgrade_enabled:
                self._scan_recorded()
                log.info("upgrade scan: %d checked, %d upgraded", self.last.checked,
                         self.last.upgraded)
        except Exception:
            log.exception("upgrade scan failed")
        finally:
            self._running.release()

    def _scan_recorded(self) -> None:
        if self._tasks is None:
            self.last = self._scan()
            return
        with self._tasks.track(TASK_NAME) as run:
            self.last = self._scan()
            run.result = f"{self.last.checked} checked, {self.last.upgraded} upgraded"

    @property
    def running(self) -> bool:
        return self._running.locked()
