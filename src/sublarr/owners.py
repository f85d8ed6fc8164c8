"""Who owns a lease or a running job, and whether that process is gone.

An owner id is ``host:pid:token``.  The token starts with the process's start
time (clock ticks since boot, from ``/proc``), so a pid reused by another
program after a crash is not mistaken for the owner.  One rule serves every
table that leases work to a process (webhook outbox, whisper jobs).
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path


def _host() -> str:
    return socket.gethostname()[:40]


def _stat_fields(pid: int) -> list[str]:
    """Fields 3.. of ``/proc/<pid>/stat`` (state first), or [] without /proc or process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return stat.rsplit(")", 1)[-1].split()


def process_start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None (no /proc, no such process)."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19])  # field 22 of stat(5)
    except (IndexError, ValueError):
        return None


def _process_state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def new_owner_id() -> str:
    """``host:pid:ticks-random`` for this process."""
    pid = os.getpid()
    ticks = process_start_ticks(pid)
    token = uuid.uuid4().hex[:12]
    return f"{_host()}:{pid}:{'' if ticks is None else ticks}-{token}"


def pid_exited(pid: int, started_ticks: int | None = None) -> bool:
    """True when process ``pid`` has ended: gone, a zombie (ended but not yet reaped), or
    replaced by a later process with the same pid.  One of another user counts as running."""
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    if _process_state(pid) in ("Z", "X"):
        return True
    if started_ticks is not None:
        now_ticks = process_start_ticks(pid)
        if now_ticks is not None and now_ticks != started_ticks:
            return True
    return False


def owner_is_gone(owner: str | None, me: str) -> bool:
    """True when ``owner`` cannot still be working: it ran on this host and has ended.

    An empty or malformed owner was never written by a live Sublarr process.  A
    same-pid owner with another token is an earlier incarnation of this process
    (containers restart with the same pid; an app created again in one process).
    Owners on other hosts are never judged here: their leases run out on their own.
    """
    if not owner:
        return True
    if owner == me:
        return False
    try:
        host, pid_text, token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return True
    my_host, my_pid, _ = me.rsplit(":", 2)
    if host != my_host:
        return False
    if pid == int(my_pid):
        return True
    ticks_text = token.split("-", 1)[0] if "-" in token else ""
    started = int(ticks_text) if ticks_text.isdigit() else None
    return pid_exited(pid, started)
