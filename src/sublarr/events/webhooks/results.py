"""Stores attempt results in batches and announces final outcomes.

One thread drains the results of every sender: each batch is one
transaction (outbox rows, hook_log entries, webhook statistics, automatic
disabling); the events (``hook_executed``, ``webhook_disabled``) go out
after the commit.  (``webhook_completed`` is the progress notice of
*incoming* *arr webhooks, sent by the library intake, not of deliveries.)
"""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Callable, Sequence

from sublarr.background import BatchThread
from sublarr.config import Settings
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.db.base import utcnow
from sublarr.events.webhooks.repo import Disabled
from sublarr.events import runlog
from sublarr.events.bus import EventBus
from sublarr.events.webhooks.request import Endpoint
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import Claimed
from sublarr.events.webhooks.outcomes import Settled, run_of, settle
from sublarr.events.webhooks.sender import AttemptResult

log = logging.getLogger(__name__)

BATCH_LIMIT = 256
# After the first result arrives, wait this long for more: one transaction
# then stores many results (throughput); a stored outcome is only this late.
LINGER_SECONDS = 0.025
STORE_RETRY_SECONDS = 0.5
GONE_REASON = "endpoint answered 410 Gone"

# (webhook_id, next attempt due or None, the webhook was disabled)
SettledCallback = Callable[[int, datetime | None, bool], None]


class Recorder:
    """The single writer of attempt outcomes for one scheduler.

    ``on_settled`` hears of every delivery still pending and of every webhook
    disabled, after the commit; ``count_final`` of every final outcome.
    """

    def __init__(self, outbox: Outbox, bus: EventBus, settings: Callable[[], Settings], *,
                 on_settled: SettledCallback,
                 count_final: Callable[[runlog.Run], None] = lambda _run: None) -> None:
        self._outbox = outbox
        self._bus = bus
        self._settings = settings
        self._on_settled = on_settled
        self._count_final = count_final
        self._rng = random.Random()
        self._thread = BatchThread("webhook-recorder", self.store, limit=BATCH_LIMIT,
                                   linger=LINGER_SECONDS, nap=LINGER_SECONDS,
                                   nice=settings().webhook_thread_nice,
                                   retry_seconds=STORE_RETRY_SECONDS)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, then end the thread."""
        self._thread.stop(timeout)

    def submit(self, claimed: Claimed, endpoint: Endpoint, result: AttemptResult) -> None:
        self._thread.put((claimed, endpoint, result))

    def store(self, batch: Sequence[tuple[Claimed, Endpoint, AttemptResult]]) -> None:
        """One transaction for the whole batch, then the announcements."""
        now = utcnow()
        settings = self._settings()
        settled = [settle(c, e, r, settings.webhook_retry_base_seconds, now, self._rng)
                   for c, e, r in batch]
        finals = [s for s in settled if s.final]
        runs = [run_of(s, now) for s in finals]
        with self._outbox.write_session() as session:
            self._outbox.record_attempts(session, [s.record for s in settled])
            runlog.write(session, runs, webhook_configs.apply_tallies)
            disabled = self._disable(session, finals, settings.webhook_auto_disable_after)
        # The scheduler forgets disabled webhooks before anyone hears of it, so an
        # emit made after ``webhook_disabled`` was seen never targets them.
        for d in disabled:
            self._on_settled(d.webhook_id, None, True)
        self._announce(runs, disabled)
        for s in settled:
            if not s.final:
                self._on_settled(s.endpoint.webhook_id, s.record.next_attempt_at, False)

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

    def _announce(self, runs: list[runlog.Run], disabled: list[Disabled]) -> None:
        for run in runs:
            self._count_final(run)
            if runlog.announces(run):
                self._bus.emit(runlog.HOOK_EXECUTED, runlog.hook_executed_payload(run))
        for d in disabled:
            notification = d.kind == webhook_configs.NOTIFICATION
            what = "notification channel" if notification else "webhook"
            log.warning("%s %s (%s) disabled: %s", what, d.webhook_id, d.name, d.reason)
            self._bus.emit("notification_disabled" if notification else "webhook_disabled", {
                "notification_id" if notification else "webhook_id": d.webhook_id,
                "name": d.name, "reason": d.reason,
                "consecutive_failures": d.consecutive_failures})
