"""Whether a process on this host has ended (for owners of leases and jobs left by a crash)."""

from __future__ import annotations

import os


def pid_exited(pid: int) -> bool:
    """True when no process ``pid`` exists; one of another user still counts as running."""
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
