"""Outgoing webhooks: the outbox writer on the bus, the scheduler, test sends.

``bus.emit`` stores every event a webhook wants before it returns (the
producer never makes an HTTP call); the
:class:`~sublarr.events.webhooks.scheduler.WebhookScheduler` writes one delivery row per
webhook from it and delivers them.  Everything
long-lived is kept in ``services.components["webhooks"]``.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from flask import Flask
from prometheus_client import Gauge
from sqlalchemy.exc import SQLAlchemyError

from sublarr.config import Settings
from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.db.unavailable import describe_error, is_database_unavailable
from sublarr.events import runlog
from sublarr.events.bus import Envelope, build_envelope, new_event_id
from sublarr.events.catalog import CATALOG
from sublarr.events.delivery_metrics import DeliveryMetrics
from sublarr.events.webhooks.replay_progress import ReplayProgress
from sublarr.events.webhooks.request import Endpoint, attempt, encode_envelope
from sublarr.events.webhooks.sender import AttemptResult, HttpSender
from sublarr.events.webhooks.scheduler import WebhookScheduler
from sublarr.events.webhooks.journal import WebhookJournal
from sublarr.events.webhooks.maintenance import Maintenance
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import PENDING, NewEvent
from sublarr.events.webhooks.subscriptions import SubscriptionRegistry
from sublarr.events.webhooks.waiting import JournalEvents, TableEvents, WaitingEvents
from sublarr.services import Services

log = logging.getLogger(__name__)

COMPONENT_KEY = "webhooks"
TEST_MESSAGE = "Test event from Sublarr"


class OutboxWriter:
    """The bus receiver: stores each event wanted by a webhook before ``emit`` returns.

    One row per event, whatever the number of webhooks: the scheduler
    writes the per-webhook delivery rows in the background (a hundred rows
    per emit would make the producer wait milliseconds).
    """

    def __init__(self, waiting: WaitingEvents, registry: SubscriptionRegistry,
                 scheduler: WebhookScheduler) -> None:
        self._store = waiting.append
        self._registry = registry
        self._scheduler = scheduler

    def __call__(self, envelope: Envelope) -> None:
        targets = self._registry.current.targets_for(envelope["event_name"], envelope["data"])
        if not targets:
            return
        event = NewEvent(envelope["id"], envelope["event_name"], encode_envelope(envelope),
                         targets, utcnow())
        try:
            self._store(event)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            # E.g. PostgreSQL unreachable for a moment, or a full disk.  Keep the
            # event and store it from the scheduler.
            if is_database_unavailable(exc):  # one line per emit, not a traceback
                log.warning("outbox write failed for %s (database unavailable: %s); "
                            "storing it in the background", envelope["id"], describe_error(exc))
            else:
                log.exception("outbox write failed for %s; storing it in the background",
                              envelope["id"])
            self._scheduler.defer(event)
            return
        self._scheduler.events_stored()


@dataclass
class Webhooks:
    """The webhook subsystem of one app (``services.components["webhooks"]``)."""

    outbox: Outbox
    waiting: WaitingEvents
    registry: SubscriptionRegistry
    scheduler: WebhookScheduler
    sender: HttpSender
    maintenance: Maintenance
    settings: Callable[[], Settings]
    replays: ReplayProgress
    metrics: DeliveryMetrics

    @property
    def journal(self) -> WebhookJournal | None:
        """The producers' journal file (SQLite), else None."""
        return self.waiting.journal

    def pending(self, webhook_id: int | None = None) -> int:
        """Deliveries not finished yet, including those of events still waiting for
        their rows (an event moving meanwhile may count twice)."""
        return (self.outbox.count(status=PENDING, webhook_id=webhook_id)
                + self.waiting.waiting(webhook_id))

    def changed(self) -> None:
        """A webhook or notification channel was created, edited or deleted here."""
        self.scheduler.webhooks_changed()

    def send_test(self, endpoint: Endpoint) -> tuple[AttemptResult, str]:
        """POST a ``test`` event to one webhook now: no outbox, no retry; logged."""
        envelope = build_envelope(CATALOG["test"], {"message": TEST_MESSAGE},
                                  datetime.now(timezone.utc), new_event_id())
        # not an outbox row: an id redelivery will not resolve
        delivery_id = f"dlv_test_{uuid.uuid4().hex[:24]}"
        body = encode_envelope(envelope).encode("utf-8")
        result = attempt(self.sender, endpoint, delivery_id, "test", envelope["id"], body)
        run = runlog.Run(runlog.WEBHOOK, endpoint.webhook_id, endpoint.name, "test",
                         envelope["id"], result.success, result.started_at or utcnow(),
                         result.duration_ms, status_code=result.status_code,
                         response_excerpt=result.excerpt, error=result.error,
                         delivery_id=delivery_id)
        with self.outbox.write_session() as session:
            runlog.write(session, [run], stats=None)  # a test send counts in no statistics
        return result, delivery_id

    def redeliver(self, delivery_id: str, endpoint: Endpoint) -> str | None:
        """Queue a stored delivery again (same event id, so the same ``webhook-id``)."""
        new_id = self.outbox.redeliver(delivery_id, endpoint.max_attempts)
        if new_id is not None:
            self.scheduler.notify([endpoint.webhook_id])
        return new_id


def build_webhooks(services: Services, metrics: DeliveryMetrics) -> Webhooks:
    settings: Callable[[], Settings] = lambda: services.settings.current  # noqa: E731
    outbox = Outbox(services.db)
    waiting = _waiting_for(services.db, outbox)
    registry = SubscriptionRegistry(services.db)
    registry.reload()
    current = settings()
    sender = HttpSender(max_connections=current.webhook_workers)
    scheduler = WebhookScheduler(outbox, waiting, registry, services.bus, settings, sender,
                                 count_final=metrics)
    maintenance = Maintenance(services.db, outbox, settings)
    replays = ReplayProgress(services.db, services.progress.emit, current.webhook_thread_nice)
    webhooks = Webhooks(outbox, waiting, registry, scheduler, sender, maintenance, settings,
                        replays, metrics)
    _pending_gauge(services, webhooks.pending)
    return webhooks


def _waiting_for(db: Database, outbox: Outbox) -> WaitingEvents:
    """The producers' journal next to a SQLite database file, else the outbox's
    event table (see events.webhooks.waiting)."""
    path = db.engine.url.database if db.dialect == "sqlite" else None
    if not path or path == ":memory:":
        return TableEvents(outbox)
    return JournalEvents(WebhookJournal(Path(path).parent), outbox)


def _pending_gauge(services: Services, pending: Callable[[], int]) -> None:
    """Prometheus: the pending backlog (all processes), read at scrape time."""
    gauge = Gauge("sublarr_webhook_deliveries_pending",
                  "Webhook deliveries waiting in the outbox (all processes)",
                  registry=services.metrics.registry)
    gauge.set_function(pending)


def init_webhooks(app: Flask, services: Services, metrics: DeliveryMetrics) -> None:
    """Subscribe the outbox to the bus and start the scheduler."""
    webhooks = build_webhooks(services, metrics)
    services.components[COMPONENT_KEY] = webhooks
    services.bus.subscribe(OutboxWriter(webhooks.waiting, webhooks.registry, webhooks.scheduler))
    webhooks.scheduler.start()
    webhooks.maintenance.start()
    services.on_shutdown("replay progress", webhooks.replays.stop)
    services.on_shutdown("webhook maintenance", webhooks.maintenance.stop)
    services.on_shutdown("webhook scheduler", webhooks.scheduler.stop)


def webhooks_of(services: Services) -> Webhooks:
    return services.components[COMPONENT_KEY]
