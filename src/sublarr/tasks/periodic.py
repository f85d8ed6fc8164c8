"""A job that runs every N seconds on its own thread (and on demand), recorded as a task."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Callable

from sublarr.db.base import utcnow
from sublarr.tasks.registry import TaskRegistry, TaskSpec

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs ``job`` (which returns a one-line result) every ``interval()`` seconds."""

    def __init__(self, name: str, label: str, job: Callable[[], str],
                 interval: Callable[[], float], tasks: TaskRegistry,
                 manual: Callable[[], str] | None = None) -> None:
        self.name = name
        self._job = job
        self._manual = manual or job
        self._interval = interval
        self._tasks = tasks
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._run_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.next_run_at: datetime | None = None
        tasks.register(TaskSpec(name, label, trigger=self.run_now, running=self._run_lock.locked,
                                next_run=lambda: self.next_run_at,
                                interval_seconds=interval))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"task-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_now(self) -> bool:
        """Run the manual variant in the background; False when a run is in progress."""
        if self._run_lock.locked():
            return False
        threading.Thread(target=self._run, args=(self._manual,), name=f"task-{self.name}-now",
                         daemon=True).start()
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            delay = max(1.0, self._interval())
            self.next_run_at = utcnow() + timedelta(seconds=delay)
            if self._stop.wait(delay):
                return
            self._run(self._job)

    def _run(self, job: Callable[[], str]) -> None:
        if not self._run_lock.acquire(blocking=False):
            return
        try:
            with self._tasks.track(self.name) as run:
                run.result = job()
        except Exception:
            log.exception("task %s failed", self.name)
        finally:
            self._run_lock.release()
