"""POST /notifications/<id>/replay (the webhooks' code path) and its Activity progress."""

from __future__ import annotations

import queue
from datetime import datetime, timedelta, timezone

import pytest

from tests.events.notifications.conftest import (
    create_notification,
    json_url,
    notification_json,
    notification_logs,
)
from tests.events.test_socketio_bridge import connect_client
from tests.events.webhooks.conftest import wait_until
from tests.support.http import Reply


@pytest.fixture
def app_settings():
    return {"webhook_retry_base_seconds": 0.05, "webhook_poll_seconds": 0.1,
            "webhook_max_in_flight_per_endpoint": 1}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _event_ids(requests) -> list[str]:  # noqa: ANN001
    return [notification_json(r)["message"] for r in requests]


def test_replay_resends_every_event_in_order_with_original_ids(client, services, receiver):
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    channel = create_notification(client, json_url(receiver), events=["test"],
                                  body_template="{{ event_id }}")
    emitted = [services.bus.emit("test", {"message": f"m{i}"})["id"] for i in range(30)]
    assert sorted(_event_ids(receiver.wait_for(30))) == sorted(emitted)
    wait_until(lambda: len(notification_logs(services, channel["id"])) >= 30)

    resp = client.post(f"/api/v1/notifications/{channel['id']}/replay",
                       json={"since": _iso(since)})
    assert resp.status_code == 202, resp.json
    assert resp.json == {"queued": 30}
    assert _event_ids(receiver.wait_for(60)[30:]) == emitted  # same ids, oldest first
    wait_until(lambda: len(notification_logs(services, channel["id"])) >= 60)
    assert all(e["hook_type"] == "notification" for e in notification_logs(services))


def test_replay_only_failed_resends_just_the_failures(client, services, receiver):
    receiver.responder = lambda req: Reply(500) if "ja" in req.body.decode() else Reply(200)
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    channel = create_notification(client, json_url(receiver), events=["test"], retry_count=0,
                                  body_template="{{ data.message }}")
    for message in ("de", "ja", "en"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: len(notification_logs(services, channel["id"])) >= 3)
    receiver.responder = lambda req: Reply(200)
    resp = client.post(f"/api/v1/notifications/{channel['id']}/replay",
                       json={"since": _iso(since), "only_failed": True})
    assert resp.json == {"queued": 1}
    assert notification_json(receiver.wait_for(4)[3])["message"] == "ja"


@pytest.mark.parametrize("body, field", [
    ({}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
    ({"since": "2020-01-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "until"),
    ({"since": "2026-01-01T00:00:00Z", "only_failed": 1}, "only_failed"),
    ({"since": "2026-01-01T00:00:00Z", "colour": "red"}, "colour"),
])
def test_bad_replay_ranges_are_refused(client, receiver, body, field):
    channel = create_notification(client, json_url(receiver))
    resp = client.post(f"/api/v1/notifications/{channel['id']}/replay", json=body)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["details"][0]["loc"] == [field]


def test_replay_of_a_disabled_or_unknown_channel_is_refused(client, receiver):
    channel = create_notification(client, json_url(receiver), enabled=False)
    body = {"since": "2026-01-01T00:00:00Z"}
    resp = client.post(f"/api/v1/notifications/{channel['id']}/replay", json=body)
    assert resp.status_code == 409 and "disabled" in resp.json["error"]["message"]
    assert client.post("/api/v1/notifications/999999/replay", json=body).status_code == 404
    assert client.post("/api/v1/notifications/1/replay", data=b"[1]",
                       content_type="application/json").status_code in (400, 404, 422)


def test_replay_progress_reaches_socketio_clients(client, services, receiver, live_server,
                                                  api_key):
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    channel = create_notification(client, json_url(receiver), name="ntfy phone",
                                  events=["test"])
    for i in range(5):
        services.bus.emit("test", {"message": f"m{i}"})
    wait_until(lambda: len(notification_logs(services, channel["id"])) >= 5)
    socket, received = connect_client(live_server.url, api_key)
    try:
        resp = client.post(f"/api/v1/notifications/{channel['id']}/replay",
                           json={"since": _iso(since)})
        assert resp.json == {"queued": 5}
        reports = []
        while not reports or reports[-1]["status"] == "running":
            event, data = received.get(timeout=20)
            if event == "replay_progress":
                reports.append(data)
    except queue.Empty:
        raise AssertionError(f"no final replay_progress report; got {reports}") from None
    finally:
        socket.disconnect()
    first, last = reports[0], reports[-1]
    assert first["status"] == "running" and first["current"] == 0 and first["total"] == 5
    assert first["id"].startswith("rpl_") and {r["id"] for r in reports} == {first["id"]}
    assert last == {"id": first["id"], "kind": "notification",
                    "subscriber_id": channel["id"], "label": "Replay to ntfy phone",
                    "total": 5, "current": 5, "delivered": 5, "failed": 0,
                    "status": "completed"}
    assert all(a["current"] <= b["current"] for a, b in zip(reports, reports[1:], strict=False))
