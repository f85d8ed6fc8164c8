"""What /proc says about a served process tree: its members, memory and CPU time."""

from __future__ import annotations

import os


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads'); empty once it is gone."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (parents first)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        queue += children(current)
    return found


def process_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes of one process, from smaps_rollup; (0, 0) once gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return pss, rss


def tree_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes summed over ``pid`` and its descendants."""
    pss = rss = 0
    for each in tree_pids(pid):
        one_pss, one_rss = process_memory(each)
        pss, rss = pss + one_pss, rss + one_rss
    return pss, rss


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its descendants, their finished children included."""
    ticks = 0
    for each in tree_pids(pid):
        try:
            with open(f"/proc/{each}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")
