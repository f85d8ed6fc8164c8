"""Process groups of running hook scripts: signalling them and seeing them end."""

from __future__ import annotations

import os
import threading

class ProcessGroups:
    """The process groups of running scripts, so shutdown can signal them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def discard(self, pgid: int) -> None:
        with self._lock:
            self._groups.discard(pgid)

    def signal_all(self, signum: int) -> int:
        """Send ``signum`` to every running group; returns how many groups there were."""
        with self._lock:
            groups = list(self._groups)
        for pgid in groups:
            signal_group(pgid, signum)
        return len(groups)


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies do not count).

    Zombies matter where PID 1 does not reap orphans (many containers): an
    exited background child stays a zombie in the group forever.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if entry.isdigit() and _live_member(entry, pgid):
            return True
    return False


def _live_member(pid: str, pgid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return False
    fields = raw[raw.rfind(b")") + 2:].split()
    return len(fields) > 2 and fields[2] == str(pgid).encode() and fields[0] not in (b"Z", b"X")
