"""One running job's link to the outside: stop requests, lease renewal and progress."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError

from sublarr.db.engine import Database
from sublarr.whisper import jobs
from sublarr.whisper.errors import JobStopped

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
HEARTBEAT_SECONDS = 1.0
PROGRESS_EVERY_SECONDS = 0.5

# Share of the whole job given to audio extraction; transcription gets the rest.
STAGE_SPAN = {"extracting": (0.0, 5.0), "transcribing": (5.0, 99.0), "writing": (99.0, 100.0)}

STOP_CANCELLED = "cancelled"
STOP_SHUTDOWN = "shutdown"
STOP_LEASE_LOST = "lease_lost"


def overall_percent(stage: str, fraction: float) -> float:
    """Percent of the whole job, given the stage and how far into it (pure)."""
    low, high = STAGE_SPAN.get(stage, (0.0, 100.0))
    return round(low + (high - low) * min(1.0, max(0.0, fraction)), 1)


def eta_seconds(elapsed: float, percent: float) -> int | None:
    """Seconds left if the rest goes as fast as so far; ``None`` before there is a trend."""
    if percent < 1.0 or elapsed <= 0:
        return None
    return max(0, round(elapsed * (100.0 - percent) / percent))


class JobControl:
    """Handed to the runner of one job; polled between steps and by every child wait.

    ``should_stop`` is cheap (an ``Event``); about once a second it also renews
    the lease and reads ``cancel_requested`` so a cancel made through another
    process reaches this worker.
    """

    def __init__(self, job_id: int, media_path: str, owner: str, db: Database,
                 emit_progress: Callable[[dict[str, Any]], None]) -> None:
        self.job_id = job_id
        self.media_path = media_path
        self.stop_reason: str | None = None
        self._owner = owner
        self._db = db
        self._emit_progress = emit_progress
        self._stopped = threading.Event()
        self._started = time.monotonic()
        self._last_beat = self._started
        self._last_emit = 0.0
        self._last_stage = ""
        self.percent = 0.0

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self._stopped.set()

    def should_stop(self) -> bool:
        if not self._stopped.is_set() and time.monotonic() - self._last_beat >= HEARTBEAT_SECONDS:
            self._beat()
        return self._stopped.is_set()

    def raise_if_stopped(self) -> None:
        if self.should_stop():
            raise JobStopped()

    def report(self, stage: str, fraction: float) -> None:
        """Record progress; sent to Socket.IO at most twice a second (plus stage changes)."""
        self.percent = overall_percent(stage, fraction)
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_emit < PROGRESS_EVERY_SECONDS:
            return
        self._last_stage, self._last_emit = stage, now
        self._emit_progress({
            "job_id": self.job_id, "media_path": self.media_path, "status": "running",
            "stage": stage, "percent": self.percent,
            "eta_seconds": eta_seconds(now - self._started, self.percent),
        })

    def _beat(self) -> None:
        self._last_beat = time.monotonic()
        try:
            with self._db.session() as session:
                beat = jobs.heartbeat(session, self.job_id, self._owner, self.percent, LEASE)
        except SQLAlchemyError:  # a busy database must not fail the job; retry next beat
            log.warning("whisper job %s: heartbeat failed", self.job_id, exc_info=True)
            return
        if not beat.still_owned:
            self.stop(STOP_LEASE_LOST)
        elif beat.cancel_requested:
            self.stop(STOP_CANCELLED)
