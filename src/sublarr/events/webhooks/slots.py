"""Who may send now: per-webhook buffers, sends in flight and the worker budget.

Pure bookkeeping (no I/O, no lock of its own: the scheduler holds its lock
around every call). A webhook sends at most ``cap`` at a time; webhooks whose
last attempt failed share at most half of the workers, so a slow or dead
endpoint never occupies every worker.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sublarr.events.webhooks.outbox_rows import Claimed
from sublarr.events.webhooks.request import Endpoint

PREFETCH_FACTOR = 8          # buffered rows per in-flight slot for a healthy webhook
LEASE_MARGIN_SECONDS = 5.0   # a send must finish this long before its lease runs out


class SendSlots:
    """Buffered rows and in-flight sends of every webhook of one scheduler."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.buffers: dict[int, deque[Claimed]] = {}
        self.in_flight: dict[int, int] = {}
        self.busy = 0  # sum of in_flight, kept alongside
        self.failing: set[int] = set()

    def depth(self, webhook_id: int, cap: int) -> int:
        """How many rows a webhook may hold (buffered plus in flight)."""
        return cap if webhook_id in self.failing else cap * PREFETCH_FACTOR

    def held(self, webhook_id: int) -> int:
        return len(self.buffers.get(webhook_id, ())) + self.in_flight.get(webhook_id, 0)

    def room(self, webhook_id: int, cap: int) -> int:
        return self.depth(webhook_id, cap) - self.held(webhook_id)

    def with_room(self, webhook_ids: Iterable[int], cap: int) -> set[int]:
        return {wid for wid in webhook_ids if self.room(wid, cap) > 0}

    def buffer(self, webhook_id: int) -> deque[Claimed]:
        return self.buffers.setdefault(webhook_id, deque())

    def has_slot(self, webhook_id: int, cap: int) -> bool:
        """Room for one more send of this webhook (caller checked for a free worker)."""
        if self.in_flight.get(webhook_id, 0) >= cap:
            return False
        if webhook_id in self.failing:
            failing_busy = sum(self.in_flight.get(w, 0) for w in self.failing)
            return failing_busy < max(1, self.workers // 2)
        return True

    def worker_free(self) -> bool:
        return self.busy < self.workers

    def can_start(self, cap: int) -> bool:
        """A worker is free and some webhook has a buffered row and a slot."""
        return self.worker_free() and any(
            buf and self.has_slot(wid, cap) for wid, buf in self.buffers.items())

    def started(self, webhook_id: int) -> None:
        self.in_flight[webhook_id] = self.in_flight.get(webhook_id, 0) + 1
        self.busy += 1

    def finished(self, webhook_id: int) -> None:
        self.in_flight[webhook_id] = self.in_flight.get(webhook_id, 0) - 1
        self.busy -= 1

    def outcome(self, webhook_id: int, failed: bool) -> None:
        if failed:
            self.failing.add(webhook_id)
        else:
            self.failing.discard(webhook_id)

    def round_robin(self, webhook_ids: Iterable[int], cap: int,
                    start_one: Callable[[int], bool]) -> None:
        """Offer each webhook with a buffered row and a free slot one start per round
        while a worker is free; ``start_one`` says whether it started a send.

        Runs in the producer's emit too: it stops as soon as every worker is
        busy instead of visiting each of possibly hundreds of webhooks.
        """
        candidates = [wid for wid in webhook_ids if self.buffers.get(wid)]
        while candidates and self.worker_free():
            again = []
            for wid in candidates:
                if not self.worker_free():
                    return
                if self.has_slot(wid, cap) and start_one(wid) and self.buffers[wid]:
                    again.append(wid)
            candidates = again

    def next_sendable(self, webhook_id: int, endpoint: Endpoint | None, now: datetime,
                      stale: list[str]) -> Claimed | None:
        """The webhook's next buffered row still worth sending; the others go to ``stale``."""
        buf = self.buffers.get(webhook_id)
        while buf:
            claimed = buf.popleft()
            if endpoint is not None and endpoint.enabled and lease_ok(claimed, endpoint, now):
                return claimed
            stale.append(claimed.id)
        return None

    def buffered_ids(self) -> list[str]:
        return [c.id for buf in self.buffers.values() for c in buf]


def lease_ok(claimed: Claimed, endpoint: Endpoint, now: datetime) -> bool:
    """Enough lease left to finish a send (so no other process can take it meanwhile)."""
    needed = timedelta(seconds=endpoint.timeout_seconds + LEASE_MARGIN_SECONDS)
    return claimed.lease_expires_at - now >= needed
