"""Running one hook script (SPEC "Hook scripts"): path check, environment, process group.

The environment and the stdin document are built by pure functions so they
can be tested without Flask, a database or a process.  :func:`run_script`
runs one script: argv without a shell, its own session/process group, a
private temporary directory as cwd and HOME, stdin/stdout/stderr moved by one
poll loop that never blocks on a pipe (no helper threads that a stuck
grandchild could leave behind), output kept up to 4096 characters per stream.

Leftover processes: when a script exits normally but processes of its group
are still running (``cmd &`` without ``wait``), they are terminated like on a
timeout (TERM, then KILL after the grace period).  A hook run is bounded: what
it started ends with it, and a background child can never pile up across
thousands of runs.  A script that really wants a long-lived daemon must leave
the group on purpose (``setsid``) and close its stdout/stderr; we stop
reading pipes that such a daemon keeps open shortly after the script ended.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from sublarr.events.hooks.environment import build_environment, stdin_document
from sublarr.events.hooks.process_groups import ProcessGroups, group_alive, signal_group

if TYPE_CHECKING:
    from sublarr.events.hooks.run_markers import TrackedRun

OUTPUT_LIMIT_CHARS = 4096
KILL_GRACE_SECONDS = 5.0
PIPE_DRAIN_SECONDS = 1.0
DATA_FILE_NAME = "event_data.json"
_READ_CHUNK = 64 * 1024
_POLL_SECONDS = 0.05
_UNTIL_INTERVAL_SECONDS = 0.005

SCRATCH_PREFIX = "sublarr-hook-"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class ScriptResult:
    """What one run produced (SPEC: success, exit_code, stdout, stderr, duration_ms, error)."""

    success: bool
    exit_code: int | None
    stdout: str
    stderr: str
    duration_ms: int
    error: str | None

    @classmethod
    def not_run(cls, error: str) -> ScriptResult:
        return cls(False, None, "", "", 0, error)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def exit_error(exit_code: int) -> str | None:
    """The error text for an exit status (``None`` for success)."""
    if exit_code == 0:
        return None
    if exit_code < 0:
        try:
            return f"Killed by signal {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"Killed by signal {-exit_code}"
    return f"Exit code {exit_code}"


# --------------------------------------------------------------------------- pipes


class _Capture:
    """Keeps the first bytes of a stream; the rest is read and dropped."""

    def __init__(self, limit_chars: int) -> None:
        self._limit_chars = limit_chars
        self._limit_bytes = limit_chars * 4  # a UTF-8 char is at most 4 bytes
        self._kept = bytearray()

    def feed(self, chunk: bytes) -> None:
        room = self._limit_bytes - len(self._kept)
        if room > 0:
            self._kept += chunk[:room]

    def text(self) -> str:
        """The kept output; NULs become U+FFFD (PostgreSQL text cannot hold them)."""
        return self._kept.decode("utf-8", "replace")[: self._limit_chars].replace("\0", "\ufffd")


class _Pipes:
    """Feeds stdin and drains stdout/stderr of one process without threads.

    Raw pipe fds, not ``Popen``'s file objects: wrapping and closing those
    costs a dozen syscalls and objects per run, each a GIL hand-off among
    busy workers.  Every read and write waits for poll first (the first
    stdin chunk excepted: it fits in the empty pipe), so a script that never
    reads stdin or a grandchild that keeps a pipe open cannot block the worker.
    ``select.poll`` directly, not ``selectors``: this loop runs for every hook
    run and its Python overhead competes with the other workers for the GIL.
    """

    def __init__(self, stdin_fd: int, stdout_fd: int, stderr_fd: int, stdin_data: bytes) -> None:
        self.stdout = _Capture(OUTPUT_LIMIT_CHARS)
        self.stderr = _Capture(OUTPUT_LIMIT_CHARS)
        self._poll = select.poll()
        self._captures = {stdout_fd: self.stdout, stderr_fd: self.stderr}
        self._open: set[int] = set()
        self._stdin_fd = stdin_fd
        self._stdin = memoryview(stdin_data)
        for fd in (stdout_fd, stderr_fd):
            self._add(fd, select.POLLIN)
        self._add(stdin_fd, select.POLLOUT)
        self._write()  # the pipe is empty: the first chunk always fits

    @property
    def open(self) -> bool:
        return bool(self._open)

    def run(self, deadline: float, until: Callable[[], bool] = lambda: False) -> None:
        """Move data until every pipe is closed, ``until()`` holds or ``deadline`` passes.

        ``until`` is asked at most every few milliseconds, not once per chunk:
        a flooding script would otherwise make it the hot loop.
        """
        next_check = time.monotonic() + _UNTIL_INTERVAL_SECONDS  # callers just checked
        while self._open:
            now = time.monotonic()
            if now >= next_check:
                if until():
                    return
                next_check = now + _UNTIL_INTERVAL_SECONDS
            remaining = deadline - now
            if remaining <= 0:
                return
            for fd, events in self._poll.poll(min(remaining, _POLL_SECONDS) * 1000):
                if fd == self._stdin_fd:
                    self._write()
                elif fd in self._open:
                    self._read(fd, events)

    def _add(self, fd: int, events: int) -> None:
        self._open.add(fd)
        self._poll.register(fd, events)

    def _write(self) -> None:
        # At most PIPE_BUF bytes, and only when the pipe is empty or poll said it has room:
        # such a write never blocks, so the pipe stays blocking for the script's sake
        # and we save the fcntl calls of making our end non-blocking.
        try:
            written = os.write(self._stdin_fd, self._stdin[:select.PIPE_BUF])
        except OSError:  # BrokenPipe: the script does not want (more of) stdin
            written = len(self._stdin)
        self._stdin = self._stdin[written:]
        if not self._stdin:
            self._close(self._stdin_fd)

    def _read(self, fd: int, events: int) -> None:
        # POLLHUP means every writer is gone: without POLLIN nothing is left, and a short
        # read drained the rest.  Either way no extra read() just to see the EOF.
        if not events & select.POLLIN:
            self._close(fd)
            return
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            self._captures[fd].feed(chunk)
        if not chunk or (events & select.POLLHUP and len(chunk) < _READ_CHUNK):
            self._close(fd)

    def _close(self, fd: int) -> None:
        if fd in self._open:
            self._open.discard(fd)
            self._poll.unregister(fd)
            os.close(fd)

    def close(self) -> None:
        for fd in list(self._open):
            self._close(fd)


def _pipe_pairs() -> list[tuple[int, int]]:
    """Three close-on-exec pipes (stdin, stdout, stderr) as (read end, write end)."""
    pairs: list[tuple[int, int]] = []
    try:
        for _ in range(3):
            pairs.append(os.pipe2(os.O_CLOEXEC))
    except OSError:
        _close_fds(fd for pair in pairs for fd in pair)
        raise
    return pairs


def _close_fds(fds: Iterable[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


# --------------------------------------------------------------------------- running


def run_script(
    script: str | os.PathLike[str],
    envelope: Mapping[str, Any],
    timeout_seconds: float,
    *,
    path_env: str,
    groups: ProcessGroups | TrackedRun | None = None,
    kill_grace: float = KILL_GRACE_SECONDS,
) -> ScriptResult:
    """Run ``script`` for ``envelope`` per SPEC and return what happened (never raises)."""
    started = time.monotonic()
    # A private dir (mode 0700) per run, removed afterwards, whatever the script left in it.
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, ignore_cleanup_errors=True) as workdir:
        try:
            proc, pipes = _start_in(workdir, script, envelope, path_env)
        except OSError as exc:
            return ScriptResult(False, None, "", "", _ms_since(started),
                                f"Could not start the script: {exc.strerror or exc}")
        if groups is not None:
            groups.add(proc.pid)
        try:
            return _supervise(proc, pipes, started, timeout_seconds, kill_grace)
        finally:
            if groups is not None:
                groups.discard(proc.pid)


def _start_in(workdir: str, script: str | os.PathLike[str], envelope: Mapping[str, Any],
              path_env: str) -> tuple[subprocess.Popen, _Pipes]:
    env = build_environment(envelope, path=path_env, home=workdir,
                            data_file=os.path.join(workdir, DATA_FILE_NAME))
    if env.data_file_text is not None:
        Path(workdir, DATA_FILE_NAME).write_text(env.data_file_text, encoding="utf-8")
    return _start(script, workdir, env.variables, stdin_document(envelope))


def _start(script: str | os.PathLike[str], workdir: str, env: dict[str, str],
           stdin_data: bytes) -> tuple[subprocess.Popen, _Pipes]:
    """Start the script in its own session; raises OSError when it cannot start."""
    (in_r, in_w), (out_r, out_w), (err_r, err_w) = _pipe_pairs()
    try:
        proc = subprocess.Popen([os.fspath(script)], stdin=in_r, stdout=out_w, stderr=err_w,
                                cwd=workdir, env=env, start_new_session=True, close_fds=True)
    except BaseException:
        _close_fds((in_w, out_r, err_r))
        raise
    finally:
        _close_fds((in_r, out_w, err_w))  # the child holds its own copies
    return proc, _Pipes(in_w, out_r, err_r, stdin_data)


def _supervise(proc: subprocess.Popen, pipes: _Pipes, started: float,
               timeout_seconds: float, kill_grace: float) -> ScriptResult:
    deadline = started + timeout_seconds
    try:
        pipes.run(deadline, until=lambda: proc.poll() is not None)
        timed_out = not _wait(proc, deadline)
        _end_group(proc, pipes, kill_grace)
        pipes.run(time.monotonic() + PIPE_DRAIN_SECONDS)
    finally:
        pipes.close()
    _wait(proc, time.monotonic() + kill_grace)
    stdout, stderr = pipes.stdout.text(), pipes.stderr.text()
    duration = _ms_since(started)
    if timed_out:
        return ScriptResult(False, None, stdout, stderr, duration,
                            f"Timeout after {_seconds_text(timeout_seconds)}s")
    code = proc.returncode
    return ScriptResult(code == 0, code, stdout, stderr, duration,
                        None if code is None else exit_error(code))


def _end_group(proc: subprocess.Popen, pipes: _Pipes, grace: float) -> None:
    """TERM whatever still runs in the script's group, KILL it after ``grace`` seconds."""
    pgid = proc.pid

    def gone() -> bool:
        proc.poll()
        return not group_alive(pgid)

    if gone():
        return
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while not gone() and time.monotonic() < deadline:
        if pipes.open:
            pipes.run(deadline, until=gone)
        else:
            time.sleep(_POLL_SECONDS)
    if not gone():
        signal_group(pgid, signal.SIGKILL)


def _wait(proc: subprocess.Popen, deadline: float) -> bool:
    """Reap ``proc`` before ``deadline``; True when it has exited."""
    if proc.poll() is not None:
        return True
    _block_until_exit(proc.pid, deadline)
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        return True
    except subprocess.TimeoutExpired:
        return False


def _block_until_exit(pid: int, deadline: float) -> None:
    """Sleep until ``pid`` exits or ``deadline`` (a pidfd wakes us at once; Linux >= 5.3).

    Without it ``Popen.wait(timeout=...)`` polls with growing sleeps, which
    adds milliseconds to every short script.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return
    try:
        select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
    finally:
        os.close(pidfd)


def _ms_since(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
