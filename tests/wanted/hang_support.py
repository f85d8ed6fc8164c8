"""Media files whose open blocks for real, as on a network share that stopped answering.

A child process takes a write lease (``fcntl(F_SETLEASE, F_WRLCK)``) on each
file: any other open of the file then blocks in the kernel until the holder
gives the lease up (or ``/proc/sys/fs/lease-break-time`` passes, 45 s by
default).  The files stay regular files with a size, so MediaInfo, ffprobe and
the scanner treat them like media (a FIFO would not do: MediaInfo refuses a
file that is not regular at once, and the scanner skips empty files).
Leaving the context manager gives the leases up, so every blocked read returns
and no thread of the test process stays blocked after it.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

HOLDER = """
import fcntl, os, signal, sys
signal.signal(signal.SIGIO, signal.SIG_IGN)  # the lease-break notice
F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
fds = []
try:
    for path in sys.argv[1:]:
        fd = os.open(path, os.O_RDONLY)
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
        fds.append(fd)
except OSError as exc:
    print("no lease:", exc, flush=True)
    sys.exit(0)
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
for fd in fds:
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)
"""


def media_like(path: Path) -> Path:
    """A regular file that starts like Matroska (its content is never read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(4096))
    return path


@contextmanager
def blocked_reads(paths: list[Path]) -> Iterator[subprocess.Popen]:
    """While inside, opening any of ``paths`` blocks (skips when leases are not
    available on this file system).  Yields the lease holder: once it has ended
    (killed), the files answer again."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, *map(str, paths)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = holder.stdout.readline().strip() if holder.stdout else ""
        if first != "held":
            pytest.skip(f"file leases unavailable here ({first or 'holder failed'})")
        yield holder
    finally:
        if holder.stdin:
            holder.stdin.close()
        holder.wait(timeout=30)
        if holder.stdout:
            holder.stdout.close()
