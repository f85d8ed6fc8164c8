"""The webhook scheduler: claims due outbox rows and hands them to sender threads.

One scheduler thread leases small batches per webhook into local buffers and
starts a send only while the webhook has fewer than
``webhook_max_in_flight_per_endpoint`` in flight, and (for webhooks whose
last attempt failed) while the failing ones together hold at most half of the
workers — so a slow or dead endpoint never occupies every worker.  Workers
POST and pass results to the :class:`~sublarr.events.webhooks.results.Recorder`,
which stores them in batches.
"""

from __future__ import annotations

import heapq
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy.exc import IntegrityError

from sublarr.background import background_thread
from sublarr.config import Settings
from sublarr.db.base import utcnow
from sublarr.events.bus import EventBus
from sublarr.events.webhooks.request import Endpoint, attempt
from sublarr.events.webhooks.sender import AttemptResult, HttpSender
from sublarr.events.webhooks.journal import WebhookJournal
from sublarr.events.webhooks.outbox import Claimed, FanOut, NewEvent, Outbox
from sublarr.owners import owner_is_gone
from sublarr.events.webhooks.results import Recorder
from sublarr.events.webhooks.subscriptions import SubscriptionRegistry

log = logging.getLogger(__name__)

PREFETCH_FACTOR = 8          # buffered rows per in-flight slot for a healthy webhook
LEASE_MARGIN_SECONDS = 5.0   # a send must finish this long before its lease runs out
RELOAD_EVERY_SECONDS = 5.0   # re-read webhook configs (another process may edit them)
STOP_GRACE_SECONDS = 5.0
# Leases of a process that died (kill -9) are freed as soon as it is seen gone:
# often while others hold leases (a crashed worker may still be exiting, or an
# unreaped zombie, when its successor starts), rarely otherwise.
OWNER_CHECK_BUSY_SECONDS = 1.0
OWNER_CHECK_IDLE_SECONDS = 30.0
FOLLOW_LIMIT = 16            # rows a worker sends for one webhook before yielding
# Delivery rows per fan-out transaction (bounds how long other writers wait).
FANOUT_ROWS = 128


@dataclass(frozen=True)
class Job:
    claimed: Claimed
    endpoint: Endpoint


class WebhookScheduler:
    """Owns the scheduler, the sender workers and the recorder of one process."""

    def __init__(self, outbox: Outbox, registry: SubscriptionRegistry, bus: EventBus,
                 settings: Callable[[], Settings], sender: HttpSender,
                 journal: WebhookJournal | None = None,
                 count_final: Callable[[bool], None] = lambda _success: None) -> None:
        self._outbox = outbox
        self._journal = journal
        self._registry = registry
        self._recorder = Recorder(outbox, bus, settings, on_settled=self._settled,
                                  count_final=count_final)
        self._settings = settings
        self._sender = sender
        self._cond = threading.Condition()
        self._buffers: dict[int, deque[Claimed]] = {}
        self._in_flight: dict[int, int] = {}
        self._busy_workers = 0              # sum of _in_flight, kept alongside
        self._failing: set[int] = set()
        self._hinted: set[int] = set()      # webhooks to claim for in the next round
        self._backlog: set[int] = set()     # webhooks that may have unleased due rows
        self._wakeups: list[tuple[float, int]] = []   # heap of (monotonic due, webhook_id)
        self._deferred: deque[NewEvent] = deque()
        self._fanout_due = True             # stored events may lack delivery rows
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._workers = settings().webhook_workers
        self._stopping = False
        self._started = False

    # -- public -------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._next_owner_check = 0.0
        self._release_dead_leases()
        self._recorder.start()
        for index in range(self._workers):
            self._spawn(self._work, f"webhook-sender-{index}")
        self._spawn(self._schedule_forever, "webhook-scheduler")

    def stop(self) -> None:
        """Stop claiming, let in-flight sends finish briefly, store their results."""
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
            self._cond.notify_all()
        for _ in range(self._workers):
            self._jobs.put(None)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.1))
        leftovers = [c.id for buf in self._buffers.values() for c in buf]
        self._recorder.stop()
        try:
            self._outbox.release(leftovers)
        except Exception:  # the leases run out by themselves
            log.warning("could not release %d buffered deliveries", len(leftovers), exc_info=True)
        self._outbox.close()
        if self._journal is not None:
            self._journal.close()
        self._sender.close()

    def notify(self, webhook_ids: Iterable[int]) -> None:
        """New rows exist for these webhooks (called by the producer; never blocks long)."""
        ids = set(webhook_ids)
        with self._cond:
            self._hinted |= ids
            self._backlog |= ids
            self._cond.notify()

    def events_stored(self) -> None:
        """The producer stored an event some webhook wants: write its rows soon."""
        with self._cond:
            self._fanout_due = True
            self._cond.notify()

    def reserve(self, webhook_ids: Iterable[int]) -> set[int]:
        """The webhooks whose local buffer has room for a new row right now.

        The fan-out stores those rows already leased to this process and
        hands them over with :meth:`adopt`: no claim query per row.  Rows of
        busy or failing webhooks go to the shared backlog instead.
        """
        cap = self._settings().webhook_max_in_flight_per_endpoint
        healthy_depth = cap * PREFETCH_FACTOR
        with self._cond:
            if self._stopping or not self._started:
                return set()
            buffers, in_flight, failing = self._buffers, self._in_flight, self._failing
            return {wid for wid in webhook_ids
                    if len(buffers.get(wid, ())) + in_flight.get(wid, 0)
                    < (cap if wid in failing else healthy_depth)}

    def adopt(self, claimed: list[Claimed]) -> None:
        """Take rows the fan-out stored leased to us (see :meth:`reserve`).

        Free slots start sending right here, handing the rows straight to a
        worker instead of waking the scheduler first.
        """
        stale: list[str] = []
        with self._cond:
            for row in claimed:
                self._buffers.setdefault(row.webhook_id, deque()).append(row)
            self._start_sends({row.webhook_id for row in claimed}, stale)
        if stale:
            self._outbox.release(stale)

    def defer(self, event: NewEvent) -> None:
        """An event the producer could not store: retried here so it is not dropped."""
        with self._cond:
            self._deferred.append(event)
            self._cond.notify()

    def webhooks_changed(self) -> None:
        """Re-read the configs now and look for work of (re-)enabled webhooks."""
        subs = self._registry.reload()
        self.notify(subs.enabled_ids())

    # -- scheduler ----------------------------------------------------------
    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = background_thread(target, name, self._settings().webhook_thread_nice)
        thread.start()
        self._threads.append(thread)

    def _schedule_forever(self) -> None:
        next_poll = next_reload = 0.0
        while True:
            with self._cond:
                if self._stopping:
                    return
                hinted, self._hinted = self._hinted, set()
                hinted |= self._pop_due_wakeups(time.monotonic())
                self._backlog |= hinted
                fan_out, self._fanout_due = self._fanout_due, False
            try:
                now = time.monotonic()
                self._flush_deferred()
                if fan_out or now >= next_poll:
                    self._fan_out()
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
            except Exception:
                log.exception("webhook scheduler step failed; retrying")
                next_poll = time.monotonic() + 1.0
            self._wait(next_poll)

    def _release_dead_leases(self) -> None:
        """Make the leases of dead owners claimable again (and look again soon while
        other owners hold leases)."""
        me = self._outbox.owner
        try:
            released, others = self._outbox.release_dead_leases(lambda o: owner_is_gone(o, me))
        except Exception:
            log.warning("could not check the owners of leased deliveries", exc_info=True)
            released, others = 0, 1
        if released:
            log.info("freed %d deliveries leased by a process that is gone", released)
            self.notify(self._registry.current.enabled_ids())
        pause = OWNER_CHECK_BUSY_SECONDS if others else OWNER_CHECK_IDLE_SECONDS
        self._next_owner_check = time.monotonic() + pause

    def _wait(self, next_poll: float) -> None:
        with self._cond:
            if (self._stopping or self._hinted or self._deferred or self._fanout_due
                    or self._can_dispatch()):
                return
            until = next_poll
            if self._wakeups:
                until = min(until, self._wakeups[0][0])
            self._cond.wait(max(until - time.monotonic(), 0.0))

    def _fan_out(self) -> None:
        """Write the delivery rows of stored events, one bounded transaction at a time:
        first those in the producers' journal (SQLite), then those in the outbox."""
        widest = max(map(len, self._registry.current.by_event.values()), default=1)
        per_batch = max(1, FANOUT_ROWS // widest)
        journal = self._journal
        if journal is not None:
            self._fan_out_from(lambda: self._from_journal(journal, per_batch), per_batch)
        self._fan_out_from(lambda: self._outbox.fan_out(
            per_batch, self.reserve, self._lease(), self._webhook_exists), per_batch)

    def _fan_out_from(self, step: Callable[[], FanOut], per_batch: int) -> None:
        while not self._stopping:
            try:
                done = step()
            except IntegrityError:
                # A webhook was deleted behind our cache's back: re-read, then go on.
                self._registry.reload()
                done = step()
            if done.adopted:
                self.adopt(done.adopted)
            if done.queued:
                self.notify(done.queued)
            if done.events < per_batch:
                return

    def _from_journal(self, journal: WebhookJournal, limit: int) -> FanOut:
        journaled = journal.oldest(limit)
        if not journaled:
            return FanOut(0, [], set())
        done = self._outbox.store_fanned([j.event for j in journaled], self.reserve,
                                         self._lease(), self._webhook_exists)
        journal.remove_through(journaled[-1].position)
        return done

    def _lease(self) -> float:
        return self._settings().webhook_lease_seconds

    def _webhook_exists(self, webhook_id: int) -> bool:
        return webhook_id in self._registry.current.endpoints

    def _pop_due_wakeups(self, now: float) -> set[int]:
        due = set()
        while self._wakeups and self._wakeups[0][0] <= now:
            due.add(heapq.heappop(self._wakeups)[1])
        return due

    def _poll_due(self) -> set[int]:
        subs = self._registry.current
        candidates = [wid for wid in subs.enabled_ids() if self._room(wid) > 0]
        self._outbox.expire_leases()
        return self._outbox.webhooks_with_due(candidates)

    def _depth(self, webhook_id: int) -> int:
        cap = self._settings().webhook_max_in_flight_per_endpoint
        return cap if webhook_id in self._failing else cap * PREFETCH_FACTOR

    def _room(self, webhook_id: int) -> int:
        with self._cond:
            held = len(self._buffers.get(webhook_id, ())) + self._in_flight.get(webhook_id, 0)
        return self._depth(webhook_id) - held

    def _refill(self, webhook_ids: set[int]) -> None:
        subs = self._registry.current
        lease = self._settings().webhook_lease_seconds
        for wid in webhook_ids:
            endpoint = subs.endpoints.get(wid)
            room = self._room(wid)
            # Claim in chunks: wait until half the buffer is used up (one
            # claim per new row would cost a write transaction per delivery).
            if endpoint is None or not endpoint.enabled or room < self._depth(wid) // 2:
                continue
            claimed = self._outbox.claim_due(wid, room, lease)
            with self._cond:
                self._buffers.setdefault(wid, deque()).extend(claimed)
                if len(claimed) < room:  # took everything that is due
                    self._backlog.discard(wid)

    def _can_dispatch(self) -> bool:
        if self._busy_workers >= self._workers:
            return False
        cap = self._settings().webhook_max_in_flight_per_endpoint
        return any(buf and self._has_slot(wid, cap) for wid, buf in self._buffers.items())

    def _has_slot(self, webhook_id: int, cap: int) -> bool:
        """Room for one more send of this webhook (caller checked for a free worker)."""
        if self._in_flight.get(webhook_id, 0) >= cap:
            return False
        if webhook_id in self._failing:
            failing_busy = sum(self._in_flight.get(w, 0) for w in self._failing)
            return failing_busy < max(1, self._workers // 2)
        return True

    def _dispatch(self) -> None:
        """Start sends round-robin across webhooks while slots are free."""
        stale: list[str] = []
        with self._cond:
            self._start_sends(list(self._buffers), stale)
        if stale:
            self._outbox.release(stale)

    def _start_sends(self, webhook_ids: Iterable[int], stale: list[str]) -> None:
        """Queue jobs round-robin while workers are free (caller holds the lock).

        Runs in the producer's emit too: it stops as soon as every worker is
        busy instead of visiting each of possibly hundreds of webhooks.
        """
        cap = self._settings().webhook_max_in_flight_per_endpoint
        candidates = [wid for wid in webhook_ids if self._buffers.get(wid)]
        while candidates and self._busy_workers < self._workers:
            again = []
            for wid in candidates:
                if self._busy_workers >= self._workers:
                    return
                buf = self._buffers[wid]
                if not self._has_slot(wid, cap):
                    continue
                job = self._next_sendable(wid, buf, stale)
                if job is None:
                    continue
                self._in_flight[wid] = self._in_flight.get(wid, 0) + 1
                self._busy_workers += 1
                self._jobs.put(job)
                if buf:
                    again.append(wid)
            candidates = again

    def _flush_deferred(self) -> None:
        """Store events a producer could not; a database that is busy is simply retried."""
        while self._deferred:
            event = self._deferred[0]
            try:
                self._outbox.store(event)
            except IntegrityError:
                # A webhook was deleted behind our cache's back: store the rest.
                self._store_for_known_webhooks(event)
            self._deferred.popleft()
            self.notify({wid for wid, _ in event.targets})

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

    # -- workers ------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            follows = 0
            while job is not None:
                result = self._send(job)
                follow = result is not None and follows < FOLLOW_LIMIT
                job = self._finish(job, result, follow)
                follows += 1

    def _send(self, job: Job) -> AttemptResult | None:
        c = job.claimed
        try:
            result = attempt(self._sender, job.endpoint, c.id, c.event_name, c.event_id,
                             c.payload.encode("utf-8"))
        except Exception:  # a bug must not kill the worker; the lease will expire
            log.exception("webhook send crashed for delivery %s", c.id)
            return None
        self._recorder.submit(c, job.endpoint, result)
        return result

    def _finish(self, job: Job, result: AttemptResult | None, follow: bool) -> Job | None:
        """Free the job's slot, or keep it for the webhook's next buffered row.

        Following on in the same worker saves a round trip through the
        scheduler per delivery; FOLLOW_LIMIT keeps other webhooks' turns fair.
        """
        wid = job.endpoint.webhook_id
        failed = result is None or not result.success
        nxt: Job | None = None
        stale: list[str] = []
        with self._cond:
            if failed:
                self._failing.add(wid)
            else:
                self._failing.discard(wid)
            buf = self._buffers.get(wid)
            if follow and not failed and not self._stopping:
                nxt = self._next_sendable(wid, buf, stale)
            if nxt is None:
                self._in_flight[wid] = self._in_flight.get(wid, 0) - 1
                self._busy_workers -= 1
            wants_refill = wid in self._backlog and len(buf or ()) < self._depth(wid) // 2
            if wants_refill:
                self._hinted.add(wid)
            if nxt is None or wants_refill:  # a slot was freed, or rows are to be claimed
                self._cond.notify()
        if stale:
            self._outbox.release(stale)
        return nxt

    def _next_sendable(self, wid: int, buf: deque[Claimed] | None, stale: list[str]
                       ) -> Job | None:
        endpoint = self._registry.current.endpoints.get(wid)
        now = utcnow()
        while buf:
            claimed = buf.popleft()
            if endpoint is not None and endpoint.enabled and _lease_ok(claimed, endpoint, now):
                return Job(claimed, endpoint)
            stale.append(claimed.id)
        return None

    # -- recorder callback ----------------------------------------------------
    def _settled(self, webhook_id: int, retry_at: datetime | None, disabled: bool) -> None:
        """Called by the recorder after a batch is stored."""
        if disabled:
            self.webhooks_changed()
        if retry_at is not None:
            delay = (retry_at - utcnow()).total_seconds()
            with self._cond:
                heapq.heappush(self._wakeups, (time.monotonic() + max(delay, 0.0), webhook_id))
                self._cond.notify()


def _lease_ok(claimed: Claimed, endpoint: Endpoint, now: datetime) -> bool:
    """Enough lease left to finish a send (so no other process can take it meanwhile)."""
    needed = timedelta(seconds=endpoint.timeout_seconds + LEASE_MARGIN_SECONDS)
    return claimed.lease_expires_at - now >= needed
