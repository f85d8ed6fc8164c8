"""The webhook scheduler: claims due outbox rows and hands them to sender threads.

One scheduler thread leases small batches per webhook into local buffers and
starts a send only while :class:`~sublarr.events.webhooks.slots.SendSlots`
has a slot for it. Workers POST and pass results to the
:class:`~sublarr.events.webhooks.results.Recorder`, which stores them in
batches; delivery rows of new events are written by the
:class:`~sublarr.events.webhooks.fanout.FanOutWriter`.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from datetime import datetime
from typing import Callable, Iterable

from sublarr.background import background_thread
from sublarr.config import Settings
from sublarr.db.base import utcnow
from sublarr.db.unavailable import describe_error, is_database_unavailable
from sublarr.events.bus import EventBus
from sublarr.events.runlog import Run
from sublarr.events.webhooks.doorbell import FAN_OUT, Doorbell
from sublarr.events.webhooks.fanout import FanOutWriter
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import Claimed, NewEvent
from sublarr.events.webhooks.results import Recorder
from sublarr.events.webhooks.sender import AttemptResult, HttpSender
from sublarr.events.webhooks.slots import SendSlots
from sublarr.events.webhooks.subscriptions import SubscriptionRegistry
from sublarr.events.webhooks.waiting import WaitingEvents
from sublarr.events.webhooks.workers import Job, SenderWorkers
from sublarr.owners import owner_is_gone

log = logging.getLogger(__name__)

RELOAD_EVERY_SECONDS = 5.0   # re-read webhook configs (another process may edit them)
STOP_GRACE_SECONDS = 5.0
# Leases of a process that died (kill -9) are freed as soon as it is seen gone:
# often while others hold leases (a crashed worker may still be exiting, or an
# unreaped zombie, when its successor starts), rarely otherwise.
OWNER_CHECK_BUSY_SECONDS = 1.0
OWNER_CHECK_IDLE_SECONDS = 30.0
STEP_RETRY_SECONDS = 1.0     # pause after a failed scheduler step (e.g. database away)


class Wakeups:
    """When webhooks have a retry due: a heap of (monotonic time, webhook id)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int]] = []

    def add(self, at: float, webhook_id: int) -> None:
        heapq.heappush(self._heap, (at, webhook_id))

    def next_due(self) -> float:
        return self._heap[0][0] if self._heap else float("inf")

    def pop_due(self, now: float) -> set[int]:
        due = set()
        while self._heap and self._heap[0][0] <= now:
            due.add(heapq.heappop(self._heap)[1])
        return due


def free_dead_leases(outbox: Outbox) -> tuple[int, float]:
    """Make the leases of dead owners claimable again: (how many, seconds until the
    next look — soon while other owners hold leases)."""
    me = outbox.owner
    try:
        released, others = outbox.release_dead_leases(lambda o: owner_is_gone(o, me))
    except Exception:
        log.warning("could not check the owners of leased deliveries", exc_info=True)
        released, others = 0, 1
    if released:
        log.info("freed %d deliveries leased by a process that is gone", released)
    return released, OWNER_CHECK_BUSY_SECONDS if others else OWNER_CHECK_IDLE_SECONDS


def _release_and_close(outbox: Outbox, waiting: WaitingEvents, sender: HttpSender,
                       leftovers: list[str]) -> None:
    """At stop: give buffered rows back, then close the outbox, journal and sender."""
    try:
        outbox.release(leftovers)
    except Exception:  # the leases run out by themselves
        log.warning("could not release %d buffered deliveries", len(leftovers), exc_info=True)
    outbox.close()
    waiting.close()
    sender.close()


def _log_step_failure(exc: Exception) -> None:
    if is_database_unavailable(exc):  # it ends by itself: one line, no traceback
        log.warning("webhook scheduler: database unavailable (%s); retrying in %.0fs",
                    describe_error(exc), STEP_RETRY_SECONDS)
    else:
        log.exception("webhook scheduler step failed; retrying", exc_info=exc)


class WebhookScheduler:
    """Owns the scheduler thread, the sender workers and the recorder of one process."""

    def __init__(self, outbox: Outbox, waiting: WaitingEvents, registry: SubscriptionRegistry,
                 bus: EventBus, settings: Callable[[], Settings], sender: HttpSender,
                 count_final: Callable[[Run], None] = lambda _run: None) -> None:
        self._outbox = outbox
        self._waiting = waiting
        self._registry = registry
        self._recorder = Recorder(outbox, bus, settings, on_settled=self._settled,
                                  count_final=count_final)
        self._fanout = FanOutWriter(waiting, registry, settings, room=self.room,
                                    adopt=self.adopt, notify=self.notify,
                                    stopping=lambda: self._stopping)
        self._workers = SenderWorkers(settings().webhook_workers, sender,
                                      settings().webhook_thread_nice,
                                      submit=self._recorder.submit, finish=self._finish)
        self._settings = settings
        self._sender = sender
        self._cond = threading.Condition()
        self._bell = Doorbell()             # wakes the scheduler thread (never the lock)
        self._slots = SendSlots(settings().webhook_workers)  # guarded by _cond
        self._hinted: set[int] = set()      # webhooks to claim for in the next round
        self._backlog: set[int] = set()     # webhooks that may have unleased due rows
        self._wakeups = Wakeups()           # retries due (guarded by _cond)
        self._fanout_due = True             # stored events may lack delivery rows
        self._scheduler_thread: threading.Thread | None = None
        self._stopping = False
        self._started = False
        self._next_owner_check = 0.0

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._release_dead_leases()
        self._recorder.start()
        self._workers.start()
        self._scheduler_thread = background_thread(
            self._schedule_forever, "webhook-scheduler", self._settings().webhook_thread_nice,
            batch=True)  # woken by every emit: must not preempt the producer
        self._scheduler_thread.start()

    def stop(self) -> None:
        """Stop claiming, let in-flight sends finish briefly, store their results."""
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
        self._bell.ring()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        self._workers.stop(deadline)
        if self._scheduler_thread is not None:
            self._scheduler_thread.join(max(deadline - time.monotonic(), 0.1))
        leftovers = self._slots.buffered_ids()
        self._recorder.stop()
        self._fanout.store_deferred_at_stop()
        _release_and_close(self._outbox, self._waiting, self._sender, leftovers)

    def notify(self, webhook_ids: Iterable[int]) -> None:
        """New rows exist for these webhooks (called by the producer; never blocks long)."""
        ids = set(webhook_ids)
        with self._cond:
            self._hinted |= ids
            self._backlog |= ids
        self._bell.ring()

    def events_stored(self) -> None:
        """The producer stored an event some webhook wants: write its rows soon
        (inside ``emit``: no lock, see events.webhooks.doorbell)."""
        self._bell.ring(FAN_OUT)

    def room(self, webhook_ids: Iterable[int]) -> set[int]:
        """The webhooks with room for new rows now (asked before a fan-out transaction):
        the fan-out stores their rows leased to us and hands them over with
        :meth:`adopt` after its commit (no claim query per row)."""
        cap = self._cap()
        with self._cond:
            if self._stopping or not self._started:
                return set()
            return self._slots.with_room(webhook_ids, cap)

    def adopt(self, claimed: list[Claimed]) -> None:
        """Take rows the fan-out stored leased to us; free slots start sending right
        here instead of waking the scheduler first."""
        stale: list[str] = []
        with self._cond:
            for row in claimed:
                self._slots.buffer(row.webhook_id).append(row)
            self._start_sends({row.webhook_id for row in claimed}, stale)
        if stale:
            self._outbox.release(stale)

    def defer(self, event: NewEvent) -> None:
        """An event the producer could not store: retried here so it is not dropped."""
        with self._cond:
            self._fanout.defer(event)
        self._bell.ring()

    def webhooks_changed(self) -> None:
        """Re-read the configs now and look for work of (re-)enabled webhooks."""
        subs = self._registry.reload()
        self.notify(subs.enabled_ids())

    def _cap(self) -> int:
        return self._settings().webhook_max_in_flight_per_endpoint

    def _schedule_forever(self) -> None:
        next_poll = next_reload = 0.0
        while True:
            rung = self._bell.take()  # before the journal is read: no stored event is missed
            with self._cond:
                if self._stopping:
                    return
                hinted, self._hinted = self._hinted, set()
                hinted |= self._wakeups.pop_due(time.monotonic())
                self._backlog |= hinted
                fan_out, self._fanout_due = self._fanout_due or rung, False
            try:
                now = time.monotonic()
                fan_out |= self._fanout.flush_deferred()
                if fan_out or now >= next_poll:
                    self._fanout.fan_out()
                if now >= self._next_owner_check:
                    self._release_dead_leases()
                if now >= next_reload:
                    self._registry.reload()
                    next_reload = now + RELOAD_EVERY_SECONDS
                if now >= next_poll:
                    due = self._poll_due()
                    with self._cond:
                        self._backlog |= due
                    hinted |= due
                    next_poll = now + self._settings().webhook_poll_seconds
                self._refill(hinted)
                self._dispatch()
            except Exception as exc:
                _log_step_failure(exc)
                # Pause even while work is waiting (deferred events, hints): retrying at
                # once would spin on a database that is away.
                next_poll = time.monotonic() + STEP_RETRY_SECONDS
                while not self._stopping and time.monotonic() < next_poll:
                    self._bell.wait(next_poll - time.monotonic())  # rings are kept
                continue
            self._wait(next_poll)

    def _release_dead_leases(self) -> None:
        released, pause = free_dead_leases(self._outbox)
        if released:
            self.notify(self._registry.current.enabled_ids())
        self._next_owner_check = time.monotonic() + pause

    def _wait(self, next_poll: float) -> None:
        with self._cond:
            if (self._stopping or self._hinted or self._fanout.has_deferred()
                    or self._fanout_due or self._bell.pending()
                    or self._slots.can_start(self._cap())):
                return
            until = min(next_poll, self._wakeups.next_due())
        self._bell.wait(until - time.monotonic())

    def _poll_due(self) -> set[int]:
        subs = self._registry.current
        cap = self._cap()
        with self._cond:
            candidates = list(self._slots.with_room(subs.enabled_ids(), cap))
        self._outbox.expire_leases()
        return self._outbox.webhooks_with_due(candidates)

    def _refill(self, webhook_ids: set[int]) -> None:
        subs = self._registry.current
        lease = self._settings().webhook_lease_seconds
        cap = self._cap()
        for wid in webhook_ids:
            endpoint = subs.endpoints.get(wid)
            with self._cond:
                room, depth = self._slots.room(wid, cap), self._slots.depth(wid, cap)
            # Claim in chunks: wait until half the buffer is used up (one
            # claim per new row would cost a write transaction per delivery).
            if endpoint is None or not endpoint.enabled or room < depth // 2:
                continue
            claimed = self._outbox.claim_due(wid, room, lease)
            with self._cond:
                self._slots.buffer(wid).extend(claimed)
                if len(claimed) < room:  # took everything that is due
                    self._backlog.discard(wid)

    def _dispatch(self) -> None:
        """Start sends round-robin across webhooks while slots are free."""
        stale: list[str] = []
        with self._cond:
            self._start_sends(list(self._slots.buffers), stale)
        if stale:
            self._outbox.release(stale)

    def _start_sends(self, webhook_ids: Iterable[int], stale: list[str]) -> None:
        """Queue jobs round-robin while workers are free (caller holds the lock)."""
        def start_one(wid: int) -> bool:
            job = self._next_sendable(wid, stale)
            if job is not None:
                self._slots.started(wid)
                self._workers.put(job)
            return job is not None

        self._slots.round_robin(webhook_ids, self._cap(), start_one)

    def _finish(self, job: Job, result: AttemptResult | None, follow: bool) -> Job | None:
        """Free the job's slot, or keep it for the webhook's next buffered row.

        Following on in the same worker saves a round trip through the
        scheduler per delivery; FOLLOW_LIMIT keeps other webhooks' turns fair.
        """
        wid = job.endpoint.webhook_id
        failed = result is None or not result.success
        cap = self._cap()
        nxt: Job | None = None
        stale: list[str] = []
        with self._cond:
            slots = self._slots
            slots.outcome(wid, failed)
            if follow and not failed and not self._stopping:
                nxt = self._next_sendable(wid, stale)
            if nxt is None:
                slots.finished(wid)
            wants_refill = (wid in self._backlog
                            and len(slots.buffers.get(wid) or ()) < slots.depth(wid, cap) // 2)
            if wants_refill:
                self._hinted.add(wid)
            if nxt is None or wants_refill:  # a slot was freed, or rows are to be claimed
                self._bell.ring()
        if stale:
            self._outbox.release(stale)
        return nxt

    def _next_sendable(self, wid: int, stale: list[str]) -> Job | None:
        """The webhook's next buffered row still worth sending (caller holds the lock)."""
        endpoint = self._registry.current.endpoints.get(wid)
        claimed = self._slots.next_sendable(wid, endpoint, utcnow(), stale)
        return None if claimed is None or endpoint is None else Job(claimed, endpoint)

    def _settled(self, webhook_id: int, retry_at: datetime | None, disabled: bool) -> None:
        """Called by the recorder after a batch is stored."""
        if disabled:
            self.webhooks_changed()
        if retry_at is not None:
            delay = (retry_at - utcnow()).total_seconds()
            with self._cond:
                self._wakeups.add(time.monotonic() + max(delay, 0.0), webhook_id)
            self._bell.ring()
