"""Private per-run directories for hook scripts (cwd and HOME)."""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from collections import deque

SCRATCH_PREFIX = "sublarr-hook-"
READY_IDLE_SECONDS = 30.0



class ScratchDirs:
    """Private per-run directories (cwd and HOME), never reused.

    Unstarted, ``take`` creates and ``give_back`` removes in the caller's
    thread.  Started, one thread keeps a few fresh ones ready while scripts
    are running and removes used directories behind the workers: mkdir/rmdir
    cost milliseconds on some disks, and a worker should spend its time
    running scripts.  After READY_IDLE_SECONDS without a run the ready ones
    are removed, so nothing lingers in the temp dir of an idle or hook-less
    app; one that vanished meanwhile (a temp cleaner) is never handed out.
    A removal backlog past ``max_backlog`` is removed by the caller itself.
    """

    def __init__(self, ready: int = 4, max_backlog: int = 256,
                 idle_seconds: float = READY_IDLE_SECONDS) -> None:
        # A deque: appends and pops are atomic and take no Python-level lock, which the
        # workers would otherwise contend for with this thread once per run.
        self._ready: deque[str] = deque()
        self._ready_target = ready
        self._idle_seconds = idle_seconds
        self._used: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._busy = threading.Event()  # set by take(): only then keep dirs ready
        self._max_backlog = max_backlog
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tend, name="hook-scratch", daemon=True)
        self._thread.start()

    def take(self) -> str:
        if not self._busy.is_set():
            self._busy.set()
        while True:
            try:
                path = self._ready.popleft()
            except IndexError:
                return tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
            if os.path.isdir(path):
                return path

    def give_back(self, path: str) -> None:
        if self._thread is None or self._used.qsize() >= self._max_backlog:
            _remove_dir(path)
        else:
            self._used.put(path)

    def stop(self, timeout: float = 10.0) -> None:
        """Remove every used and ready directory (bounded wait)."""
        if self._thread is not None:
            self._used.put(None)
            self._thread.join(timeout)
            self._thread = None
        self._drop_ready()

    def _tend(self) -> None:
        while True:
            if self._busy.is_set() and len(self._ready) < self._ready_target:
                # Making comes first: a worker that finds none ready makes one itself and
                # waits for the disk; removal can lag (bounded by max_backlog).
                self._make_one()
                continue
            try:
                path = self._used.get(timeout=self._idle_seconds)
            except queue.Empty:  # no run for a while
                self._busy.clear()
                self._drop_ready()
                continue
            if path is None:
                return
            _remove_dir(path)

    def _make_one(self) -> None:
        try:
            path = tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
        except OSError:  # full or vanished temp dir: workers make their own (and see why)
            self._busy.clear()
            return
        self._ready.append(path)

    def _drop_ready(self) -> None:
        while True:
            try:
                _remove_dir(self._ready.popleft())
            except IndexError:
                return


def _remove_dir(path: str) -> None:
    """Remove a private dir; most are empty, and one rmdir beats a tree walk."""
    try:
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
