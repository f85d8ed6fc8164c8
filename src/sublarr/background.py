"""Background threads give way to request threads and event producers.

On a small home server every core is shared: while a webhook backlog is
being worked off, the dispatcher's threads are runnable all the time, and a
producer (a request thread calling ``emit``) that had to queue behind them
for the CPU would wait a full scheduler time slice, several milliseconds.
On Linux, where niceness belongs to each thread, a background thread
therefore lowers its own priority when it starts.  Elsewhere this does
nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)


def lower_this_thread(nice: int) -> None:
    """Run the calling thread at niceness ``nice`` (never raises it back up)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if nice > current:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError as exc:  # a sandbox without the call: run at normal priority
        log.debug("could not lower thread priority: %s", exc)


def background_thread(target, name: str, nice: int) -> threading.Thread:  # noqa: ANN001
    """A daemon thread that lowers its priority, then runs ``target``."""
    def run() -> None:
        lower_this_thread(nice)
        target()

    return threading.Thread(target=run, name=name, daemon=True)
