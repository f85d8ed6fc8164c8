"""Private per-run directories for hook scripts (cwd and HOME)."""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading

SCRATCH_PREFIX = "sublarr-hook-"
READY_IDLE_SECONDS = 30.0



class ScratchDirs:
    """Private per-run directories (cwd and HOME), never reused.

    Unstarted, ``take`` creates and ``give_back`` removes in the caller's
    thread.  Started, one thread removes used directories behind the workers
    and, while scripts are running, keeps a few fresh ones ready: mkdir/rmdir
    cost milliseconds on some disks, and a worker should spend its time
    running scripts.  After READY_IDLE_SECONDS without a run the ready ones
    are removed, so nothing lingers in the temp dir of an idle or hook-less
    app; one that vanished meanwhile (a temp cleaner) is never handed out.
    A removal backlog past ``max_backlog`` is removed by the caller itself.
    """

    def __init__(self, ready: int = 4, max_backlog: int = 256,
                 idle_seconds: float = READY_IDLE_SECONDS) -> None:
        self._ready: queue.Queue[str] = queue.Queue(maxsize=ready)
        self._idle_seconds = idle_seconds
        self._used: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._busy = threading.Event()  # set by take(): only then keep dirs ready
        self._max_backlog = max_backlog
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tend, name="hook-scratch", daemon=True)
        self._thread.start()

    def take(self) -> str:
        self._busy.set()
        while True:
            try:
                path = self._ready.get_nowait()
            except queue.Empty:
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
            idle = self._ready.full() or not self._busy.is_set()
            try:
                path = self._used.get(block=idle, timeout=self._idle_seconds if idle else None)
            except queue.Empty:
                if idle:  # no run for a while
                    self._busy.clear()
                    self._drop_ready()
                else:
                    self._make_one()
                continue
            if path is None:
                return
            _remove_dir(path)

    def _make_one(self) -> None:
        path = tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
        try:
            self._ready.put_nowait(path)
        except queue.Full:
            _remove_dir(path)

    def _drop_ready(self) -> None:
        while True:
            try:
                _remove_dir(self._ready.get_nowait())
            except queue.Empty:
                return


def _remove_dir(path: str) -> None:
    """Remove a private dir; most are empty, and one rmdir beats a tree walk."""
    try:
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
