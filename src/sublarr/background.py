"""Background threads give way to request threads and event producers.

On a small home server every core is shared: while a webhook backlog is
being worked off, the scheduler's threads are runnable all the time, and a
producer (a request thread calling ``emit``) that had to queue behind them
for the CPU would wait a full scheduler time slice, several milliseconds.
On Linux, where niceness belongs to each thread, a background thread
therefore lowers its own priority when it starts.  A thread that producers
wake (the webhook scheduler) also asks for the batch policy
(``SCHED_BATCH``): a batch thread that wakes up never preempts the thread on
the CPU.  Without it, a producer whose ``emit`` woke the scheduler was put
off the CPU at that moment and often waited a whole time slice of some other
runnable thread (milliseconds) to get it back.  (Only that thread: a batch
thread woken by the network waits for the CPU the same way, which would slow
deliveries on a busy machine.)  Elsewhere this does nothing.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from typing import Any, Callable

from sublarr.db.unavailable import describe_error, is_database_unavailable

log = logging.getLogger(__name__)


def lower_this_thread(nice: int, batch: bool = False) -> None:
    """Run the calling thread at niceness ``nice`` (never raises it back up), with
    ``batch``: under ``SCHED_BATCH`` (it never preempts a thread when it wakes)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if nice > current:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        if batch and os.sched_getscheduler(tid) == os.SCHED_OTHER:  # keeps its niceness
            os.sched_setscheduler(tid, os.SCHED_BATCH, os.sched_param(0))
    except OSError as exc:  # a sandbox without the call: run at normal priority
        log.debug("could not lower thread priority: %s", exc)


GIVE_WAY_SECONDS = 0.05  # longest a background loop waits for API requests at one point


class Foreground:
    """API requests in flight in this process, so that CPU-bound background loops
    (the wanted scan, applying webhooks) can give way to them.

    Python has no thread priorities for the GIL: a request thread that returns
    from a database call waits for a busy background thread's switch interval
    at every step.  Background loops therefore call :meth:`give_way` between
    units of work; while requests run it waits (at most ``most`` seconds, so a
    stream of requests slows the loop but never stops it).  Process-wide, like
    the GIL it works around.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._idle = threading.Event()
        self._idle.set()

    def enter(self) -> None:
        with self._lock:
            self._running += 1
            self._idle.clear()

    def leave(self) -> None:
        with self._lock:
            self._running = max(0, self._running - 1)
            if self._running == 0:
                self._idle.set()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def give_way(self, most: float = GIVE_WAY_SECONDS) -> None:
        """Return once no request runs, or after ``most`` seconds."""
        if not self._idle.is_set():
            self._idle.wait(most)


FOREGROUND = Foreground()


def background_thread(target, name: str, nice: int,  # noqa: ANN001
                      batch: bool = False) -> threading.Thread:
    """A daemon thread that lowers its priority (see :func:`lower_this_thread`), then
    runs ``target``."""
    def run() -> None:
        lower_this_thread(nice, batch)
        target()

    return threading.Thread(target=run, name=name, daemon=True)


_STOP = object()


class BatchThread:
    """One thread that stores queued items in batches (the run log's writers).

    After the first item of a batch arrives it waits up to ``linger`` seconds
    for more, in naps of ``nap``, while ``more_coming()`` says more are on
    their way (``wake``, when given, ends a nap early): one transaction then
    stores a burst. A failing ``store`` is retried every ``retry_seconds``
    until it succeeds or the thread is stopping. ``after_batch`` runs after
    each batch and at least every ``idle_seconds``.
    """

    def __init__(self, name: str, store: Callable[[list[Any]], None], *, limit: int,
                 linger: float, nap: float, nice: int = 0,
                 more_coming: Callable[[], bool] = lambda: True,
                 wake: threading.Event | None = None, idle_seconds: float | None = None,
                 after_batch: Callable[[], None] = lambda: None,
                 retry_seconds: float = 0.5) -> None:
        self._name = name
        self._store = store
        self._limit = limit
        self._linger = linger
        self._nap = nap
        self._more_coming = more_coming
        self._wake = wake
        self._idle_seconds = idle_seconds
        self._after_batch = after_batch
        self._retry_seconds = retry_seconds
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread = background_thread(self._run, name, nice)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: Any) -> None:
        self._queue.put(item)

    def stop(self, timeout: float) -> None:
        """Store what is queued, then end the thread (waits at most ``timeout``)."""
        self._stopping.set()
        self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def store_with_retry(self, batch: list[Any], attempts: int | None = None) -> bool:
        """``store(batch)``, retried until it succeeds, the thread is stopping or
        ``attempts`` (None: no limit) are used up; True when stored."""
        attempt = 0
        while True:
            attempt += 1
            try:
                self._store(batch)
                return True
            except Exception as exc:
                if is_database_unavailable(exc):  # it ends by itself: one line, no traceback
                    log.warning("%s: could not store %d item(s) (database unavailable: %s; "
                                "attempt %d)", self._name, len(batch), describe_error(exc),
                                attempt)
                else:
                    log.exception("%s: could not store %d item(s) (attempt %d)", self._name,
                                  len(batch), attempt)
                if self._stopping.is_set() or (attempts is not None and attempt >= attempts):
                    return False
                time.sleep(self._retry_seconds)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle_seconds)
            except queue.Empty:
                first = None
            batch, ended = self._batch_from(first)
            if batch:
                self.store_with_retry(batch)
            if ended:
                return
            self._after_batch()

    def _batch_from(self, first: Any) -> tuple[list[Any], bool]:
        if first is None:
            return [], False
        if first is _STOP:
            return self._drain(), True
        batch = [first]
        until = time.monotonic() + self._linger
        while len(batch) < self._limit:
            if self._wake is not None:
                self._wake.clear()
            more = self._more_coming() and not self._stopping.is_set()
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                now = time.monotonic()
                if not more or now >= until:
                    return batch, False
                pause = min(self._nap, until - now)
                if self._wake is not None:
                    self._wake.wait(pause)
                else:
                    time.sleep(pause)
                continue
            if item is _STOP:
                return batch + self._drain(), True
            batch.append(item)
        return batch, False

    def _drain(self) -> list[Any]:
        rest = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return rest
            if item is not _STOP:
                rest.append(item)
