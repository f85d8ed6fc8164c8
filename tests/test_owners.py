"""Who owns a lease: one liveness rule for the webhook outbox and the whisper queue."""

from __future__ import annotations

import os
import subprocess
import sys

from sublarr.owners import new_owner_id, owner_is_gone, pid_exited, process_start_ticks


def _split(owner: str) -> tuple[str, int, str]:
    host, pid, token = owner.rsplit(":", 2)
    return host, int(pid), token


def test_an_owner_id_names_this_host_pid_and_start_time():
    host, pid, token = _split(new_owner_id())
    assert pid == os.getpid()
    assert token.split("-", 1)[0] == str(process_start_ticks(os.getpid()))
    assert new_owner_id() != new_owner_id()


def test_running_processes_and_other_hosts_are_not_judged_gone():
    me = new_owner_id()
    host, _, _ = _split(me)
    assert not owner_is_gone(me, me)
    assert not owner_is_gone(f"{host}:{os.getppid()}:x", me)  # our parent runs
    assert not owner_is_gone(f"{host}:1:x", me)  # pid 1 runs
    assert not owner_is_gone("elsewhere:999999999:x", me)  # other hosts: wait for expiry


def test_ended_earlier_and_malformed_owners_are_gone():
    me = new_owner_id()
    host, pid, _ = _split(me)
    assert owner_is_gone(None, me)
    assert owner_is_gone("", me)
    assert owner_is_gone("garbage", me)
    assert owner_is_gone(f"{host}:999999999:x", me)  # no such pid
    assert owner_is_gone(f"{host}:{pid}:another", me)  # earlier incarnation of this pid


def test_a_zombie_counts_as_gone():
    """A killed worker stays a zombie until its parent reaps it; kill(pid, 0) still succeeds."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped
        os.kill(child.pid, 0)  # still "exists" for signal 0
        host, _, _ = _split(new_owner_id())
        assert pid_exited(child.pid)
        assert owner_is_gone(f"{host}:{child.pid}:x", new_owner_id())
    finally:
        child.wait()


def test_a_reused_pid_is_not_the_owner():
    """The owner id records the start time: another process with the same pid is not it."""
    me = new_owner_id()
    host, _, _ = _split(me)
    parent = os.getppid()
    started = process_start_ticks(parent)
    assert started is not None
    assert not owner_is_gone(f"{host}:{parent}:{started}-abc", me)
    assert owner_is_gone(f"{host}:{parent}:{started + 1}-abc", me)
