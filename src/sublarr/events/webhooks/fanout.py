"""Fan-out: one delivery row per interested webhook for every stored event.

Events wait in :mod:`~sublarr.events.webhooks.waiting` (the producers' journal on
SQLite, the outbox's event table on PostgreSQL); events a producer could not
store are kept here and appended again. Rows of webhooks with room in the
scheduler's buffers are stored leased to this process and handed over at once
(``adopt``); the others wait in the shared backlog (``notify``). Which webhooks
have room is asked (``room``) before each transaction, never inside one.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Callable, Iterable

from sqlalchemy.exc import IntegrityError

from sublarr.config import Settings
from sublarr.events.webhooks.outbox_rows import Claimed, NewEvent
from sublarr.events.webhooks.subscriptions import SubscriptionRegistry
from sublarr.events.webhooks.waiting import WaitingEvents

log = logging.getLogger(__name__)

# Delivery rows per fan-out transaction (bounds how long other writers wait).
FANOUT_ROWS = 128


class FanOutWriter:
    """Writes the delivery rows of stored events, one bounded transaction at a time."""

    def __init__(self, waiting: WaitingEvents, registry: SubscriptionRegistry,
                 settings: Callable[[], Settings], *,
                 room: Callable[[Iterable[int]], set[int]],
                 adopt: Callable[[list[Claimed]], None],
                 notify: Callable[[Iterable[int]], None],
                 stopping: Callable[[], bool]) -> None:
        self._waiting = waiting
        self._registry = registry
        self._settings = settings
        self._room = room
        self._adopt = adopt
        self._notify = notify
        self._stopping = stopping
        self._deferred: deque[NewEvent] = deque()

    def defer(self, event: NewEvent) -> None:
        """Keep an event the producer could not store; :meth:`flush_deferred` stores it."""
        self._deferred.append(event)

    def has_deferred(self) -> bool:
        return bool(self._deferred)

    def store_deferred_at_stop(self) -> None:
        """A last try for events emitted while the database was away; what still
        cannot be stored is named in the log (it is lost with this process)."""
        try:
            self.flush_deferred()
        except Exception as exc:
            ids = [event.event_id for event in self._deferred]
            log.error("stopping with %d events that could not be stored (%s); their webhook "
                      "deliveries are lost: %s", len(ids), exc, ", ".join(ids[:100]))

    def flush_deferred(self) -> bool:
        """Store events a producer could not, on the producer's own path (a database
        that is still away raises, and they are tried again); True if any was stored."""
        stored = False
        while self._deferred:
            event = self._deferred[0]
            try:
                self._waiting.append(event)
            except IntegrityError:  # the failed write had committed after all
                log.info("event %s was stored already", event.event_id)
            self._deferred.popleft()
            stored = True
        return stored

    def fan_out(self) -> None:
        """Write the rows of waiting events, a bounded transaction at a time, until
        none is left (or the scheduler stops)."""
        subs = self._registry.current
        per_batch = max(1, FANOUT_ROWS // subs.widest())
        while not self._stopping():
            # Asked before the transaction: the scheduler's slots are never
            # consulted while the outbox holds the database's write lock.
            mine = self._room(subs.enabled_ids())
            try:
                done = self._waiting.move(per_batch, mine, self._lease(), self._webhook_exists)
            except IntegrityError:
                # A webhook was deleted behind our cache's back: re-read, then go on.
                subs = self._registry.reload()
                mine = self._room(subs.enabled_ids())
                done = self._waiting.move(per_batch, mine, self._lease(), self._webhook_exists)
            if done.adopted:
                self._adopt(done.adopted)
            if done.queued:
                self._notify(done.queued)
            if done.events < per_batch:
                return

    def _lease(self) -> float:
        return self._settings().webhook_lease_seconds

    def _webhook_exists(self, webhook_id: int) -> bool:
        return webhook_id in self._registry.current.endpoints
