"""The deadline of one webhook delivery attempt, per thread (see
:mod:`~sublarr.events.webhooks.deadline_http`, whose connections obey it).

Its own module: the sender holds one from the start, while urllib3 (which
the connections need) is imported with the first delivery.
"""

from __future__ import annotations

import threading
import time


class AttemptClock:
    """The deadline of the attempt running in the calling thread, and what it saw."""

    def __init__(self) -> None:
        self._local = threading.local()

    def start(self, seconds: float) -> None:
        state = self._local
        state.end = time.monotonic() + seconds
        state.connected = False  # a new connection was opened for this attempt
        state.received = 0       # response bytes received

    def remaining(self) -> float:
        """Seconds left; TimeoutError once there are none."""
        left = self._local.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline has passed")
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self._local.end

    def note_connected(self) -> None:
        self._local.connected = True

    def note_received(self, count: int) -> None:
        self._local.received += count

    def reused_and_silent(self) -> bool:
        """The attempt went over an idle connection that never answered a byte."""
        return not self._local.connected and not self._local.received
