"""The registry of scheduled jobs: what each is, when it runs next, how its last run went.

Each job keeps its own schedule (the wanted scanner, the search queue, the
upgrade scan…); it reports every run here through :meth:`TaskRegistry.track`,
and the registry keeps the last run per job in ``scheduled_tasks`` so the
Tasks view survives a restart.  "Run now" calls the job's ``trigger``.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator

from sqlalchemy import select

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.tasks.models import ScheduledTaskRun

log = logging.getLogger(__name__)


def _never() -> None:
    return None


@dataclass(frozen=True)
class TaskSpec:
    """One scheduled job as the Tasks view lists it."""

    name: str
    label: str
    trigger: Callable[[], bool]  # start a run in the background; False when one runs already
    running: Callable[[], bool]
    next_run: Callable[[], datetime | None] = _never
    interval_seconds: Callable[[], float | None] = _never  # None: off, or driven by events


@dataclass(frozen=True)
class TaskRun:
    started_at: datetime
    duration_ms: int
    result: str
    success: bool


class RunOutcome:
    """What a tracked run reports: a one-line ``result``; ``success`` unless it raised."""

    def __init__(self) -> None:
        self.result = "done"
        self.success = True


class UnknownTask(KeyError):
    """No task of that name."""


class TaskRegistry:
    """Thread-safe; ``track`` never raises for its own bookkeeping."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._specs: dict[str, TaskSpec] = {}
        self._last: dict[str, TaskRun] = {}
        self._load()

    def _load(self) -> None:
        try:
            with self._db.session() as session:
                rows = session.scalars(select(ScheduledTaskRun)).all()
                self._last = {r.name: TaskRun(r.last_started_at, r.last_duration_ms,
                                              r.last_result, r.last_success) for r in rows}
        except Exception:  # a missing table must not stop start-up; runs are re-recorded
            log.warning("could not read the last task runs", exc_info=True)

    def register(self, spec: TaskSpec) -> None:
        with self._lock:
            self._specs[spec.name] = spec

    def spec(self, name: str) -> TaskSpec:
        with self._lock:
            found = self._specs.get(name)
        if found is None:
            raise UnknownTask(name)
        return found

    @contextmanager
    def track(self, name: str) -> Iterator[RunOutcome]:
        """Time the enclosed run of ``name`` and record it (an exception is a failed run)."""
        started_at = utcnow()
        started = time.perf_counter()
        outcome = RunOutcome()
        try:
            yield outcome
        except Exception as exc:
            outcome.success = False
            outcome.result = f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            self.record(name, TaskRun(started_at, int((time.perf_counter() - started) * 1000),
                                      outcome.result[:500], outcome.success))

    def record(self, name: str, run: TaskRun) -> None:
        with self._lock:
            self._last[name] = run
        try:
            with self._db.session() as session:
                row = session.get(ScheduledTaskRun, name) or ScheduledTaskRun(name=name)
                row.last_started_at, row.last_duration_ms = run.started_at, run.duration_ms
                row.last_result, row.last_success = run.result, run.success
                session.add(row)
        except Exception:
            log.warning("could not store the last run of task %s", name, exc_info=True)

    def run_now(self, name: str) -> bool:
        """Start ``name`` now; False when it is running already."""
        return self.spec(name).trigger()

    def last_run(self, name: str) -> TaskRun | None:
        with self._lock:
            return self._last.get(name)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            specs = list(self._specs.values())
        return [self.describe(spec) for spec in specs]

    def describe(self, spec: TaskSpec) -> dict[str, Any]:
        last = self.last_run(spec.name)
        next_run = _safe(spec.next_run)
        return {
            "name": spec.name, "label": spec.label, "running": bool(_safe(spec.running)),
            "interval_seconds": _safe(spec.interval_seconds),
            "next_run_at": _iso(next_run),
            "last_run_at": _iso(last.started_at) if last else None,
            "last_duration_ms": last.duration_ms if last else None,
            "last_result": last.result if last else None,
            "last_success": last.success if last else None,
        }


def _safe(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception:  # one broken job must not break the whole Tasks view
        log.warning("task state could not be read", exc_info=True)
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
