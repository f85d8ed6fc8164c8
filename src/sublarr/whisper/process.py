"""Run a child process that can be stopped at once, streaming its stdout lines."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from sublarr.whisper.errors import JobStopped

POLL_SECONDS = 0.1
TERM_GRACE_SECONDS = 0.5
STDERR_TAIL_CHARS = 2000

ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class Finished:
    """How a child process ended."""

    returncode: int
    stderr_tail: str


def run_streaming(
    argv: Sequence[str],
    on_line: Callable[[str], None],
    should_stop: ShouldStop,
    *,
    stdin_data: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run ``argv``, call ``on_line`` for every stdout line, and return how it ended.

    ``should_stop`` is polled about every 100 ms; when it turns true the whole
    process group is killed and :class:`JobStopped` is raised.  stderr goes to
    a temporary file so a chatty child can never block on a full pipe.
    Raises ``FileNotFoundError`` when the program does not exist.
    """
    with tempfile.TemporaryFile(mode="w+b") as stderr_file:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=stderr_file, start_new_session=True,
            env=dict(env) if env is not None else None,
        )
        try:
            _feed_stdin(proc, stdin_data)
            _pump_lines(proc, on_line, should_stop)
            returncode = _wait(proc, should_stop)
        except BaseException:
            kill_group(proc)
            raise
        return Finished(returncode, _tail(stderr_file))


def kill_group(proc: subprocess.Popen) -> None:
    """TERM the child's process group, KILL it if it lingers, and reap the child."""
    for sig, grace in ((signal.SIGTERM, TERM_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            continue
    if proc.stdout is not None:
        proc.stdout.close()


def _feed_stdin(proc: subprocess.Popen, data: str | None) -> None:
    if data is None or proc.stdin is None:
        return
    try:
        proc.stdin.write(data.encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:  # the child died early; its exit code tells why
        pass


def _pump_lines(proc: subprocess.Popen, on_line: Callable[[str], None],
                should_stop: ShouldStop) -> None:
    lines: queue.Queue[bytes | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                lines.put(raw)
        except (OSError, ValueError):  # pipe closed by kill_group
            pass
        finally:
            lines.put(None)

    threading.Thread(target=read, name="whisper-child-reader", daemon=True).start()
    while True:
        if should_stop():
            raise JobStopped()
        try:
            raw = lines.get(timeout=POLL_SECONDS)
        except queue.Empty:
            continue
        if raw is None:
            return
        on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))


def _wait(proc: subprocess.Popen, should_stop: ShouldStop) -> int:
    while True:
        try:
            return proc.wait(POLL_SECONDS)
        except subprocess.TimeoutExpired:
            if should_stop():
                raise JobStopped() from None


def _tail(handle) -> str:  # noqa: ANN001 - a binary file object
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - STDERR_TAIL_CHARS))
    return handle.read().decode("utf-8", errors="replace").strip()
