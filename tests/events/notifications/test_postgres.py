"""Notifications on PostgreSQL: delivery, run log, auto-disable and replay in the server
database (migration 0015 applied there too)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.events.notifications.conftest import (
    FAST_SETTINGS,
    create_notification,
    json_url,
    notification_json,
    notification_logs,
)
from tests.events.webhooks.conftest import wait_until
from tests.support.http import Reply


@pytest.fixture
def app_settings(pg_url):
    return {**FAST_SETTINGS, "database_url": pg_url, "webhook_max_in_flight_per_endpoint": 1,
            "webhook_auto_disable_after": 1}


@pytest.mark.postgres
def test_notifications_on_postgresql(client, services, receiver, events):
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    channel = create_notification(client, json_url(receiver), events=["test"], retry_count=0,
                                  body_template="{{ event_id }}")
    sent = [services.bus.emit("test", {"message": m})["id"] for m in ("a", "b")]
    assert [notification_json(r)["message"] for r in receiver.wait_for(2)] == sent
    logs = wait_until(lambda: len(notification_logs(services, channel["id"])) >= 2
                      and notification_logs(services, channel["id"]))
    assert {e["notification_id"] for e in logs} == {channel["id"]}
    resp = client.post(f"/api/v1/notifications/{channel['id']}/replay", json={"since": since})
    assert resp.json == {"queued": 2}
    assert [notification_json(r)["message"] for r in receiver.wait_for(4)[2:]] == sent

    receiver.responder = lambda req: Reply(500)
    services.bus.emit("test", {"message": "c"})
    wait_until(lambda: [e for e in events if e["event_name"] == "notification_disabled"])
    assert client.get(f"/api/v1/notifications/{channel['id']}").json["enabled"] is False
