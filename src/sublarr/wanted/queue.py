"""The search queue: wanted rows are searched when due, a few at a time, durably.

The queue *is* the ``wanted_items`` table: a row in a searchable status whose
``next_search_at`` has come is due.  New rows are due at once (search on
arrival); a search that found nothing sets the next time from the adaptive
back-off (:mod:`sublarr.wanted.schedule`).  A dispatcher thread claims due
rows only while a worker is free, so memory stays bounded however large a
burst is, and a restart simply finds the same due rows again.

While every provider is paused the queue waits for the first to resume
instead of burning through items; a search that could ask no provider does
not count as an attempt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sublarr.background import background_thread, lower_this_thread
from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.events.bus import EventBus
from sublarr.wanted import repo
from sublarr.wanted.batch import record_outcome, request_for, safe_search
from sublarr.wanted.search import SubtitleSearcher
from sublarr.profiles.book import ProfileBook

from sublarr.tasks.registry import TaskRegistry, TaskRun

if TYPE_CHECKING:  # annotations only
    from sublarr.config import Settings

log = logging.getLogger(__name__)

TASK_NAME = "wanted_search"
IDLE_POLL_SECONDS = 30.0  # look for due rows at least this often (other processes, clock)
NO_PROVIDER_RECHECK_SECONDS = 300.0  # nothing enabled/configured: look again this often
THREAD_NICE = 10  # searches give way to request threads (see sublarr.background)


@dataclass
class DrainTally:
    """One drain: from the first due row until nothing is due or in flight."""

    started_at: datetime
    started: float
    found: int = 0
    not_found: int = 0
    failed: int = 0
    dropped: int = 0
    deferred: int = 0

    def summary(self) -> str:
        done = self.found + self.not_found + self.failed + self.dropped
        parts = [f"{self.found} found", f"{self.not_found} not found"]
        parts += [f"{n} {label}" for n, label in ((self.failed, "failed"),
                  (self.dropped, "dropped"), (self.deferred, "deferred")) if n]
        return f"{done} searched: " + ", ".join(parts)


class SearchQueue:
    """One dispatcher thread and ``wanted_search_workers`` search threads."""

    def __init__(self, db: Database, bus: EventBus, settings: Callable[[], Settings],
                 searcher: Callable[[], SubtitleSearcher | None],
                 providers_ready_in: Callable[[], float | None],
                 tasks: TaskRegistry | None = None) -> None:
        self._db = db
        self._bus = bus
        self._settings = settings
        self._searcher = searcher
        self._ready_in = providers_ready_in
        self._tasks = tasks
        self.profiles: Callable[[], ProfileBook | None] = lambda: None  # set by the lifecycle
        self._workers = settings().wanted_search_workers
        self._executor = ThreadPoolExecutor(max_workers=self._workers,
                                            thread_name_prefix="wanted-search",
                                            initializer=lower_this_thread,
                                            initargs=(THREAD_NICE,))
        self._lock = threading.Lock()
        self._in_flight: set[int] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drain: DrainTally | None = None
        self.next_due: datetime | None = None

    # -- control -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = background_thread(self._dispatch_loop, "wanted-search-queue",
                                         THREAD_NICE)
        self._thread.start()

    def notify(self) -> None:
        """Rows became due (new media, Run now, a provider resumed): look now."""
        self._wake.set()

    def make_all_due(self) -> bool:
        """Search every searchable row now (Tasks → Run now)."""
        with self._db.session() as session:
            repo.make_due(session, utcnow())
        self.notify()
        return True

    def next_due_at(self) -> datetime | None:
        """When the next row is due (now or earlier when rows wait for a worker)."""
        with self._db.session() as session:
            return repo.next_due_at(session)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._in_flight)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._executor.shutdown(wait=True, cancel_futures=True)

    # -- dispatcher ----------------------------------------------------------------------

    def _dispatch_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a notify during the look is not lost
            try:
                delay = self._dispatch_once()
            except Exception:  # a database hiccup: try again shortly, never die
                log.exception("wanted search queue: dispatch failed")
                delay = 5.0
            self._wake.wait(delay)

    def _free_slots(self) -> int:
        # Twice the workers: the next item is already queued when a worker finishes, so no
        # worker waits for the dispatcher; memory stays bounded all the same.
        with self._lock:
            return self._workers * 2 - len(self._in_flight)

    def _dispatch_once(self) -> float:
        """Hand due rows to free workers; returns how long to sleep before looking again."""
        free = self._free_slots()
        now = utcnow()
        if free <= 0:
            return IDLE_POLL_SECONDS  # a finishing search wakes the loop
        if self._searcher() is None:
            return 1.0  # start-up: the providers layer registers the searcher after us
        ready_in = self._ready_in()
        if ready_in is None or ready_in > 0:
            self._finish_drain_if_idle()
            return min(IDLE_POLL_SECONDS, ready_in) if ready_in else NO_PROVIDER_RECHECK_SECONDS
        with self._lock:
            skip = set(self._in_flight)
        with self._db.session() as session:
            ids = [i for i in repo.due_ids(session, now, free + len(skip)) if i not in skip][:free]
            ids = repo.claim(session, ids)  # one write for the lot, not one per item
            if not ids:
                self.next_due = repo.next_due_at(session)
        if not ids:
            self._finish_drain_if_idle()
            if self.next_due is None:
                return IDLE_POLL_SECONDS
            return max(0.05, min(IDLE_POLL_SECONDS, (self.next_due - now).total_seconds()))
        for item_id in ids:
            with self._lock:
                self._in_flight.add(item_id)
                if self._drain is None:
                    self._drain = DrainTally(utcnow(), time.perf_counter())
            try:
                self._executor.submit(self._search_one, item_id)
            except RuntimeError:  # shutting down
                with self._lock:
                    self._in_flight.discard(item_id)
                return IDLE_POLL_SECONDS
        return 0.0 if len(ids) == free else 0.05

    def _finish_drain_if_idle(self) -> None:
        with self._lock:
            drain = self._drain if not self._in_flight else None
            if drain is not None:
                self._drain = None
        if drain is not None and self._tasks is not None:
            self._tasks.record(TASK_NAME, TaskRun(
                drain.started_at, int((time.perf_counter() - drain.started) * 1000),
                drain.summary(), drain.failed == 0))

    # -- one item ------------------------------------------------------------------------

    def _search_one(self, item_id: int) -> None:
        status: str | None = "failed"
        try:
            status = self._search_item(item_id)
        except Exception:
            log.exception("wanted search of item %s failed", item_id)
        finally:
            with self._lock:
                if self._drain is not None and status is not None:
                    setattr(self._drain, status, getattr(self._drain, status) + 1)
                self._in_flight.discard(item_id)
            self._wake.set()

    def _search_item(self, item_id: int) -> str | None:
        with self._db.session() as session:
            item = repo.get(session, item_id)
            if item is None or item.status != "searching":
                return None  # removed by a scan, or finished by a batch search meanwhile
            request, added_at = request_for(item, self.profiles()), item.added_at
        if not os.path.isfile(request.media_path):
            return self._drop(item_id, request.title, request.language,
                              f"media file not found: {request.media_path} (deleted, moved, "
                              "or path_mappings do not match)")
        searcher = self._searcher()
        if searcher is None:
            return self._defer(item_id, NO_PROVIDER_RECHECK_SECONDS,
                               "no subtitle searcher is available")
        result = safe_search(searcher, request)
        if self._stop.is_set() and result.status == "failed":
            return None  # cut short by shutdown: the row stays due for the next start
        if result.no_provider:
            wait = self._ready_in()
            return self._defer(item_id, wait if wait else NO_PROVIDER_RECHECK_SECONDS,
                               result.error or "no provider could be asked")
        record_outcome(self._db, item_id, added_at, result, self._settings())
        self._bus.emit("wanted_item_processed", {
            "item_id": item_id, "title": request.title, "language": request.language,
            "status": result.status, "subtitle_path": result.subtitle_path})
        return result.status

    def _drop(self, item_id: int, title: str, language: str, reason: str) -> str:
        log.warning("wanted item %s dropped: %s", item_id, reason)
        with self._db.session() as session:
            repo.drop(session, item_id, reason)
        self._bus.emit("wanted_item_processed", {
            "item_id": item_id, "title": title, "language": language, "status": "skipped"})
        return "dropped"

    def _defer(self, item_id: int, seconds: float, reason: str) -> str:
        until = utcnow() + timedelta(seconds=max(1.0, seconds))
        with self._db.session() as session:
            repo.defer(session, item_id, until, reason)
        return "deferred"

    def status(self) -> dict[str, Any]:
        with self._lock:
            in_flight = len(self._in_flight)
        return {"workers": self._workers, "in_flight": in_flight,
                "next_due_at": self.next_due.isoformat() if self.next_due else None}
