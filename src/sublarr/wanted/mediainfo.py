"""Subtitle tracks of a media file read in-process by MediaInfo (pymediainfo).

pymediainfo's wheels bundle libmediainfo; both are imported and loaded on the
first probe, so an idle process maps neither.  MediaInfo reads the container
headers (Matroska, MP4, AVI, MPEG-TS, …) in a few milliseconds without a child
process, and ctypes releases the GIL while it works, so a pool of threads reads
several files at once.  An answer is used only when it looks complete: a
recognised container, at least one stream, not flagged truncated; anything else
(and a library that cannot be loaded) is left to the caller's ffprobe.

A read that blocks (a network share that stopped answering) cannot be
interrupted inside the C library, so the call runs on a thread of its own
(:class:`BoundedCalls`) and the caller waits at most a time limit: past it the
file is left to ffprobe and the thread to finish whenever the read returns.
While ``stuck_limit`` such threads have not returned, MediaInfo is set aside
and every file goes to ffprobe; it is used again as soon as one returns.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import Callable, NamedTuple

from sublarr.library.languages import to_iso639_1
from sublarr.wanted.probe_cache import TIMED_OUT, ProbeResult

log = logging.getLogger(__name__)

# Container headers only (ParseSpeed 0); raw values ("ja", "Yes") as JSON.
PARSE_OPTIONS = {"parse_speed": 0, "full": False, "output": "JSON"}
DEFAULT_TIMEOUT_SECONDS = 30.0
STUCK_LIMIT = 3  # reads left blocked in the library before MediaInfo is set aside
ANSWERING_THREADS = 8  # threads reading at once besides the stuck ones (the probe pool's most)
IDLE_SECONDS = 30.0  # a thread with nothing to read for this long ends


class Outcome(NamedTuple):
    """How a call ended: ``answered`` (with ``output``), ``timeout`` (``stuck``: threads
    now stuck, this one included), ``busy`` (no thread came free in time),
    ``set_aside`` (refused: too many stuck) or ``stopped``."""

    kind: str
    output: str | None = None
    stuck: int = 0


class _Call:
    """One read handed to a thread: queued → running → finished, or abandoned by its
    caller while running (the thread is then stuck until the library returns)."""

    __slots__ = ("path", "state", "output", "error", "started_at", "done")

    def __init__(self, path: str) -> None:
        self.path = path
        self.state = "queued"
        self.output: str | None = None
        self.error: BaseException | None = None
        self.started_at = 0.0
        self.done = threading.Event()


class BoundedCalls:
    """Runs ``function(path)`` on daemon threads started on demand, waiting at most a
    time limit for each answer.

    Unlike a :class:`~concurrent.futures.ThreadPoolExecutor` (whose threads are joined
    at exit and cannot be given up on), a call that overstays is abandoned: its caller
    returns, its thread counts as stuck until the call returns (it is then counted back
    and serves again).  Threads never exceed ``answering + stuck_limit``: no call starts
    while ``stuck_limit`` are stuck.  Idle threads end after ``idle_seconds``.
    """

    def __init__(self, function: Callable[[str], str], stuck_limit: int = STUCK_LIMIT,
                 answering: int = ANSWERING_THREADS, idle_seconds: float = IDLE_SECONDS,
                 name: str = "mediainfo") -> None:
        self._function = function
        self.stuck_limit = max(1, stuck_limit)
        self._max_threads = max(1, answering) + self.stuck_limit
        self._idle_seconds = idle_seconds
        self._name = name
        self._cond = threading.Condition()
        self._queue: deque[_Call] = deque()
        self._running: set[_Call] = set()
        self._threads = 0
        self._idle = 0
        self._started = 0  # threads started so far (names)
        self._stopped = False
        self.stuck = 0  # calls abandoned whose thread has not returned yet
        self.abandoned = 0  # calls abandoned so far

    @property
    def threads(self) -> int:
        """Threads alive (answering, idle or stuck)."""
        with self._cond:
            return self._threads

    @property
    def set_aside(self) -> bool:
        """Whether calls are refused because ``stuck_limit`` threads are stuck."""
        with self._cond:
            return self.stuck >= self.stuck_limit

    def call(self, path: str, timeout: float) -> Outcome:
        """``function(path)``'s answer if it comes within ``timeout`` seconds; an exception
        of ``function`` is raised here."""
        call = _Call(path)
        with self._cond:
            if self._stopped:
                return Outcome("stopped")
            if self.stuck >= self.stuck_limit:
                return Outcome("set_aside")
            self._queue.append(call)
            if len(self._queue) > self._idle and self._threads < self._max_threads:
                try:
                    self._start_thread()
                except RuntimeError:
                    self._queue.remove(call)
                    raise
            else:
                self._cond.notify()
        call.done.wait(timeout)
        with self._cond:
            if call.state == "finished":
                if call.error is not None:
                    raise call.error
                return Outcome("answered", call.output)
            if call.state == "queued":  # no thread came free in time (or stopping)
                self._queue.remove(call)
                return Outcome("stopped" if self._stopped else "busy")
            call.state = "abandoned"  # running: its thread is stuck in the library
            self._running.discard(call)
            self.stuck += 1
            if self._stopped:
                return Outcome("stopped")
            self.abandoned += 1
            return Outcome("timeout", stuck=self.stuck)

    def stop(self) -> None:
        """Take no more calls; idle threads end, waiting callers return at once."""
        with self._cond:
            self._stopped = True
            for call in (*self._queue, *self._running):
                call.done.set()
            self._cond.notify_all()

    def _start_thread(self) -> None:
        """One more thread (lock held); a thread that cannot be started is not counted."""
        self._started += 1
        thread = threading.Thread(target=self._serve, name=f"{self._name}-{self._started}",
                                  daemon=True)
        self._threads += 1
        try:
            thread.start()
        except RuntimeError:  # the system's thread limit: this call gets no thread
            self._threads -= 1
            raise

    def _serve(self) -> None:
        while True:
            with self._cond:
                call = self._next_call()
            if call is None:
                return
            try:
                output, error = self._function(call.path), None
            except BaseException as exc:  # handed to the caller, never lost here
                output, error = None, exc
            with self._cond:
                late = self._finish(call, output, error)
                stuck, stopped = self.stuck, self._stopped
            if late is not None and not stopped:
                log.warning("MediaInfo: the read of %s returned after %.0f s (%d still "
                            "stuck)%s", call.path, late, stuck,
                            "; MediaInfo is used again" if stuck == self.stuck_limit - 1
                            else "")

    def _next_call(self) -> _Call | None:
        """The next queued call (lock held), or None when this thread ends (it is then
        no longer counted, so a caller starts a new one if needed)."""
        while not self._queue:
            if self._stopped or not self._wait_idle():
                self._threads -= 1
                return None
        call = self._queue.popleft()
        call.state = "running"
        call.started_at = time.monotonic()
        self._running.add(call)
        return call

    def _wait_idle(self) -> bool:
        """Wait for a call (lock held); False when none came for ``idle_seconds``."""
        self._idle += 1
        try:
            return self._cond.wait(self._idle_seconds) or bool(self._queue)
        finally:
            self._idle -= 1

    def _finish(self, call: _Call, output: str | None,
                error: BaseException | None) -> float | None:
        """Hand the answer over (lock held); a stuck thread is counted back and its
        time in the library returned."""
        if call.state == "abandoned":
            self.stuck -= 1
            return time.monotonic() - call.started_at
        self._running.discard(call)
        call.output, call.error = output, error
        call.state = "finished"
        call.done.set()
        return None


class MediaInfoReader:
    """Loads pymediainfo on first use; :meth:`read` answers or returns None.

    ``timeout`` (seconds, or a callable read at each call) bounds the wait for one
    file; threads start with the first read."""

    def __init__(self, library_file: str | None = None,
                 timeout: Callable[[], float] | float = DEFAULT_TIMEOUT_SECONDS,
                 stuck_limit: int = STUCK_LIMIT, answering: int = ANSWERING_THREADS) -> None:
        self._library_file = library_file  # None: the bundled library, else the system's
        self._timeout = timeout if callable(timeout) else (lambda: timeout)
        self._stuck_limit = stuck_limit
        self._answering = answering
        self._lock = threading.Lock()
        self._calls: BoundedCalls | None = None
        self._stopped = False
        self.unavailable: str | None = None  # why the library cannot be used, once known

    def _loaded(self) -> BoundedCalls | None:
        with self._lock:
            if self._calls is None and self.unavailable is None and not self._stopped:
                try:
                    from pymediainfo import MediaInfo
                    if not MediaInfo.can_parse(self._library_file):
                        raise OSError(f"libmediainfo cannot be loaded "
                                      f"({self._library_file or 'bundled or system library'})")
                except (ImportError, OSError) as exc:
                    self.unavailable = f"pymediainfo unavailable: {exc}"
                else:
                    library = self._library_file
                    self._calls = BoundedCalls(
                        lambda path: MediaInfo.parse(path, library_file=library,
                                                     **PARSE_OPTIONS),
                        stuck_limit=self._stuck_limit, answering=self._answering)
            return self._calls

    @property
    def stuck(self) -> int:
        """Reads given up on whose thread is still blocked in the library."""
        return self._calls.stuck if self._calls is not None else 0

    @property
    def threads(self) -> int:
        """Threads of this reader alive now."""
        return self._calls.threads if self._calls is not None else 0

    @property
    def set_aside(self) -> bool:
        """Whether MediaInfo is not used now (too many reads stuck)."""
        return self._calls is not None and self._calls.set_aside

    def read(self, path: str) -> ProbeResult | None:
        """Full and forced-only subtitle languages of ``path``; ``TIMED_OUT`` when no
        answer came within the time limit; None when MediaInfo is unavailable or set
        aside, cannot open the file, or gives an answer not to be trusted."""
        calls = self._loaded()
        if calls is None:
            return None
        limit = float(self._timeout())
        try:
            outcome = calls.call(path, limit)
        except (OSError, RuntimeError, ValueError):
            return None  # unreadable or vanished: ffprobe decides and reports
        if outcome.kind == "timeout":
            stuck = outcome.stuck
            log.warning("MediaInfo: no answer for %s within %g s (a network share not "
                        "answering?); the file is left to ffprobe, the blocked read to finish "
                        "(%d stuck; MediaInfo is set aside at %d)", path, limit, stuck,
                        calls.stuck_limit)
            if stuck == calls.stuck_limit:
                log.warning("MediaInfo set aside: %d reads are blocked in the library; "
                            "ffprobe reads every file until one of them returns", stuck)
            return TIMED_OUT
        if outcome.kind == "busy":
            log.debug("MediaInfo: no thread came free for %s within %g s; left to ffprobe",
                      path, limit)
        if outcome.output is None:
            return None  # busy, set aside or stopping: left to ffprobe
        return tracks_of(outcome.output)

    def stop(self) -> None:
        """Read nothing more (shutdown): waiting reads return at once."""
        with self._lock:
            self._stopped = True
            calls = self._calls
        if calls is not None:
            calls.stop()


def tracks_of(output: str) -> ProbeResult | None:
    """MediaInfo's JSON into full and forced-only track languages, or None when it does
    not describe a parsed container (pure)."""
    try:
        tracks = json.loads(output or "{}").get("media", {}).get("track", [])
    except (ValueError, AttributeError):
        return None
    if not isinstance(tracks, list):
        return None
    general = next((t for t in tracks if isinstance(t, dict) and t.get("@type") == "General"),
                   None)
    streams = [t for t in tracks if isinstance(t, dict) and t.get("@type") != "General"]
    if general is None or not general.get("Format") or not streams:
        return None  # not recognised, or a container MediaInfo does not look inside
    extra = general.get("extra")
    if isinstance(extra, dict) and extra.get("IsTruncated") == "Yes":
        return None
    full: set[str] = set()
    forced: set[str] = set()
    for track in streams:
        if track.get("@type") != "Text":
            continue
        code = to_iso639_1(str(track.get("Language") or ""))
        if not code:
            continue
        # "Yes / No": MP4 timed text flags forced in two places; either counts.
        is_forced = "Yes" in str(track.get("Forced") or "").split(" / ")
        (forced if is_forced else full).add(code)
    return ProbeResult(frozenset(full), frozenset(forced))
