"""The transcription queue: submit and cancel jobs, and the worker threads that run them."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sublarr.db.engine import Database
from sublarr.events.bus import EventBus
from sublarr.events.bridge import ProgressStream
from sublarr.owners import new_owner_id, owner_is_gone
from sublarr.settings_store import SettingsStore
from sublarr.whisper import jobs
from sublarr.whisper.control import (
    LEASE,
    STOP_CANCELLED,
    STOP_SHUTDOWN,
    JobControl,
)
from sublarr.whisper.errors import JobStopped, MediaNotFoundError, TranscriptionError
from sublarr.whisper.model_host import ModelHost
from sublarr.whisper.models import CANCELLED, COMPLETED, FAILED, FINISHED, JobRecord
from sublarr.whisper.runner import JobRunner, JobSpec, backend_name

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 2.0
CANCEL_WAIT_SECONDS = 5.0
JOIN_SECONDS = 10.0
RECOVERY_EVERY_SECONDS = 5.0
CANCELLED_MESSAGE = "Cancelled by user"


class JobNotFoundError(LookupError):
    """No job has this id."""


class JobFinishedError(Exception):
    """The job already reached a final state, so there is nothing to cancel."""

    def __init__(self, job: JobRecord) -> None:
        super().__init__(f"job {job.id} is already {job.status}; only queued or running "
                         "jobs can be cancelled")
        self.job = job


class DuplicateJobError(Exception):
    """The same file and language is already queued or running."""

    def __init__(self, job: JobRecord) -> None:
        super().__init__(f"a transcription of this file is already {job.status} (job {job.id})")
        self.job = job


@dataclass(frozen=True)
class CancelResult:
    job: JobRecord
    pending: bool  # a running job was asked to stop but has not confirmed yet


class WhisperQueue:
    """Persistent jobs in ``whisper_jobs`` and ``whisper_workers`` threads running them."""

    def __init__(self, db: Database, settings: SettingsStore, bus: EventBus,
                 progress: ProgressStream, data_dir: Path,
                 confine: Callable[[str], Path]) -> None:
        self._db = db
        self._confine = confine  # library roots: raises OutsideLibraryRoots
        self._settings = settings
        self._bus = bus
        self._progress = progress
        self._work_dir = data_dir / "whisper-work"
        self._models_dir = data_dir / "whisper-models"
        self.owner = new_owner_id()
        self._changed = threading.Condition()
        self._generation = 0  # bumped by every change a sleeping worker should look at
        self._stopping = threading.Event()
        self._workers: dict[int, threading.Thread] = {}
        self._running: dict[int, JobControl] = {}
        self._lock = threading.Lock()
        self._next_recovery = time.monotonic() + RECOVERY_EVERY_SECONDS

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.recover_abandoned()
        self.resize_workers()

    def stop(self) -> None:
        """Stop the workers; running jobs are put back in the queue for the next start."""
        self._stopping.set()
        with self._lock:
            controls = list(self._running.values())
            workers = list(self._workers.values())
        for control in controls:
            control.stop(STOP_SHUTDOWN)
        self._notify()
        deadline = time.monotonic() + JOIN_SECONDS
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def resize_workers(self) -> None:
        """Start workers up to ``whisper_workers``; extra ones exit after their current job."""
        if self._stopping.is_set():
            return
        wanted = self._settings.current.whisper_workers
        with self._lock:
            for index in range(wanted):
                thread = self._workers.get(index)
                if thread is None or not thread.is_alive():
                    thread = threading.Thread(target=self._work, args=(index,),
                                              name=f"whisper-worker-{index}", daemon=True)
                    self._workers[index] = thread
                    thread.start()
        self._notify()

    def recover_abandoned(self) -> list[int]:
        """Requeue jobs left running by a worker that died; returns their ids."""
        with self._db.session() as session:
            found = jobs.recover_abandoned(session, lambda owner: owner_is_gone(owner, self.owner))
            cancelled_paths = [job.media_path for job in found.cancelled]
        for media_path in cancelled_paths:
            self._emit_cancelled(media_path)
        if found.requeued:
            log.info("whisper: requeued %d job(s) left running: %s", len(found.requeued),
                     found.requeued)
            self._notify()
        return found.requeued

    # -- the API's verbs ---------------------------------------------------------------------
    def submit(self, media_path: str, language: str | None, priority: int,
               audio_track: int | None) -> JobRecord:
        """Queue a transcription; raises ``MediaNotFoundError``, ``DuplicateJobError`` or
        ``OutsideLibraryRoots`` (checked before the file is looked at)."""
        path = Path(media_path).expanduser()
        if not path.is_absolute():
            raise MediaNotFoundError(f"media_path must be absolute: {media_path}")
        self._confine(str(path))
        if not path.is_file():
            raise MediaNotFoundError(f"media file not found: {media_path}")
        # Absolute but not symlink-resolved: the SRT belongs beside the path the
        # library knows, which is often a symlink or hardlink into a download folder.
        resolved = os.path.abspath(path)
        with self._db.session() as session:
            existing = jobs.find_active(session, resolved, language)
            if existing is not None:
                raise DuplicateJobError(JobRecord.of(existing))
            job = JobRecord.of(jobs.create_job(session, resolved, language, priority,
                                               audio_track))
        self._notify()
        return job

    def get(self, job_id: int) -> JobRecord:
        with self._db.session() as session:
            job = jobs.get_job(session, job_id)
            if job is None:
                raise JobNotFoundError(f"no whisper job with id {job_id}")
            return JobRecord.of(job)

    def list_jobs(self, status: str | None, limit: int, offset: int) -> tuple[list[JobRecord], int]:
        with self._db.session() as session:
            rows, total = jobs.list_jobs(session, status, limit, offset)
            return [JobRecord.of(row) for row in rows], total

    def cancel(self, job_id: int, wait_seconds: float = CANCEL_WAIT_SECONDS) -> CancelResult:
        """Cancel a queued job at once; ask a running one to stop and wait for it briefly."""
        with self._db.session() as session:
            outcome, row = jobs.request_cancel(session, job_id)
            job = JobRecord.of(row) if row is not None else None
        if outcome == "missing" or job is None:
            raise JobNotFoundError(f"no whisper job with id {job_id}")
        if outcome == "finished":
            raise JobFinishedError(job)
        if outcome == "cancelled":
            self._emit_cancelled(job.media_path)
            return CancelResult(job, pending=False)
        with self._lock:
            control = self._running.get(job_id)
        if control is not None:
            control.stop(STOP_CANCELLED)
        job = self._wait_until_finished(job_id, wait_seconds)
        return CancelResult(job, pending=job.status not in FINISHED)

    def _wait_until_finished(self, job_id: int, timeout: float) -> JobRecord:
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            remaining = deadline - time.monotonic()
            if job.status in FINISHED or remaining <= 0:
                return job
            with self._changed:
                self._changed.wait(min(0.2, remaining))

    # -- workers -----------------------------------------------------------------------------
    def _work(self, index: int) -> None:
        host = ModelHost(self._settings.current.whisper_model_keep_seconds)
        try:
            while not self._stopping.is_set() and index < self._settings.current.whisper_workers:
                self._work_once(index, host)
        finally:
            host.close()

    def _work_once(self, index: int, host: ModelHost) -> None:
        """Run one job, or sleep until something changes."""
        seen = self._generation  # read before claiming, so no wake-up is lost
        try:
            claimed = self._claim()
        except Exception:  # the database may be briefly away; keep the worker alive
            log.exception("whisper worker %d: claiming a job failed", index)
            claimed = None
        if claimed is None:
            host.keep_seconds = self._settings.current.whisper_model_keep_seconds
            host.close_if_idle()
            if index == 0:
                self._recover_when_due()
            self._sleep_until_changed(seen)
            return
        self._run(*claimed, host)
        self._notify()

    def _sleep_until_changed(self, seen: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._generation != seen, IDLE_POLL_SECONDS)

    def _recover_when_due(self) -> None:
        """Now and then, take back jobs whose worker (maybe on another host) stopped renewing."""
        now = time.monotonic()
        if now < self._next_recovery:
            return
        self._next_recovery = now + RECOVERY_EVERY_SECONDS
        try:
            self.recover_abandoned()
        except Exception:
            log.exception("whisper: recovering abandoned jobs failed")

    def _claim(self) -> tuple[JobSpec, str] | None:
        settings = self._settings.current
        backend = backend_name(settings)
        with self._db.session() as session:
            job = jobs.claim_next(session, self.owner, LEASE, backend)
            if job is None:
                return None
            spec = JobSpec(job.id, job.media_path, job.language, job.audio_track)
        return spec, backend

    def _run(self, spec: JobSpec, backend: str, host: ModelHost) -> None:
        control = JobControl(spec.id, spec.media_path, self.owner, self._db,
                             lambda data: self._progress.emit("whisper_progress", data))
        with self._lock:
            self._running[spec.id] = control
        if self._stopping.is_set():  # claimed while stop() was collecting running jobs
            control.stop(STOP_SHUTDOWN)
        started = time.monotonic()
        runner = JobRunner(self._settings.current, self._work_dir, self._models_dir, host,
                           self._confine)
        try:
            outcome = runner.run(spec, control)
        except JobStopped:
            self._stopped(spec, control)
        except TranscriptionError as exc:
            self._failed(spec, str(exc))
        except Exception as exc:  # a bug must fail the job, never kill the worker
            log.exception("whisper job %s crashed", spec.id)
            self._failed(spec, f"internal error: {type(exc).__name__}: {exc}")
        else:
            self._completed(spec, backend, outcome.subtitle_path, outcome.language,
                            int((time.monotonic() - started) * 1000))
        finally:
            with self._lock:
                self._running.pop(spec.id, None)

    def _completed(self, spec: JobSpec, backend: str, subtitle_path: str,
                   language: str | None, duration_ms: int) -> None:
        with self._db.session() as session:
            owned = jobs.finish(session, spec.id, self.owner, COMPLETED,
                                subtitle_path=subtitle_path, duration_ms=duration_ms,
                                detected_language=language)
        if not owned:  # our lease ran out and another worker took over; it will report
            return
        self._progress.emit("whisper_progress", final_progress(spec, COMPLETED))
        self._bus.emit("whisper_complete", {
            "media_path": spec.media_path, "language": language or "und",
            "subtitle_path": subtitle_path, "duration_ms": duration_ms, "backend": backend})

    def _failed(self, spec: JobSpec, error: str) -> None:
        log.warning("whisper job %s failed: %s", spec.id, error)
        with self._db.session() as session:
            owned = jobs.finish(session, spec.id, self.owner, FAILED, error=error)
        if owned:
            self._progress.emit("whisper_progress", final_progress(spec, FAILED))
            self._bus.emit("whisper_failed",
                           {"media_path": spec.media_path, "error": error, "cancelled": False})

    def _stopped(self, spec: JobSpec, control: JobControl) -> None:
        with self._db.session() as session:
            if control.stop_reason == STOP_SHUTDOWN:
                jobs.release(session, spec.id, self.owner)
                return
            owned = jobs.finish(session, spec.id, self.owner, CANCELLED, error=CANCELLED_MESSAGE)
        if owned:  # a lost lease means another worker owns the job now: stay silent
            self._progress.emit("whisper_progress", final_progress(spec, CANCELLED))
            self._emit_cancelled(spec.media_path)

    def _emit_cancelled(self, media_path: str) -> None:
        self._bus.emit("whisper_failed",
                       {"media_path": media_path, "error": CANCELLED_MESSAGE, "cancelled": True})

    def _notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()


def final_progress(spec: JobSpec, status: str) -> dict[str, Any]:
    """The last ``whisper_progress`` of a job that ended with ``status``."""
    return {"job_id": spec.id, "media_path": spec.media_path, "status": status,
            "stage": "finished", "percent": 100.0 if status == COMPLETED else None,
            "eta_seconds": 0}
