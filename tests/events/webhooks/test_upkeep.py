"""Isolation between endpoints, config cache refresh, retention and SQLite checkpoints."""

# ruff: noqa: F811
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from sublarr.db import hook_log
from sublarr.db.base import utcnow
from sublarr.events.webhooks.outbox_rows import DELIVERED, PENDING
from sublarr.events.webhooks.lifecycle import webhooks_of
from tests.events.webhooks.conftest import (
    FAST_SETTINGS,
    RawServer,
    create_webhook,
    never_answers,
    wait_until,
    webhook_logs,
)
from tests.support.http import Reply


@pytest.fixture
def app_settings():
    return {**FAST_SETTINGS, "hook_log_retention_count": 100}


def test_several_dead_endpoints_cannot_take_every_worker(client, services, receiver):
    dead = [RawServer(never_answers) for _ in range(5)]
    try:
        for server in dead:
            create_webhook(client, server.url, event_name="test", timeout_seconds=1,
                           retry_count=10)
        create_webhook(client, receiver.url, event_name="test")
        for i in range(30):
            services.bus.emit("test", {"message": str(i)})
        # 5 dead x 2 in flight would fill all 8 workers; failing webhooks get at most half
        receiver.wait_for(30, timeout=15)
    finally:
        for server in dead:
            server.stop()


def test_webhook_edits_take_effect_for_the_next_emit(client, services, receiver):
    hook = create_webhook(client, receiver.url + "/a", event_name="translation_complete")
    services.bus.emit("test", {"message": "ignored"})
    client.put(f"/api/v1/webhooks/{hook['id']}", json={"event_name": "test",
                                                       "url": receiver.url + "/b"})
    services.bus.emit("test", {"message": "now"})
    [req] = receiver.wait_for(1)
    assert req.path == "/b" and req.json()["data"]["message"] == "now"


def test_changes_made_by_another_process_are_picked_up(client, services, receiver):
    from sublarr.events.webhooks import repo as webhook_configs

    with services.db.session() as session:  # as another process would: straight to the table
        webhook_configs.create(session, {
            "name": "elsewhere", "url": receiver.url, "event_name": "test", "secret": "s",
            "headers": {}, "retry_count": 0, "timeout_seconds": 5, "enabled": True})
    registry = webhooks_of(services).registry
    wait_until(lambda: registry.current.targets_for("test"), timeout=10)
    services.bus.emit("test", {"message": "x"})
    receiver.wait_for(1)


def test_retention_prunes_finished_rows_and_log(client, services, receiver):
    hook = create_webhook(client, receiver.url, event_name="test")
    for i in range(120):
        services.bus.emit("test", {"message": str(i)})
    webhooks = webhooks_of(services)
    wait_until(lambda: webhooks.outbox.count(status=DELIVERED) == 120, timeout=20)
    wait_until(lambda: len(webhook_logs(services, hook["id"])) == 120)
    services.settings.update({"outbox_retention_count": 100})
    rows, entries = webhooks.maintenance.prune()
    assert rows == 20 and entries >= 20
    assert webhooks.outbox.count(status=DELIVERED) == 100
    with services.db.session() as session:
        assert hook_log.list_entries(session, hook_log.LogFilter())[1] <= 100


def test_pending_rows_survive_retention(client, services, silent_server):
    create_webhook(client, silent_server.url, event_name="test", timeout_seconds=30)
    outbox = webhooks_of(services).outbox
    for i in range(5):
        services.bus.emit("test", {"message": str(i)})
    wait_until(lambda: outbox.count(status=PENDING) == 5)  # rows written by the fan-out
    outbox.prune_completed(0, 100, now=utcnow() + timedelta(days=365))
    assert outbox.count(status=PENDING) == 5


def test_retry_after_beyond_an_hour_is_capped(client, services, receiver):
    receiver.responder = lambda req: Reply(503, headers={"Retry-After": "86400"})
    hook = create_webhook(client, receiver.url, event_name="test")
    services.bus.emit("test", {"message": "x"})
    receiver.wait_for(1)
    outbox = webhooks_of(services).outbox

    def rescheduled():  # noqa: ANN202
        from sqlalchemy import select

        from sublarr.db.models import WebhookDelivery

        with services.db.session() as session:
            row = session.scalars(select(WebhookDelivery)).first()
            return row if row.attempts == 1 else None

    row = wait_until(rescheduled)
    wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert 3500 < wait <= 3600
    assert outbox.count(webhook_id=hook["id"], status=PENDING) == 1


def test_sqlite_checkpoints_are_off_the_producer(services):
    with services.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    services.bus.emit("test", {"message": "x"})
    services.db.checkpoint()  # what the maintenance thread does every second
    with services.db.engine.connect() as conn:
        busy, wal_frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and done == wal_frames


def test_shutdown_releases_buffered_leases(app, services, client, silent_server):
    create_webhook(client, silent_server.url, event_name="test", timeout_seconds=30)
    for i in range(10):
        services.bus.emit("test", {"message": str(i)})
    outbox = webhooks_of(services).outbox
    wait_until(lambda: silent_server.connections >= 1)
    time.sleep(0.2)
    silent_server.stop()
    services.shutdown()
    from sqlalchemy import func, select

    from sublarr.db.engine import Database
    from sublarr.db.models import WebhookDelivery

    db = Database(services.db.url)
    try:
        with db.session() as session:
            leased = session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.lease_owner == outbox.owner, WebhookDelivery.status == PENDING))
            pending = session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.status == PENDING))
    finally:
        db.close()
    assert pending >= 8 and leased <= 2  # only rows that were in flight keep their lease


def test_metrics_count_outcomes_and_backlog(client, services, receiver):
    receiver.responder = lambda req: Reply(204 if req.json()["data"]["message"] == "ok" else 400)
    create_webhook(client, receiver.url, event_name="test", retry_count=0)
    services.bus.emit("test", {"message": "ok"})
    services.bus.emit("test", {"message": "bad"})

    def scrape():  # noqa: ANN202
        return client.raw.get("/metrics").get_data(as_text=True)

    wait_until(lambda: 'sublarr_webhook_deliveries_total{outcome="failed"} 1.0' in scrape())
    text = scrape()
    assert 'sublarr_webhook_deliveries_total{outcome="delivered"} 1.0' in text
    assert "sublarr_webhook_deliveries_pending 0.0" in text


def test_a_webhook_deleted_behind_the_cache_does_not_lose_other_deliveries(
        client, services, receiver):
    from sublarr.events.webhooks import repo as webhook_configs

    keep = create_webhook(client, receiver.url + "/keep", event_name="test")
    gone = create_webhook(client, receiver.url + "/gone", event_name="test")
    with services.db.session() as session:  # another process deletes it; our cache is stale
        webhook_configs.delete_config(session, webhook_configs.get(session, gone["id"]))
    assert len(webhooks_of(services).registry.current.targets_for("test")) == 2
    env = services.bus.emit("test", {"message": "x"})  # the batch insert hits the FK
    [req] = receiver.wait_for(1)
    assert req.path == "/keep" and req.headers["webhook-id"] == env["id"]
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    assert webhooks_of(services).outbox.count(webhook_id=keep["id"]) == 1
