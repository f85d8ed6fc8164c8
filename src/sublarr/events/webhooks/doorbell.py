"""How other threads wake the webhook scheduler thread without taking its lock.

A producer inside ``emit`` must never queue for the scheduler's lock: a sender
thread (lowered priority) holding it may be waiting for the CPU or the GIL,
and the producer would wait as long (milliseconds). :meth:`Doorbell.ring` is
a put on a :class:`queue.SimpleQueue`: it never blocks and never lets go of
the GIL. A ring that comes while the scheduler is busy stays queued, so the
scheduler's next :meth:`Doorbell.wait` returns at once (no lost wake-up).
"""

from __future__ import annotations

import queue

FAN_OUT = "fan-out"   # a producer stored an event: write its delivery rows


class Doorbell:
    """Rings from any thread; one waiter (the scheduler thread)."""

    def __init__(self) -> None:
        self._rings: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._fan_out = False  # a FAN_OUT taken off the queue by wait(), not yet by take()

    def ring(self, what: str | None = None) -> None:
        self._rings.put(what)

    def wait(self, timeout: float) -> None:
        """Sleep until a ring (or ``timeout`` seconds); the ring is kept for :meth:`take`."""
        try:
            what = self._rings.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return
        self._fan_out = self._fan_out or what == FAN_OUT

    def pending(self) -> bool:
        """A ring is waiting (the next :meth:`wait` would return at once)."""
        return self._fan_out or not self._rings.empty()

    def take(self) -> bool:
        """Forget every ring so far; True if one of them asked for a fan-out."""
        fan_out, self._fan_out = self._fan_out, False
        while True:
            try:
                fan_out = self._rings.get_nowait() == FAN_OUT or fan_out
            except queue.Empty:
                return fan_out
