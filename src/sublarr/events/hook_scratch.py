"""Private per-run directories for hook scripts (cwd and HOME)."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import time
from collections import deque

SCRATCH_PREFIX = "sublarr-hook-"
READY_IDLE_SECONDS = 30.0
# While runs happen the tending thread works in ticks, not once per run: every wake-up is
# a GIL hand-off that the busy workers pay for.  Workers only wake it early when the ready
# directories run low or the removal backlog grows.
TICK_SECONDS = 0.05
USED_BATCH = 32


class ScratchDirs:
    """Private per-run directories (cwd and HOME), never reused.

    Unstarted, ``take`` creates and ``give_back`` removes in the caller's
    thread.  Started, one thread keeps a few fresh ones ready while scripts
    are running and removes used directories behind the workers, a batch per
    tick: mkdir/rmdir cost milliseconds on some disks, and a worker should
    spend its time running scripts (in batches, too, they cost a fraction of
    one at a time between process starts: the file system's metadata stays
    hot).  After READY_IDLE_SECONDS without a run
    the ready ones are removed, so nothing lingers in the temp dir of an idle
    or hook-less app; a script never runs in one that vanished meanwhile (a
    temp cleaner; see ``take``).  A removal backlog past ``max_backlog`` is
    removed by the caller itself.
    """

    def __init__(self, ready: int = 4, max_backlog: int = 256,
                 idle_seconds: float = READY_IDLE_SECONDS) -> None:
        # Deques: appends and pops are atomic and take no Python-level lock, which the
        # workers would otherwise contend for with this thread once per run.
        self._ready: deque[str] = deque()
        self._used: deque[str] = deque()
        self._ready_target = ready
        self._ready_low = max(1, ready // 2)
        self._idle_seconds = idle_seconds
        self._last_take = 0.0
        self._wake = threading.Event()
        self._busy = False  # set by take(): only then keep dirs ready
        self._stopping = False
        self._max_backlog = max_backlog
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tend, name="hook-scratch", daemon=True)
        self._thread.start()

    def take(self, fresh: bool = False) -> str:
        """A private empty dir: a ready one unless ``fresh`` or none is ready.

        Not stat'ed here (a syscall per run): ``run_script`` asks for a fresh
        one when a temp cleaner removed the ready one.
        """
        self._last_take = time.monotonic()
        if not self._busy:
            self._busy = True
            self._wake.set()
        if fresh:
            return _make_dir()
        try:
            path = self._ready.popleft()
        except IndexError:
            return _make_dir()
        if len(self._ready) < self._ready_low:
            self._wake_early()
        return path

    def give_back(self, path: str) -> None:
        if self._thread is None or len(self._used) >= self._max_backlog:
            _remove_dir(path)
            return
        self._used.append(path)
        # An idle thread does not tick: a run that outlasted the idle time wakes it.
        if len(self._used) >= USED_BATCH or not self._busy:
            self._wake_early()

    def stop(self, timeout: float = 10.0) -> None:
        """Remove every used and ready directory (bounded wait)."""
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join(timeout)
            self._thread = None
        self._remove_used()
        self._drop_ready()

    def _wake_early(self) -> None:
        if self._thread is not None and not self._wake.is_set():
            self._wake.set()

    def _tend(self) -> None:
        while not self._stopping:
            self._wake.wait(TICK_SECONDS if self._busy or self._used else None)
            self._wake.clear()
            self._remove_used()
            if not self._busy:
                continue
            if time.monotonic() - self._last_take >= self._idle_seconds:  # no run for a while
                self._busy = False
                self._drop_ready()
            else:
                self._fill_ready()

    def _fill_ready(self) -> None:
        while len(self._ready) < self._ready_target and not self._stopping:
            try:
                path = _make_dir()
            except OSError:  # full or vanished temp dir: workers make their own (and see why)
                return
            self._ready.append(path)

    def _remove_used(self) -> None:
        _remove_all(self._used)

    def _drop_ready(self) -> None:
        _remove_all(self._ready)


def _remove_all(paths: deque[str]) -> None:
    """Empty ``paths``, removing each dir (popleft: safe while other threads append)."""
    while True:
        try:
            _remove_dir(paths.popleft())
        except IndexError:
            return


def _make_dir() -> str:
    """A new empty 0700 dir in the temp dir (``tempfile.gettempdir()``, read every time).

    ``mkdtemp`` without its per-call name-sequence and path bookkeeping; the
    name only has to be unused, and ``mkdir`` never reuses an existing one.
    """
    parent = tempfile.gettempdir()
    for _ in range(100):
        path = os.path.join(parent, f"{SCRATCH_PREFIX}{random.getrandbits(64):016x}")
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no unused name for a private dir in {parent}")


def _remove_dir(path: str) -> None:
    """Remove a private dir; most are empty, and one rmdir beats a tree walk."""
    try:
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
