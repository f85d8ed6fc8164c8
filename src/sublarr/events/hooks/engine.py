"""Hook engine: user scripts run on events (see SPEC "Hook scripts").

Producers never wait for a script: :meth:`HookEngine.dispatch` (a bus
receiver, so it runs in the producer's thread) only looks the event up in an
in-memory snapshot of the enabled hooks and puts jobs on a bounded queue.
A fixed pool of workers runs the scripts; one recorder thread writes every
outcome to hook_log and the hook's statistics (in batches) and emits
``hook_executed``.  A job that cannot be queued is recorded as a failed run,
never dropped silently and never waited for.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable


from sublarr.background import BatchThread
from sublarr.events.hooks import repo as hook_configs
from sublarr.db.engine import Database
from sublarr.events.hooks.repo import HookSpec
from sublarr.events import runlog
from sublarr.events.bus import Envelope, EventBus, build_envelope, new_event_id, validate_payload
from sublarr.events.catalog import CATALOG, WILDCARD
from sublarr.events.subscription import Predicate, compile_filters
from sublarr.events.hooks.process_groups import ProcessGroups
from sublarr.events.hooks.run_markers import (
    INTERRUPTED_ERROR,
    RunMarkers,
    TrackedRun,
    stop_leftover,
)
from sublarr.events.hooks.runner import KILL_GRACE_SECONDS, ScriptResult, run_script
from sublarr.events.hooks.script_path import ScriptPathError, resolve_script

log = logging.getLogger(__name__)

COMPONENT_KEY = "hooks"
SHUTDOWN_WAIT_SECONDS = 10.0
CACHE_REFRESH_SECONDS = 30.0
RECORD_BATCH = 200
# While runs are in flight, waiting briefly for more outcomes turns a burst into a few
# transactions instead of one each (less GIL time taken from the workers).  The recorder
# naps in steps meanwhile instead of waking for every single outcome.
RECORD_LINGER_SECONDS = 0.1
RECORD_NAP_SECONDS = 0.01
RECORD_RETRY_SECONDS = 0.5
RECORD_ATTEMPTS = 3
QUEUE_FULL_ERROR = "Not run: the hook queue is full ({size} runs waiting); raise hook_queue_size " \
                   "or hook_workers, or make the script faster"
QUEUE_FULL_LOG_SECONDS = 10.0
SHUTDOWN_ERROR = "Not run: Sublarr was shutting down"
_STOP = object()


@dataclass(frozen=True)
class _Job:
    spec: HookSpec
    envelope: Envelope


class HookEngine:
    """Bounded pool of script runners fed from a bounded queue."""

    def __init__(self, db: Database, bus: EventBus, hooks_dir: Path, *, workers: int = 4,
                 queue_size: int = 1000, path_env: str | None = None,
                 shutdown_wait: float = SHUTDOWN_WAIT_SECONDS,
                 kill_grace: float = KILL_GRACE_SECONDS,
                 count_run: Callable[[runlog.Run], None] | None = None) -> None:
        self.db = db
        self._count_run = count_run  # Prometheus, per hook
        self.bus = bus
        self.hooks_dir = Path(hooks_dir)
        self.workers = workers
        self.queue_size = queue_size
        self._path_env = path_env if path_env is not None else (os.environ.get("PATH")
                                                                 or os.defpath)
        self._shutdown_wait = shutdown_wait
        self._kill_grace = kill_grace
        # A SimpleQueue (C, lock-free for us) plus markers in deques, whose append and pop are
        # atomic and never block: a queue.Queue's Python-level lock, contended by the workers,
        # made the producer give up the GIL (and wait milliseconds for it) inside emit.
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._waiting: deque[None] = deque()  # one per queued job: the queue bound
        self._unfinished: deque[None] = deque()  # one per queued or running job
        # Set when the last running job finished: the recorder's nap ends at once, so the
        # last outcomes of a burst are not held back for the rest of a nap.
        self._drained = threading.Event()
        self._recorder = BatchThread("hook-recorder", self._record, limit=RECORD_BATCH,
                                     linger=RECORD_LINGER_SECONDS, nap=RECORD_NAP_SECONDS,
                                     more_coming=lambda: bool(self._unfinished),
                                     wake=self._drained, idle_seconds=CACHE_REFRESH_SECONDS,
                                     after_batch=self._refresh_if_stale,
                                     retry_seconds=RECORD_RETRY_SECONDS)
        self._groups = ProcessGroups()
        self._markers = RunMarkers(self.hooks_dir.parent / "hook-runs")
        self._by_event: dict[str, tuple[HookSpec, ...]] = {}
        self._reload_lock = threading.Lock()
        self._last_reload = 0.0
        self._accepting = False
        self._full_warned_at = -QUEUE_FULL_LOG_SECONDS
        self._full_count = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Load the hook snapshot and start the workers and the recorder."""
        self.reload()
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"hook-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._recorder.start()
        self._log_interrupted_runs()
        self._accepting = True

    def _log_interrupted_runs(self) -> None:
        """Runs a crash of the previous process cut short: stop their scripts, log them failed."""
        for marker in self._markers.take_leftovers():
            killed = stop_leftover(marker)
            log.warning("hook %s (%s) was running when Sublarr last stopped abruptly%s",
                        marker.hook_id, marker.name, "; its script was killed" if killed else "")
            self._recorder.put(runlog.Run(
                runlog.SCRIPT, marker.hook_id, marker.name, marker.event_name, marker.event_id,
                False, marker.started, 0, 1, error=INTERRUPTED_ERROR))

    def reload(self) -> None:
        """Refresh the in-memory snapshot of enabled hooks (call after any config change)."""
        with self._reload_lock:
            with self.db.session() as session:
                specs = hook_configs.enabled_specs(session)
            by_event: dict[str, list[tuple[HookSpec, Predicate | None]]] = {}
            for spec in specs:
                predicate = compile_filters(spec.filters)
                for name in spec.events:
                    by_event.setdefault(name, []).append((spec, predicate))
            self._by_event = {name: tuple(group) for name, group in by_event.items()}
            self._last_reload = time.monotonic()

    def shutdown(self) -> None:
        """Stop accepting, record queued runs as not run, let running ones finish (bounded).

        Scripts still running after the wait are terminated (TERM, then KILL)
        and recorded with that outcome; every outcome is written before return.
        """
        if self._stopping.is_set():
            return
        self._accepting = False
        self._stopping.set()
        self._reject_queued()
        for _ in self._threads:
            self._jobs.put(_STOP)
        deadline = time.monotonic() + self._shutdown_wait
        self._join_workers(deadline)
        if self.terminate_running(signal.SIGTERM):
            self._join_workers(time.monotonic() + self._kill_grace)
            self.terminate_running(signal.SIGKILL)
            self._join_workers(time.monotonic() + self._kill_grace)
        self._reject_queued()  # a producer that raced the shutdown queued behind the stops
        self._recorder.stop(self._shutdown_wait)

    def terminate_running(self, signum: int = signal.SIGTERM) -> int:
        """Signal the process group of every running script; returns how many there were.

        Each run then ends like any other (recorded with the signal as its outcome).
        """
        return self._groups.signal_all(signum)

    def _reject_queued(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not _STOP:
                self._reject(job.spec, job.envelope, SHUTDOWN_ERROR)
                self._waiting.pop()
                self._unfinished.pop()

    def _join_workers(self, deadline: float) -> None:
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # ----------------------------------------------------------------- producing

    def hooks_for(self, event_name: str, data: Any = None) -> tuple[HookSpec, ...]:
        """The enabled hooks that run for ``event_name`` (its own, then the ``*`` ones) whose
        filters match ``data`` (filters are not checked when ``data`` is None)."""
        snapshot = self._by_event
        return tuple(spec for spec, matches in snapshot.get(event_name, ()) + snapshot.get(WILDCARD, ())
                     if matches is None or data is None or _matches(matches, data))

    def dispatch(self, envelope: Envelope) -> None:
        """Queue every matching hook for ``envelope``; never blocks, never queries the DB."""
        for spec in self.hooks_for(envelope["event_name"], envelope.get("data") or {}):
            self.submit(spec, envelope)

    def submit(self, spec: HookSpec, envelope: Envelope) -> bool:
        """Queue one run; when that is impossible record it as failed. True when queued."""
        if not self._accepting:
            log.warning("hook %s (%s) not run for %s: Sublarr is shutting down", spec.id,
                        spec.name, envelope.get("event_name"))
            self._reject(spec, envelope, SHUTDOWN_ERROR)
            return False
        if len(self._waiting) >= self.queue_size:
            self._warn_queue_full()
            self._reject(spec, envelope, QUEUE_FULL_ERROR.format(size=self.queue_size))
            return False
        # Racing producers may overshoot the bound by one each; it only needs to be bounded.
        self._waiting.append(None)
        self._unfinished.append(None)  # before the job: the recorder must never miss it
        self._jobs.put(_Job(spec, envelope))
        return True

    def _warn_queue_full(self) -> None:
        """One log line per interval, not one per rejected run during a storm."""
        self._full_count += 1
        now = time.monotonic()
        if now - self._full_warned_at >= QUEUE_FULL_LOG_SECONDS:
            log.warning("hook queue full (%d waiting): %d run(s) recorded as not run",
                        self.queue_size, self._full_count)
            self._full_warned_at, self._full_count = now, 0

    def _reject(self, spec: HookSpec, envelope: Envelope, error: str) -> None:
        self._recorder.put(_run(spec, envelope, ScriptResult.not_run(error), 0, _now()))

    # ----------------------------------------------------------------- running

    def execute_hook(self, spec: HookSpec, envelope: Envelope) -> ScriptResult:
        """Run one hook now in the calling thread (path re-checked); never raises."""
        try:
            script = resolve_script(spec.script_path, self.hooks_dir)
        except ScriptPathError as exc:
            return ScriptResult.not_run(f"Refused to run: {exc}")
        try:
            tracked = TrackedRun(self._groups, self._markers, hook_id=spec.id, name=spec.name,
                                 event_name=envelope["event_name"], event_id=envelope.get("id"),
                                 started_at=_now().isoformat())
            return run_script(script, envelope, spec.timeout_seconds, path_env=self._path_env,
                              groups=tracked,
                              kill_grace=self._kill_grace)
        except Exception as exc:  # an OS surprise must not kill a worker
            log.exception("hook %s (%s) failed to run", spec.id, spec.name)
            return ScriptResult.not_run(f"Internal error while running the script: {exc}")

    def run_test(self, spec: HookSpec, message: str) -> tuple[Envelope, ScriptResult]:
        """Run ``spec`` now with a ``test`` envelope (not sent through the bus) and record it."""
        test = CATALOG["test"]
        envelope = build_envelope(test, validate_payload(test, {"message": message}),
                                  datetime.now(timezone.utc), new_event_id())
        started = _now()
        result = self.execute_hook(spec, envelope)
        # In the request's thread: a few tries, never an unbounded wait.
        self._recorder.store_with_retry([_run(spec, envelope, result, 1, started)],
                                        attempts=RECORD_ATTEMPTS)
        return envelope, result

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            self._waiting.pop()
            try:
                if self._stopping.is_set():
                    self._reject(job.spec, job.envelope, SHUTDOWN_ERROR)
                    continue
                started = _now()
                result = self.execute_hook(job.spec, job.envelope)
                self._recorder.put(_run(job.spec, job.envelope, result, 1, started))
            finally:
                self._unfinished.pop()  # after the outcome is queued: the recorder lingers
                if not self._unfinished:
                    self._drained.set()

    # ----------------------------------------------------------------- recording

    def _refresh_if_stale(self) -> None:
        """Pick up config changes made by another process sharing the database."""
        if time.monotonic() - self._last_reload >= CACHE_REFRESH_SECONDS:
            try:
                self.reload()
            except Exception:
                log.exception("reloading hook configs failed; keeping the previous snapshot")

    def _record(self, runs: list[runlog.Run]) -> None:
        """Write hook_log rows and statistics, then announce each run with ``hook_executed``."""
        with self.db.session() as session:
            runlog.write(session, runs, hook_configs.apply_tallies)
        for run in runs:
            if self._count_run is not None:
                self._count_run(run)
            if runlog.announces(run):
                try:
                    self.bus.emit(runlog.HOOK_EXECUTED, runlog.hook_executed_payload(run))
                except Exception:
                    log.exception("could not emit hook_executed for hook %s", run.subscriber_id)


def _run(spec: HookSpec, envelope: Envelope, result: ScriptResult, attempts: int,
         started: datetime) -> runlog.Run:
    """The run log's view of one run (``attempts`` 0: it was never started)."""
    return runlog.Run(runlog.SCRIPT, spec.id, spec.name, envelope["event_name"],
                      envelope.get("id"), result.success, started, result.duration_ms,
                      attempts, exit_code=result.exit_code, stdout=result.stdout,
                      stderr=result.stderr, error=result.error)


def _matches(predicate: Predicate, data: Any) -> bool:
    try:
        return predicate(data)
    except Exception:  # a comparison the save-time checks did not foresee: no match
        return False


def _now() -> datetime:
    return datetime.now(timezone.utc)
