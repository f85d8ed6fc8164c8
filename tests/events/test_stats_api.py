"""GET /webhooks/<id>/stats and /hooks/<id>/stats: insight from the run log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sublarr.db import hook_log
from sublarr.db.base import utcnow
from tests.events.hooks.conftest import write_script
from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until, \
    webhook_logs
from tests.support.http import Reply


@pytest.fixture
def app_settings():
    return dict(FAST_SETTINGS)


def test_webhook_stats_count_real_deliveries(client, services, receiver):
    receiver.responder = lambda req: Reply(500) if req.json()["data"]["message"] == "bad" \
        else Reply(204)
    hook = create_webhook(client, receiver.url, events=["test"], retry_count=1)
    empty = client.get(f"/api/v1/webhooks/{hook['id']}/stats").json
    assert empty == {"window": "24h", "attempts": 0, "successes": 0, "success_rate": None,
                     "latency_ms": {"p50": None, "p95": None}}
    for message in ("ok", "ok", "ok", "bad"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 4, timeout=20)
    stats = client.get(f"/api/v1/webhooks/{hook['id']}/stats?window=24h").json
    # three delivered at once, one failed twice (retry_count 1)
    assert stats["attempts"] == 5 and stats["successes"] == 3
    assert stats["success_rate"] == 0.6
    assert stats["latency_ms"]["p50"] is not None
    assert stats["latency_ms"]["p95"] >= stats["latency_ms"]["p50"]


def test_windows_and_percentiles(client, services):
    hook = create_webhook(client, "http://127.0.0.1:9/x", events=["test"], enabled=False)
    now = utcnow()
    with services.db.session() as session:
        for ms in range(1, 101):
            hook_log.add_entry(session, hook_type="webhook", webhook_id=hook["id"],
                               event_name="test", success=ms % 4 != 0, attempts=1,
                               duration_ms=ms, triggered_at=now - timedelta(minutes=ms))
        hook_log.add_entry(session, hook_type="webhook", webhook_id=hook["id"],
                           event_name="test", success=False, attempts=1, duration_ms=9000,
                           triggered_at=now - timedelta(days=3))
        hook_log.add_entry(session, hook_type="webhook", webhook_id=hook["id"] + 1,
                           event_name="test", success=True, attempts=1, duration_ms=1,
                           triggered_at=now)  # another webhook: not counted
    day = client.get(f"/api/v1/webhooks/{hook['id']}/stats").json
    assert (day["attempts"], day["successes"], day["success_rate"]) == (100, 75, 0.75)
    assert day["latency_ms"] == {"p50": 50, "p95": 95}
    week = client.get(f"/api/v1/webhooks/{hook['id']}/stats?window=7d").json
    assert week["window"] == "7d" and week["attempts"] == 101 and week["successes"] == 75
    assert week["latency_ms"]["p95"] == 96


def test_hook_stats_from_real_runs(client, services, data_dir):
    script = write_script(Path(data_dir) / "hooks", "fail.sh",
                          '#!/bin/sh\n[ "$SUBLARR_MESSAGE" = ok ] || exit 2\n')
    created = client.post("/api/v1/hooks", json={"name": "s", "events": ["test"],
                                                  "script_path": str(script)})
    hook = created.json
    for message in ("ok", "no"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: client.get(f"/api/v1/hooks/{hook['id']}/stats").json["attempts"] == 2,
               timeout=20)
    stats = client.get(f"/api/v1/hooks/{hook['id']}/stats").json
    assert stats["successes"] == 1 and stats["success_rate"] == 0.5


def test_bad_window_and_unknown_subscribers(client):
    hook = create_webhook(client, "http://127.0.0.1:9/x")
    bad = client.get(f"/api/v1/webhooks/{hook['id']}/stats?window=1y")
    assert bad.status_code == 422 and bad.json["error"]["code"]
    assert client.get("/api/v1/webhooks/999/stats").status_code == 404
    assert client.get("/api/v1/hooks/999/stats").status_code == 404
    assert client.get(f"/api/v1/webhooks/{hook['id']}/stats?colour=red").status_code == 422


@pytest.mark.postgres
def test_window_stats_on_postgresql(pg_url):
    from sublarr.db.engine import Database

    db = Database(pg_url)
    try:
        db.upgrade()
        now = utcnow()
        with db.session() as session:
            for ms, attempts in ((10, 0), (20, 2), (30, 1)):
                hook_log.add_entry(session, hook_type="script", hook_id=7, event_name="test",
                                   success=ms == 30, attempts=attempts, duration_ms=ms,
                                   triggered_at=now)
        with db.session() as session:
            found = hook_log.window_stats(session, "script", 7, now - timedelta(hours=1))
        # a run never started counts one attempt; its duration is no latency
        assert (found.attempts, found.successes, found.p50_ms, found.p95_ms) == (4, 1, 20, 30)
    finally:
        db.close()
