"""A worker's whisper child process, kept alive between jobs so the model loads once."""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import IO, Any, Callable

from sublarr.helper_env import whisper_child_environment
from sublarr.whisper.errors import JobStopped, TranscriptionError
from sublarr.whisper.process import POLL_SECONDS, ShouldStop, kill_group

CHILD_MODULE = "sublarr.whisper.child"
STDERR_LINES = 20
FINAL_EVENTS = frozenset({"done", "error"})


def _is_final(line: str) -> bool:
    try:
        return json.loads(line).get("event") in FINAL_EVENTS
    except (ValueError, AttributeError):
        return False


class ModelHost:
    """Owns at most one child (``python -m sublarr.whisper.child``) for one worker thread.

    Not thread-safe: only its worker calls it.  A stop request kills the
    child (the next job starts a fresh one); so does ``close``, called when
    the worker ends or the host has been idle for ``keep_seconds``.
    """

    def __init__(self, keep_seconds: float, python: str = sys.executable) -> None:
        self.keep_seconds = keep_seconds
        self._python = python
        self._proc: subprocess.Popen | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._last_used = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def run(self, request: dict[str, Any], on_line: Callable[[str], None],
            should_stop: ShouldStop) -> None:
        """Send one request and pass every answer line to ``on_line`` until the final one.

        Raises ``JobStopped`` (child killed) or :class:`TranscriptionError`
        when the child dies without a final answer.
        """
        try:
            self._send(json.dumps(request) + "\n")
            self._relay(on_line, should_stop)
        except BaseException:
            self.close()
            raise
        finally:
            self._last_used = time.monotonic()
        if self.keep_seconds <= 0:
            self.close()

    def close_if_idle(self) -> None:
        if self._proc is not None and time.monotonic() - self._last_used >= self.keep_seconds:
            self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        kill_group(proc)

    def _send(self, text: str) -> None:
        if not self.alive:
            self._spawn()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(text.encode("utf-8"))
            self._proc.stdin.flush()
        except BrokenPipeError:  # died while idle; the relay reports the exit code
            pass

    def _relay(self, on_line: Callable[[str], None], should_stop: ShouldStop) -> None:
        while True:
            if should_stop():
                raise JobStopped()
            try:
                line = self._lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if line is None:
                raise TranscriptionError(self._death_notice())
            on_line(line)
            if _is_final(line):
                return

    def _death_notice(self) -> str:
        try:
            code = self._proc.wait(5) if self._proc is not None else None
        except subprocess.TimeoutExpired:  # stdout closed but the process lingers
            code = None
        tail = self._stderr[-1][:300] if self._stderr else "no output"
        return f"the whisper process ended with code {code}: {tail}"

    def _spawn(self) -> None:
        # Fresh buffers per child, so a killed child's reader can never feed the next one.
        lines: queue.Queue[str | None] = queue.Queue()
        stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._lines, self._stderr = lines, stderr
        self._proc = subprocess.Popen(
            [self._python, "-m", CHILD_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
            env=whisper_child_environment(os.environ))
        _pump(self._proc.stdout, lines.put, end=lambda: lines.put(None))
        _pump(self._proc.stderr, stderr.append)


def _pump(stream: IO[bytes] | None, sink: Callable[[str], None],
          end: Callable[[], None] | None = None) -> None:
    """Copy a child's output lines to ``sink`` on a daemon thread (pipes never fill up)."""

    def copy() -> None:
        try:
            for raw in stream or ():
                sink(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        except (OSError, ValueError):  # closed by kill_group
            pass
        finally:
            if end is not None:
                end()

    threading.Thread(target=copy, name="whisper-child-pipe", daemon=True).start()
