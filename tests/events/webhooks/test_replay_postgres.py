"""Replay on PostgreSQL: the same API, the outbox in the server database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until, \
    webhook_logs


@pytest.fixture
def app_settings(pg_url):
    return {**FAST_SETTINGS, "database_url": pg_url, "webhook_max_in_flight_per_endpoint": 1}


@pytest.mark.postgres
def test_replay_on_postgresql(client, services, receiver):
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    hook = create_webhook(client, receiver.url, events=["test"],
                          filters=[{"field": "message", "op": "!=", "value": "skip"}])
    sent = [services.bus.emit("test", {"message": m})["id"] for m in ("a", "skip", "b", "c")]
    receiver.wait_for(3)
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 3)
    resp = client.post(f"/api/v1/webhooks/{hook['id']}/replay", json={"since": since})
    assert resp.status_code == 202 and resp.json == {"queued": 3}
    again = receiver.wait_for(6)[3:]
    assert [r.headers["webhook-id"] for r in again] == [sent[0], sent[2], sent[3]]
