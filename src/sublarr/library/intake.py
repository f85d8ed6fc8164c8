"""Runs the library work of accepted webhooks off the request thread.

Each accepted webhook is stored first (:mod:`sublarr.library.inbox`), so the
answer Sonarr gets means "kept": what a crash or stop interrupts is applied
at the next start.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from sublarr.background import FOREGROUND, lower_this_thread
from sublarr.db.engine import Database
from sublarr.db.unavailable import is_database_unavailable
from sublarr.events.bridge import ProgressStream
from sublarr.library import inbox
from sublarr.library.actions import WebhookAction

log = logging.getLogger(__name__)

THREAD_NICE = 10  # the request that queued the work has answered already
SINK_COMPONENT = "wanted"  # the wanted pipeline: add_media / forget_paths / forget_folder
SINK_WAIT_SECONDS = 30.0  # at start, stored webhooks wait this long for the wanted pipeline
INTAKE_GIVE_WAY_SECONDS = 0.01  # short: under a steady stream of webhooks the backlog must still shrink


class WebhookIntake:
    """A small executor; each accepted webhook's changes run here, in arrival order per worker."""

    def __init__(self, progress: ProgressStream, sink: Callable[[], Any], db: Database,
                 workers: int = 2) -> None:
        self._progress = progress
        self._sink = sink
        self._db = db
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="webhook-intake",
                                            initializer=lower_this_thread, initargs=(THREAD_NICE,))

    def resume(self) -> int:
        """Queue the webhooks a previous run stored but did not apply; returns how many."""
        with self._db.session() as session:
            leftovers = inbox.left_over(session)
        for row_id, action in leftovers:
            self._executor.submit(self._apply_stored, row_id, action)
        if leftovers:
            log.info("applying %d webhook(s) received before the last stop", len(leftovers))
        return len(leftovers)

    def submit(self, action: WebhookAction) -> bool:
        """Store ``action`` and queue it; False (nothing kept) when the app is stopping."""
        if self._closed:
            log.warning("webhook %s/%s refused: shutting down", action.source, action.event_type)
            return False
        with self._db.session() as session:
            row_id = inbox.store(session, action)
        try:
            self._executor.submit(self._apply_stored, row_id, action)
        except RuntimeError:  # stopped meanwhile: the stored row is applied at the next start
            pass
        return True

    def _apply_stored(self, row_id: int, action: WebhookAction) -> None:
        FOREGROUND.give_way(INTAKE_GIVE_WAY_SECONDS)  # API requests (webhook answers too) first
        if self._apply(action) is False:
            return  # the database is away: the row stays for the next start
        try:
            with self._db.session() as session:
                inbox.remove(session, row_id)
        except Exception:
            log.warning("could not remove applied webhook %d (it is applied again at the "
                        "next start; applying is idempotent)", row_id, exc_info=True)

    def _apply(self, action: WebhookAction) -> bool:
        """Apply ``action``; False when it must be kept for later (database away)."""
        started = time.perf_counter()
        error = None
        try:
            self._apply_to_sink(action)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("webhook %s/%s could not be applied", action.source, action.event_type)
            if is_database_unavailable(exc):
                return False
        self._progress.emit("webhook_completed", {
            "source": action.source, "event_type": action.event_type,
            "files": len(action.new_files), "success": error is None, "error": error,
            "duration_ms": int((time.perf_counter() - started) * 1000)})
        return True

    def _wait_for_sink(self) -> Any:
        """The wanted pipeline (at start it is wired after this executor)."""
        deadline = time.monotonic() + SINK_WAIT_SECONDS
        sink = self._sink()
        while sink is None and not self._closed and time.monotonic() < deadline:
            time.sleep(0.1)
            sink = self._sink()
        return sink

    def _apply_to_sink(self, action: WebhookAction) -> None:
        sink = self._wait_for_sink()
        if sink is None:
            log.warning("webhook %s/%s: no wanted pipeline to hand files to",
                        action.source, action.event_type)
            return
        if action.gone_paths:
            sink.forget_paths(action.gone_paths)
        if action.gone_folder:
            sink.forget_folder(action.gone_folder)
        if action.new_files:
            sink.add_media(action.new_files)

    def shutdown(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=False)
