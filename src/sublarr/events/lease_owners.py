"""Who holds an outbox lease: ``host:pid:token``, and whether that process is gone."""

from __future__ import annotations

import os
import socket
import uuid

from sublarr.pids import pid_exited


def new_lease_owner() -> str:
    """``host:pid:token``: the pid lets a restarted process on this host spot dead owners."""
    host = socket.gethostname()[:40]
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_is_dead_here(owner: str, me: str) -> bool:
    """True when ``owner`` was a process on this host that no longer runs.

    A same-pid owner with another token is a previous incarnation of this
    process (containers restart with the same pid).  Owners on other hosts
    are never judged here: their leases run out on their own.
    """
    try:
        host, pid_text, token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    my_host, my_pid, my_token = me.rsplit(":", 2)
    if host != my_host:
        return False
    if pid == int(my_pid):
        return token != my_token
    return pid_exited(pid)
