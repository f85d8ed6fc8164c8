"""The wanted pipeline as the rest of the app sees it: scans (manual and periodic)."""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sublarr.db.base import utcnow
from sublarr.events.bus import EventBus
from sublarr.library.media import MediaFile
from sublarr.tasks.registry import TaskRegistry
from sublarr.wanted.queue import SearchQueue
from sublarr.wanted.scan_state import ThrottledProgress
from sublarr.wanted.scanner import ScanReport, WantedScanner

if TYPE_CHECKING:  # the settings model is only needed for annotations
    from sublarr.config import Settings
    from sublarr.events.bridge import ProgressStream

log = logging.getLogger(__name__)

PROGRESS_STREAM = "wanted_scan_progress"
PROGRESS_EVERY_SECONDS = 0.5
SCAN_SWITCH_SECONDS = 0.0005  # GIL hand-over interval while a scan runs (default 5 ms)  # most often a running scan sends its progress
IDLE_RECHECK_SECONDS = 60.0  # periodic scan off: look at the setting again this often
SCAN_TASK = "wanted_scan"


class ScanRunner:
    """Runs at most one scan at a time in the background; periodic and retry schedule.

    After a scan where a source failed (Sonarr down, 401, 500), the next scan
    comes after ``wanted_scan_retry_seconds`` instead of the full interval.
    """

    def __init__(self, scanner: WantedScanner, bus: EventBus,
                 settings: Callable[[], Settings], tasks: TaskRegistry | None = None,
                 after_scan: Callable[[ScanReport], None] | None = None,
                 progress: ProgressStream | None = None) -> None:
        self.scanner = scanner
        self._progress = progress
        self._bus = bus
        self._settings = settings
        self._tasks = tasks
        self._after_scan = after_scan
        self.next_run_at: datetime | None = None
        self._lock = threading.Lock()
        self._running = False
        self._again = False  # request_rescan during a scan: scan again after it
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._scheduler: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._running

    def request_scan(self) -> bool:
        """Start a scan in the background; False when one is already running."""
        with self._lock:
            if self._running or self._stop.is_set():
                return False
            self._running = True
            self._worker = threading.Thread(target=self._run_scan, name="wanted-scan",
                                            daemon=True)
            self._worker.start()
            return True

    def request_rescan(self) -> None:
        """Scan now; when a scan is running, once more after it (it read the old state)."""
        with self._lock:
            if self._running:
                self._again = True
                return
        if not self.request_scan():  # a scan started in between: follow it with ours
            with self._lock:
                self._again = True

    def scan_now(self) -> ScanReport:
        """Scan in the calling thread (CLI, tests); emits ``wanted_scan_complete``."""
        report = self._tracked_scan()
        self._announce(report)
        return report

    def _tracked_scan(self) -> ScanReport:
        progress = ThrottledProgress(self._send_progress, PROGRESS_EVERY_SECONDS)
        # The scan is CPU-bound Python in the API's process: while it runs, a request
        # thread waiting for the GIL gets it after SCAN_SWITCH_SECONDS, not 5 ms.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SCAN_SWITCH_SECONDS))
        try:
            report = self._scan_with_task(progress.update)
        except Exception:
            progress.close({"status": "failed"})
            raise
        finally:
            sys.setswitchinterval(switch)
        progress.close({"status": "completed", "scanned": report.scanned,
                        "added": report.added, "removed": report.removed})
        return report

    def _send_progress(self, data: dict[str, Any]) -> None:
        """One ``wanted_scan_progress`` message: the scan's counters and ``data``."""
        if self._progress is None:
            return
        state = self.scanner.state
        snapshot = state.snapshot() if state is not None else {}
        self._progress.emit(PROGRESS_STREAM, {
            "id": "wanted_scan", "label": "Wanted scan", "status": "running",
            "processed": snapshot.get("series_done"), "total": snapshot.get("series_total"),
            **snapshot, **data})

    def _scan_with_task(self, progress: Callable[[dict], None]) -> ScanReport:
        if self._tasks is None:
            return self.scanner.scan(progress)
        with self._tasks.track(SCAN_TASK) as run:
            report = self.scanner.scan(progress)
            run.result = (f"{report.scanned} files, +{report.added} -{report.removed} rows"
                          + (f", {len(report.errors)} source error(s)" if report.errors else ""))
            run.success = not report.errors
        return report

    def _announce(self, report: ScanReport) -> None:
        self._bus.emit("wanted_scan_complete", report.event_payload())
        if self._after_scan is not None:
            self._after_scan(report)

    def _run_scan(self) -> None:
        report = None
        try:
            report = self._tracked_scan()
            self.last_error = None
            log.info("wanted scan: %d files, +%d -%d rows in %d ms", report.scanned,
                     report.added, report.removed, report.duration_ms)
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.exception("wanted scan failed")
        finally:
            with self._lock:
                self._running = False
            self._wake.set()  # let the scheduler pick its next delay from this outcome
        if report is not None:  # announced once a new scan may start (a listener may ask)
            self._announce(report)
        with self._lock:
            again, self._again = self._again, False
        if again:
            self.request_scan()

    def start_schedule(self) -> None:
        self._scheduler = threading.Thread(target=self._schedule_loop, name="wanted-schedule",
                                           daemon=True)
        self._scheduler.start()

    def _next_delay(self) -> float | None:
        settings = self._settings()
        report = self.scanner.last_report
        if (report is not None and report.errors) or self.last_error:
            return float(settings.wanted_scan_retry_seconds)
        minutes = settings.wanted_scan_interval_minutes
        return minutes * 60.0 if minutes > 0 else None

    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            delay = self._next_delay()
            self.next_run_at = None if delay is None else utcnow() + timedelta(seconds=delay)
            self._wake.clear()
            if self._wake.wait(IDLE_RECHECK_SECONDS if delay is None else delay):
                continue  # a scan just finished or settings changed: recompute the delay
            if delay is not None and not self._stop.is_set():
                self.request_scan()

    def reschedule(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._scheduler, self._worker):
            if thread is not None:
                thread.join(timeout)


class WantedPipeline:
    """Receives new media (a :class:`~sublarr.library.media.MediaSink`) and owns scans."""

    def __init__(self, runner: ScanRunner, queue: SearchQueue) -> None:
        self.runner = runner
        self.queue = queue

    def add_media(self, files: list[MediaFile]) -> None:
        absent = [m.path for m in files if not os.path.exists(m.path)]
        if absent:
            log.warning("wanted: %d queued file(s) not found locally, e.g. %s; check "
                        "path_mappings", len(absent), absent[0])
        added = self.runner.scanner.add_media(files)
        log.info("wanted: %d new file(s), %d row(s) added or due again", len(files), added)
        if added:
            self.queue.notify()

    def forget_paths(self, paths: list[str]) -> int:
        return self.runner.scanner.forget_paths(paths)

    def forget_folder(self, folder: str) -> int:
        return self.runner.scanner.forget_folder(folder)

    def status(self) -> dict[str, Any]:
        scanner = self.runner.scanner
        report = scanner.last_report
        running = self.runner.running
        return {
            "running": running,
            "last_error": self.runner.last_error,
            "progress": scanner.state.snapshot() if running and scanner.state else None,
            "warnings": report.warnings if report is not None else [],
            "last_scan": None if report is None else {
                **report.event_payload(), "errors": report.errors, "series": report.series,
                "files_probed": report.files_probed, "warnings": report.warnings,
                "finished_at": report.finished_at.isoformat() if report.finished_at else None},
        }
