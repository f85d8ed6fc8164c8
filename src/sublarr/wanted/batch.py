"""Batch search over the wanted list, one item at a time, through the providers seam."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sublarr.db.engine import Database
from sublarr.events.bridge import ProgressStream
from sublarr.events.bus import EventBus
from sublarr.library.media import release_name
from sublarr.profiles.book import ProfileBook
from sublarr.wanted import repo
from sublarr.db.base import utcnow
from sublarr.wanted.models import WantedItem
from sublarr.wanted.schedule import next_search_at
from sublarr.wanted.search import SearchRequest, SearchResult, SubtitleSearcher

if TYPE_CHECKING:  # annotations only
    from sublarr.config import Settings

log = logging.getLogger(__name__)

BATCH_TYPE = "wanted_search"


class BatchBusyError(RuntimeError):
    """A batch search is already running."""


@dataclass
class BatchTally:
    total: int
    found: int = 0
    not_found: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.found + self.not_found + self.failed + self.skipped

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


def request_for(item: WantedItem, book: ProfileBook | None = None) -> SearchRequest:
    """What the providers layer needs to know about one wanted row; the row's language
    profile (``book``) says whether hearing-impaired or forced subtitles are wanted."""
    pref = None
    if book is not None:
        profile = book.for_media(item.media_type, item.title, stored_id=item.profile_id)
        pref = profile.pref(item.language)
    return SearchRequest(
        media_path=item.media_path, media_type=item.media_type,  # type: ignore[arg-type]
        title=item.title, language=item.language, item_id=item.id, year=item.year,
        season=item.season, episode=item.episode, release_name=release_name(item.media_path),
        hearing_impaired=bool(pref and pref.hearing_impaired),
        forced=bool(pref and pref.forced))


class BatchSearch:
    """Starts at most one batch at a time on its own thread; stops between items at shutdown."""

    def __init__(self, db: Database, bus: EventBus, progress: ProgressStream,
                 settings: Callable[[], Settings]) -> None:
        self._db = db
        self._settings = settings
        self.profiles: Callable[[], ProfileBook | None] = lambda: None  # set by the lifecycle
        self._bus = bus
        self._progress = progress
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.current: dict[str, Any] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, searcher: SubtitleSearcher, ids: Sequence[int] | None,
              limit: int) -> dict[str, Any]:
        with self._lock:
            if self.running:
                raise BatchBusyError("a wanted batch search is already running")
            with self._db.session() as session:
                item_ids = repo.ids_to_search(session, ids, limit)
            batch_id = "wb_" + uuid.uuid4().hex[:12]
            self.current = {"batch_id": batch_id, "total": len(item_ids), "done": 0}
            self._thread = threading.Thread(
                target=self._run, args=(batch_id, item_ids, searcher),
                name=f"wanted-batch-{batch_id}", daemon=True)
            self._thread.start()
            return dict(self.current)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, batch_id: str, item_ids: list[int], searcher: SubtitleSearcher) -> None:
        started = time.perf_counter()
        tally = BatchTally(total=len(item_ids))
        try:
            for item_id in item_ids:
                if self._stop.is_set():
                    break
                status = self._search_one(batch_id, item_id, searcher)
                tally.count(status)
                self._report_progress(batch_id, tally, item_id)
        except Exception:  # a broken database must not kill the thread silently
            log.exception("wanted batch %s stopped", batch_id)
        finally:
            self._bus.emit("batch_complete", {
                "batch_type": BATCH_TYPE, "total": tally.done, "succeeded": tally.found,
                "failed": tally.failed, "duration_ms": int((time.perf_counter() - started) * 1000)})

    def _report_progress(self, batch_id: str, tally: BatchTally, item_id: int) -> None:
        if self.current is not None:
            self.current["done"] = tally.done
        self._progress.emit("wanted_batch_progress", {
            "batch_id": batch_id, "item_id": item_id, "current": tally.done,
            "total": tally.total, "found": tally.found, "not_found": tally.not_found,
            "failed": tally.failed, "skipped": tally.skipped})

    def _search_one(self, batch_id: str, item_id: int, searcher: SubtitleSearcher) -> str:
        with self._db.session() as session:
            item = repo.mark_searching(session, item_id)
            request = request_for(item, self.profiles()) if item is not None else None
            added_at = item.added_at if item is not None else utcnow()
        if request is None:  # removed by a scan since the batch started
            self._bus.emit("wanted_item_processed", {
                "item_id": item_id, "title": "", "language": "", "status": "skipped"})
            return "skipped"
        self._progress.emit("wanted_search_progress", {
            "batch_id": batch_id, "item_id": item_id, "title": request.title,
            "language": request.language, "status": "searching"})
        result = safe_search(searcher, request)
        record_outcome(self._db, item_id, added_at, result, self._settings())
        self._progress.emit("wanted_search_progress", {
            "batch_id": batch_id, "item_id": item_id, "title": request.title,
            "language": request.language, "status": result.status,
            "provider": result.provider, "score": result.score})
        self._bus.emit("wanted_item_processed", {
            "item_id": item_id, "title": request.title, "language": request.language,
            "status": result.status, "subtitle_path": result.subtitle_path})
        return result.status


def record_outcome(db: Database, item_id: int, added_at: Any, result: SearchResult,
                   settings: Any) -> None:
    """Store a search's outcome on its wanted row, with when to search it again."""
    now = utcnow()
    upcoming = next_search_at(result.status, added_at, now, settings)
    with db.session() as session:
        repo.record_search(session, item_id, result.status, result.subtitle_path,
                           result.error, upcoming, now)


def safe_search(searcher: SubtitleSearcher, request: SearchRequest) -> SearchResult:
    try:
        result = searcher.search_and_save(request)
    except Exception as exc:  # the providers layer failing is one failed item, not a crash
        log.exception("subtitle search failed for %s", request.media_path)
        return SearchResult(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
    if not isinstance(result, SearchResult) or result.status not in ("found", "not_found",
                                                                     "failed"):
        return SearchResult(status="failed", error="searcher returned an invalid result")
    return result

