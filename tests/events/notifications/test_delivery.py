"""Notifications delivered by apprise to real receivers on 127.0.0.1 (JSON service, ntfy)."""

from __future__ import annotations

import json

import pytest

from tests.events.notifications.conftest import (
    TOKEN,
    create_notification,
    json_url,
    notification_json,
    notification_logs,
)
from tests.events.webhooks.conftest import wait_until
from tests.support.http import Reply

EPISODE = {"media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
           "provider": "jimaku", "score": 612, "format": "ass",
           "subtitle_path": "/tv/F/S01E05.en.ass", "media_path": "/tv/F/S01E05.mkv"}


def _downloaded(services, language: str = "en") -> dict:  # noqa: ANN001
    return services.bus.emit("subtitle_downloaded", {**EPISODE, "language": language})


def test_json_receiver_gets_the_rendered_title_and_body(client, services, receiver, events):
    channel = create_notification(
        client, json_url(receiver), events=["subtitle_downloaded"],
        title_template="{{ data.title }} S{{ '%02d' % data.season }}E{{ data.episode }}",
        body_template="{{ data.language }} from {{ data.provider }} [{{ event_id }}] "
                      "{{ event_name }}")
    envelope = _downloaded(services, "de")
    request = receiver.wait_for(1)[0]
    assert request.method == "POST" and request.path == f"/notify/{TOKEN}"
    sent = notification_json(request)
    assert sent["title"] == "Frieren S01E5"
    assert sent["message"] == f"de from jimaku [{envelope['id']}] subtitle_downloaded"

    logs = wait_until(lambda: notification_logs(services, channel["id"]))
    assert logs[0]["hook_type"] == "notification"
    assert logs[0]["notification_id"] == channel["id"] and logs[0]["webhook_id"] is None
    assert logs[0]["success"] is True and logs[0]["event_id"] == envelope["id"]
    assert logs[0]["attempts"] == 1
    executed = wait_until(lambda: [e["data"] for e in events
                                   if e["event_name"] == "hook_executed"])
    assert executed[0]["hook_type"] == "notification"
    assert executed[0]["notification_id"] == channel["id"]
    assert executed[0]["webhook_id"] is None and executed[0]["success"] is True
    row = client.get(f"/api/v1/notifications/{channel['id']}").json
    assert row["trigger_count"] == 1 and row["last_triggered_at"] is not None
    by_filter = client.get(f"/api/v1/hooks/logs?notification_id={channel['id']}").json
    assert [e["id"] for e in by_filter["logs"]] == [logs[0]["id"]]
    assert by_filter["logs"][0]["notification_id"] == channel["id"]


def test_empty_templates_use_the_events_default_text(client, services, receiver):
    create_notification(client, json_url(receiver), events=["subtitle_downloaded"])
    _downloaded(services, "ja")
    sent = notification_json(receiver.wait_for(1)[0])
    assert sent["title"] == "Subtitle downloaded: Frieren S01E05"
    assert sent["message"].startswith("ja · jimaku · score 612")


def test_fake_ntfy_server_receives_the_notification(client, services, ntfy):
    create_notification(client, f"ntfy://127.0.0.1:{ntfy.port}/sublarr-{TOKEN}",
                        events=["test"], title_template="Hello {{ data.message }}")
    services.bus.emit("test", {"message": "from Sublarr"})
    ntfy.wait_for(1)
    # title from the channel's template, body the test event's default text
    assert ntfy.published == [{"topic": f"sublarr-{TOKEN}", "title": "Hello from Sublarr",
                               "message": "from Sublarr"}]
    wait_until(lambda: notification_logs(services))
    assert notification_logs(services)[0]["success"] is True


def test_ntfy_error_answer_is_a_logged_failure_without_the_topic(client, services, ntfy,
                                                                root_log):
    ntfy.responder = lambda req: Reply(403, {"code": 40301, "http": 403,
                                             "error": "forbidden"})
    create_notification(client, f"ntfy://127.0.0.1:{ntfy.port}/{TOKEN}", events=["test"],
                        retry_count=0)
    services.bus.emit("test", {"message": "x"})
    logs = wait_until(lambda: notification_logs(services))
    assert logs[0]["success"] is False
    assert "forbidden" in logs[0]["error"]
    assert TOKEN not in json.dumps(logs)
    assert TOKEN not in root_log.text


def test_filters_let_through_exactly_the_matching_events(client, services, receiver):
    create_notification(client, json_url(receiver), events=["subtitle_downloaded"],
                        filters=[{"field": "language", "op": "in", "value": ["de", "ja"]},
                                 {"field": "score", "op": ">", "value": 600}],
                        body_template="{{ data.language }}")
    for language in ("de", "en", "ja", "fr"):
        _downloaded(services, language)
    services.bus.emit("subtitle_downloaded", {**EPISODE, "language": "de", "score": 10})
    services.bus.emit("test", {"message": "not subscribed"})
    wait_until(lambda: len(notification_logs(services)) >= 2)
    # the scheduler has finished with everything emitted before the last matching event
    _downloaded(services, "ja")
    received = receiver.wait_for(3)
    wait_until(lambda: len(notification_logs(services)) >= 3)
    assert sorted(notification_json(r)["message"] for r in received) == ["de", "ja", "ja"]
    assert len(receiver.requests) == 3


@pytest.fixture
def app_settings():
    return {"webhook_retry_base_seconds": 0.05, "webhook_poll_seconds": 0.1,
            "webhook_auto_disable_after": 2}


def test_failing_receiver_is_retried_then_logged_and_disables_the_channel(
        client, services, receiver, events, root_log):
    receiver.responder = lambda req: Reply(500, "boom")
    channel = create_notification(client, json_url(receiver), events=["test"], retry_count=2)
    services.bus.emit("test", {"message": "one"})
    logs = wait_until(lambda: notification_logs(services, channel["id"]))
    assert len(receiver.requests) == 3  # first attempt + 2 retries
    assert logs[0]["success"] is False and logs[0]["attempts"] == 3
    assert "500" in logs[0]["error"]
    row = client.get(f"/api/v1/notifications/{channel['id']}").json
    assert row["consecutive_failures"] == 1 and row["enabled"] is True
    assert "500" in row["last_error"]

    services.bus.emit("test", {"message": "two"})
    wait_until(lambda: not client.get(f"/api/v1/notifications/{channel['id']}")
               .json["enabled"])
    row = client.get(f"/api/v1/notifications/{channel['id']}").json
    assert row["disabled_reason"] == "2 consecutive failed deliveries"
    assert row["consecutive_failures"] == 2
    disabled = wait_until(lambda: [e["data"] for e in events
                                   if e["event_name"] == "notification_disabled"])
    assert disabled == [{"notification_id": channel["id"], "name": "phone",
                         "reason": "2 consecutive failed deliveries",
                         "consecutive_failures": 2}]
    assert not [e for e in events if e["event_name"] == "webhook_disabled"]
    assert TOKEN not in root_log.text
    assert TOKEN not in json.dumps(notification_logs(services))
    assert TOKEN not in client.get("/api/v1/hooks/logs").get_data(as_text=True)

    # a disabled channel gets nothing; enabling it again resets the streak
    count = len(receiver.requests)
    services.bus.emit("test", {"message": "three"})
    receiver.responder = lambda req: Reply(200)
    enabled = client.put(f"/api/v1/notifications/{channel['id']}", json={"enabled": True})
    assert enabled.json["consecutive_failures"] == 0 and enabled.json["disabled_reason"] is None
    assert len(receiver.requests) == count


def test_test_endpoint_sends_now_and_logs_without_counting(client, services, receiver):
    channel = create_notification(client, json_url(receiver), events=["subtitle_downloaded"],
                                  title_template="{{ data.title }}")
    resp = client.post(f"/api/v1/notifications/{channel['id']}/test")
    assert resp.status_code == 200, resp.json
    assert resp.json["success"] is True and resp.json["error"] is None
    sent = notification_json(receiver.wait_for(1)[0])
    # the channel's title template does not fit the test event: its default text is used
    assert sent["title"] == resp.json["title"] == "Sublarr test"
    assert sent["message"] == resp.json["body"] == "Test event from Sublarr"
    logs = notification_logs(services, channel["id"])
    assert logs[0]["event_name"] == "test" and logs[0]["success"] is True
    assert client.get(f"/api/v1/notifications/{channel['id']}").json["trigger_count"] == 0


def test_test_endpoint_reports_a_refused_connection(client, services, receiver):
    channel = create_notification(client, "json://127.0.0.1:9/" + TOKEN, events=["test"])
    resp = client.post(f"/api/v1/notifications/{channel['id']}/test")
    assert resp.json["success"] is False
    assert "Connection" in resp.json["error"] and TOKEN not in resp.json["error"]


def test_stats_and_prometheus_series_count_the_deliveries(client, services, receiver):
    channel = create_notification(client, json_url(receiver), events=["test"], retry_count=0)
    services.bus.emit("test", {"message": "a"})
    receiver.wait_for(1)
    receiver.responder = lambda req: Reply(500)
    services.bus.emit("test", {"message": "b"})
    wait_until(lambda: len(notification_logs(services, channel["id"])) >= 2)
    stats = client.get(f"/api/v1/notifications/{channel['id']}/stats?window=7d").json
    assert stats["window"] == "7d"
    assert stats["attempts"] == 2 and stats["successes"] == 1 and stats["success_rate"] == 0.5
    assert stats["latency_ms"]["p50"] is not None
    assert client.get(f"/api/v1/notifications/{channel['id']}/stats?window=1y").status_code \
        == 422
    text = client.raw.get("/metrics").get_data(as_text=True)
    ident = channel["id"]
    assert (f'sublarr_subscriber_deliveries_total{{id="{ident}",kind="notification",'
            f'outcome="delivered"}} 1.0') in text
    assert (f'sublarr_subscriber_deliveries_total{{id="{ident}",kind="notification",'
            f'outcome="failed"}} 1.0') in text
    assert f'sublarr_subscriber_delivery_seconds_count{{id="{ident}",kind="notification"}} 2.0' \
        in text
    client.delete(f"/api/v1/notifications/{ident}")
    text = client.raw.get("/metrics").get_data(as_text=True)
    assert f'id="{ident}",kind="notification"' not in text


def test_a_logged_notification_can_be_redelivered(client, services, receiver):
    channel = create_notification(client, json_url(receiver), events=["test"],
                                  body_template="{{ event_id }}")
    envelope = services.bus.emit("test", {"message": "again"})
    receiver.wait_for(1)
    entry = wait_until(lambda: notification_logs(services, channel["id"]))[0]
    resp = client.post(f"/api/v1/hooks/logs/{entry['id']}/redeliver")
    assert resp.status_code == 202, resp.json
    assert resp.json["event_id"] == envelope["id"]
    assert notification_json(receiver.wait_for(2)[1])["message"] == envelope["id"]
