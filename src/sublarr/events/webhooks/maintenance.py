"""Background upkeep of the event tables: SQLite checkpoints and retention.

Automatic WAL checkpoints are off on every SQLite connection, so a commit by
an event producer never pays for one; this thread checkpoints instead.
:meth:`Maintenance.prune` removes finished outbox rows and hook log entries
by age and count; the Tasks "retention" job runs it on schedule (and on
demand), so the app shows when it last ran.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from sublarr.background import background_thread
from sublarr.config import Settings
from sublarr.db import hook_log
from sublarr.db.engine import Database
from sublarr.events.webhooks.outbox import Outbox

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 600.0  # the Tasks retention job's period


class Maintenance:
    """One daemon thread checkpointing every second; retention on request (``prune``)."""

    def __init__(self, db: Database, outbox: Outbox, settings: Callable[[], Settings]) -> None:
        self._db = db
        self._outbox = outbox
        self._settings = settings
        self._stop = threading.Event()
        self._thread = background_thread(self._run, "event-maintenance",
                                         settings().webhook_thread_nice)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def prune(self) -> tuple[int, int]:
        """Apply the retention settings now; returns (outbox rows, log entries) removed."""
        settings = self._settings()
        rows = self._outbox.prune_completed(settings.outbox_retention_days,
                                            settings.outbox_retention_count)
        with self._outbox.write_session() as session:
            entries = hook_log.prune(session, settings.hook_log_retention_days,
                                     settings.hook_log_retention_count)
        if rows or entries:
            log.info("retention: removed %d deliveries and %d log entries", rows, entries)
        return rows, entries

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_EVERY_SECONDS):
            try:
                self._db.checkpoint()
            except Exception:
                log.warning("event table maintenance failed; will retry", exc_info=True)
