"""Stores attempt results in batches and announces final outcomes.

One thread drains the results of every sender: each batch is one
transaction (outbox rows, hook_log entries, webhook statistics, automatic
disabling); the events (``hook_executed``, ``webhook_disabled``) go out
after the commit.  (``webhook_completed`` is the progress notice of
*incoming* *arr webhooks, sent by the library intake, not of deliveries.)
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from datetime import datetime
from typing import Callable, Sequence

from sublarr.background import background_thread
from sublarr.config import Settings
from sublarr.db import hook_log, webhook_configs
from sublarr.db.base import utcnow
from sublarr.db.webhook_configs import Disabled
from sublarr.events.bridge import ProgressStream
from sublarr.events.bus import EventBus
from sublarr.events.delivery import Endpoint
from sublarr.events.sender import AttemptResult
from sublarr.events.outbox import Claimed, Outbox
from sublarr.events.outcomes import (
    Settled,
    announces_execution,
    hook_executed_payload,
    log_entry,
    settle,
    tally_finals,
)

log = logging.getLogger(__name__)

BATCH_LIMIT = 256
# After the first result arrives, wait this long for more: one transaction
# then stores many results (throughput); a stored outcome is only this late.
LINGER_SECONDS = 0.01
STORE_RETRY_SECONDS = 0.5
GONE_REASON = "endpoint answered 410 Gone"

SettledCallback = Callable[[int, datetime | None, bool], None]


class Recorder:
    """The single writer of attempt outcomes for one dispatcher."""

    def __init__(self, outbox: Outbox, bus: EventBus, progress: ProgressStream,
                 settings: Callable[[], Settings],
                 count_final: Callable[[bool], None] = lambda _success: None) -> None:
        self._outbox = outbox
        self.count_final = count_final   # metrics hook, set once the metrics exist
        self._bus = bus
        self._progress = progress
        self._settings = settings
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = background_thread(self._run, "webhook-recorder",
                                         settings().webhook_thread_nice)
        self._rng = random.Random()
        self.on_settled: SettledCallback = lambda *_args: None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, then end the thread."""
        self._stop.set()
        self._results.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def submit(self, claimed: Claimed, endpoint: Endpoint, result: AttemptResult) -> None:
        self._results.put((claimed, endpoint, result))

    def _run(self) -> None:
        while True:
            batch, ended = self._next_batch()
            if batch:
                self._store_with_retry(batch)
            if ended:
                return

    def _next_batch(self) -> tuple[list[tuple[Claimed, Endpoint, AttemptResult]], bool]:
        first = self._results.get()
        if first is None:
            return self._drain_rest(), True
        batch = [first]
        if not self._stop.is_set():
            time.sleep(LINGER_SECONDS)
        while len(batch) < BATCH_LIMIT:
            try:
                item = self._results.get_nowait()
            except queue.Empty:
                break
            if item is None:
                batch.extend(self._drain_rest())
                return batch, True
            batch.append(item)
        return batch, False

    def _drain_rest(self) -> list[tuple[Claimed, Endpoint, AttemptResult]]:
        rest = []
        while True:
            try:
                item = self._results.get_nowait()
            except queue.Empty:
                return rest
            if item is not None:
                rest.append(item)

    def _store_with_retry(self, batch: list[tuple[Claimed, Endpoint, AttemptResult]]) -> None:
        while True:
            try:
                self.store(batch)
                return
            except Exception:
                log.exception("could not store %d webhook results; retrying", len(batch))
                if self._stop.is_set():
                    return  # leases run out; the deliveries are sent again after a restart
                time.sleep(STORE_RETRY_SECONDS)

    def store(self, batch: Sequence[tuple[Claimed, Endpoint, AttemptResult]]) -> None:
        """One transaction for the whole batch, then the announcements."""
        now = utcnow()
        settings = self._settings()
        settled = [settle(c, e, r, settings.webhook_retry_base_seconds, now, self._rng)
                   for c, e, r in batch]
        finals = [s for s in settled if s.final]
        with self._outbox.write_session() as session:
            self._outbox.record_attempts(session, [s.record for s in settled])
            hook_log.add_entries(session, [log_entry(s, now) for s in finals])
            webhook_configs.apply_tallies(session, tally_finals(finals, now))
            disabled = self._disable(session, finals, settings.webhook_auto_disable_after)
        # The dispatcher forgets disabled webhooks before anyone hears of it, so an
        # emit made after ``webhook_disabled`` was seen never targets them.
        for d in disabled:
            self.on_settled(d.webhook_id, None, True)
        self._announce(finals, disabled)
        for s in settled:
            if not s.final:
                self.on_settled(s.endpoint.webhook_id, s.record.next_attempt_at, False)

    @staticmethod
    def _disable(session, finals: list[Settled], threshold: int) -> list[Disabled]:  # noqa: ANN001
        disabled: dict[int, Disabled] = {}
        for s in finals:
            if s.gone and s.endpoint.webhook_id not in disabled:
                gone = webhook_configs.disable_gone(session, s.endpoint.webhook_id, GONE_REASON)
                if gone is not None:
                    disabled[gone.webhook_id] = gone
        failing = sorted({s.endpoint.webhook_id for s in finals if not s.result.success}
                         - set(disabled))
        reason = f"{threshold} consecutive failed deliveries"
        for d in webhook_configs.disable_failing(session, failing, threshold, reason):
            disabled[d.webhook_id] = d
        return list(disabled.values())

    def _announce(self, finals: list[Settled], disabled: list[Disabled]) -> None:
        for s in finals:
            self.count_final(s.result.success)
            if announces_execution(s):
                self._bus.emit("hook_executed", hook_executed_payload(s))
        for d in disabled:
            log.warning("webhook %s (%s) disabled: %s", d.webhook_id, d.name, d.reason)
            self._bus.emit("webhook_disabled", {
                "webhook_id": d.webhook_id, "name": d.name, "reason": d.reason,
                "consecutive_failures": d.consecutive_failures})
