"""Fan-out: one delivery row per interested webhook for every stored event.

Events reach the outbox three ways: the producers' journal (SQLite), the
outbox's event table (PostgreSQL), and events a producer could not store
(kept here and retried). Rows of webhooks with room in the scheduler's
buffers are stored leased to this process and handed over at once
(``reserve``/``adopt``); the others wait in the shared backlog (``notify``).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import replace
from typing import Callable, Iterable

from sqlalchemy.exc import IntegrityError

from sublarr.config import Settings
from sublarr.events.webhooks.journal import WebhookJournal
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import Claimed, FanOut, NewEvent
from sublarr.events.webhooks.subscriptions import SubscriptionRegistry

log = logging.getLogger(__name__)

# Delivery rows per fan-out transaction (bounds how long other writers wait).
FANOUT_ROWS = 128


class FanOutWriter:
    """Writes the delivery rows of stored events, one bounded transaction at a time."""

    def __init__(self, outbox: Outbox, registry: SubscriptionRegistry,
                 settings: Callable[[], Settings], journal: WebhookJournal | None, *,
                 reserve: Callable[[Iterable[int]], set[int]],
                 adopt: Callable[[list[Claimed]], None],
                 notify: Callable[[Iterable[int]], None],
                 stopping: Callable[[], bool]) -> None:
        self._outbox = outbox
        self._registry = registry
        self._settings = settings
        self._journal = journal
        self._reserve = reserve
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

    def fan_out(self) -> None:
        """First the events in the producers' journal (SQLite), then those in the outbox."""
        widest = self._registry.current.widest()
        per_batch = max(1, FANOUT_ROWS // widest)
        journal = self._journal
        if journal is not None:
            self._fan_out_from(lambda: self._from_journal(journal, per_batch), per_batch)
        self._fan_out_from(lambda: self._outbox.fan_out(
            per_batch, self._reserve, self._lease(), self._webhook_exists), per_batch)

    def flush_deferred(self) -> None:
        """Store events a producer could not; a database that is busy is simply retried."""
        while self._deferred:
            event = self._deferred[0]
            try:
                self._outbox.store(event)
            except IntegrityError:
                # A webhook was deleted behind our cache's back: store the rest.
                self._store_for_known_webhooks(event)
            self._deferred.popleft()
            self._notify({wid for wid, _ in event.targets})

    def _fan_out_from(self, step: Callable[[], FanOut], per_batch: int) -> None:
        while not self._stopping():
            try:
                done = step()
            except IntegrityError:
                # A webhook was deleted behind our cache's back: re-read, then go on.
                self._registry.reload()
                done = step()
            if done.adopted:
                self._adopt(done.adopted)
            if done.queued:
                self._notify(done.queued)
            if done.events < per_batch:
                return

    def _from_journal(self, journal: WebhookJournal, limit: int) -> FanOut:
        journaled = journal.oldest(limit)
        if not journaled:
            return FanOut(0, [], set())
        done = self._outbox.store_fanned([j.event for j in journaled], self._reserve,
                                         self._lease(), self._webhook_exists)
        journal.remove_through(journaled[-1].position)
        return done

    def _store_for_known_webhooks(self, event: NewEvent) -> None:
        known = self._registry.reload().endpoints
        targets = [t for t in event.targets if t[0] in known]
        if len(targets) < len(event.targets):
            log.warning("event %s: dropped deliveries to deleted webhooks", event.event_id)
        try:
            self._outbox.store(replace(event, targets=targets))
        except IntegrityError:  # deleted again meanwhile
            log.warning("dropped deliveries of event %s: webhooks no longer exist",
                        event.event_id)

    def _lease(self) -> float:
        return self._settings().webhook_lease_seconds

    def _webhook_exists(self, webhook_id: int) -> bool:
        return webhook_id in self._registry.current.endpoints
