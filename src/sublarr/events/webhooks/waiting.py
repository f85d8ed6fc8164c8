"""Where an emitted event waits until the scheduler writes its delivery rows.

Every event a webhook wants takes one write path: the producer's
:meth:`WaitingEvents.append` (durable when it returns, one row whatever the
number of webhooks), then the scheduler's :meth:`WaitingEvents.move`, which
writes the event's delivery rows into the outbox in one bounded transaction
and returns what it wrote. Two places to wait, chosen by the database:

* :class:`JournalEvents` (SQLite): the producers' own journal file, see
  :mod:`~sublarr.events.webhooks.journal`;
* :class:`TableEvents` (PostgreSQL, or SQLite without a file): the outbox's
  event table, the event row carrying its targets until its rows exist.

An event a producer could not store (database away) is appended again by the
scheduler (:class:`~sublarr.events.webhooks.fanout.FanOutWriter`), on the same path.
"""

from __future__ import annotations

from typing import Callable, Collection, Protocol

from sublarr.events.webhooks.journal import WebhookJournal
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import FanOut, NewEvent


class WaitingEvents(Protocol):
    journal: WebhookJournal | None  # the SQLite journal file, if that is where they wait

    def append(self, event: NewEvent) -> None:
        """Store one event durably (the producer's write inside ``emit``)."""

    def move(self, limit: int, leased_to_me: Collection[int], lease_seconds: float,
             exists: Callable[[int], bool]) -> FanOut:
        """Write the delivery rows of up to ``limit`` waiting events, oldest first, in one
        transaction; rows of ``leased_to_me`` are stored leased to this process, targets
        whose webhook no longer ``exists`` are dropped."""

    def waiting(self, webhook_id: int | None = None) -> int:
        """Deliveries still waiting here that :meth:`Outbox.count` does not see."""

    def close(self) -> None:
        """Nothing is moved after this; a later ``append`` still stores its event."""


class JournalEvents:
    """SQLite: events wait in the producers' journal file."""

    def __init__(self, journal: WebhookJournal, outbox: Outbox) -> None:
        self.journal = journal
        self._outbox = outbox

    def append(self, event: NewEvent) -> None:
        self.journal.append(event)

    def move(self, limit: int, leased_to_me: Collection[int], lease_seconds: float,
             exists: Callable[[int], bool]) -> FanOut:
        journaled = self.journal.oldest(limit)
        if not journaled:
            return FanOut(0, [], set())
        # Copied first, then removed: after a crash in between, the copy is
        # recognised by its event id and skipped.
        done = self._outbox.store_fanned([j.event for j in journaled], leased_to_me,
                                         lease_seconds, exists)
        self.journal.remove_through(journaled[-1].position)
        return done

    def waiting(self, webhook_id: int | None = None) -> int:
        return self.journal.targets_waiting(webhook_id)

    def close(self) -> None:
        self.journal.close()


class TableEvents:
    """PostgreSQL: events wait in the outbox's event table, their targets alongside."""

    journal: WebhookJournal | None = None

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def append(self, event: NewEvent) -> None:
        self._outbox.store_event(event)

    def move(self, limit: int, leased_to_me: Collection[int], lease_seconds: float,
             exists: Callable[[int], bool]) -> FanOut:
        return self._outbox.fan_out(limit, leased_to_me, lease_seconds, exists)

    def waiting(self, webhook_id: int | None = None) -> int:
        return 0  # Outbox.count counts the targets of these events already

    def close(self) -> None:
        pass
