"""End-to-end webhook delivery against real HTTP servers on 127.0.0.1."""

# ruff: noqa: F811
from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from standardwebhooks import Webhook

from sublarr.events.webhooks.outbox_rows import PENDING
from sublarr.events.webhooks.lifecycle import webhooks_of
from tests.events.webhooks.conftest import (
    FAST_SETTINGS,
    create_webhook,
    wait_until,
    webhook_logs,
    webhook_row,
)
from tests.support.http import Reply, TestServer

SUB = {"media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
       "language": "en", "provider": "jimaku", "score": 612, "format": "ass",
       "subtitle_path": "/tv/f.en.ass", "media_path": "/tv/f.mkv"}


@pytest.fixture
def app_settings():
    return dict(FAST_SETTINGS)


def recorded_events(services, name):  # noqa: ANN001, ANN201
    seen = []
    services.bus.subscribe(lambda env: seen.append(env), names=[name])
    return seen


def test_delivery_is_signed_and_verifiable(client, services, receiver):
    hook = create_webhook(client, receiver.url + "/in", event_name="subtitle_downloaded")
    envelope = services.bus.emit("subtitle_downloaded", SUB)
    req = receiver.wait_for(1)[0]
    assert req.method == "POST" and req.path == "/in"
    assert json.loads(req.body) == envelope
    assert req.body == json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    headers = req.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Sublarr-Webhook/1.0"
    assert headers["X-Sublarr-Event"] == "subtitle_downloaded"
    assert headers["X-Sublarr-Delivery"].startswith("dlv_")
    assert headers["webhook-id"] == envelope["id"]
    # a receiver using the standardwebhooks library verifies us unchanged
    assert Webhook(hook["secret"]).verify(req.body, headers) == envelope
    expected = hmac.new(hook["secret"].encode(), req.body, hashlib.sha256).hexdigest()
    assert headers["X-Sublarr-Signature"] == f"sha256={expected}"


def test_plain_text_secret_is_used_as_utf8_key(client, services, receiver):
    create_webhook(client, receiver.url, secret="correct horse battery staple")
    services.bus.emit("test", {"message": "hi"})
    req = receiver.wait_for(1)[0]
    Webhook(b"correct horse battery staple").verify(req.body, req.headers)


def test_event_is_stored_before_emit_returns(client, services, silent_server):
    create_webhook(client, silent_server.url, timeout_seconds=5)
    outbox = webhooks_of(services).outbox
    envelope = services.bus.emit("test", {"message": "durable"})
    # Stored when emit returns (its delivery row may not be written yet)...
    assert stored_envelope(services, envelope["id"]) == envelope
    # ...and the scheduler writes its one row and starts sending (the endpoint never answers).
    deadline = time.monotonic() + 10
    while not outbox_ids(outbox) and time.monotonic() < deadline:
        time.sleep(0.02)
    [row_id] = outbox_ids(outbox)
    stored = outbox.get(row_id)
    assert json.loads(stored.payload) == envelope and stored.status == PENDING
    assert webhooks_of(services).pending() == 1


def stored_envelope(services, event_id: str):  # noqa: ANN001, ANN201
    """The envelope from the producers' journal, or from the outbox once moved there
    (looked up in that order: the move commits the outbox before it empties the journal)."""
    from sqlalchemy import select

    from sublarr.db.models import WebhookEvent

    webhooks = webhooks_of(services)
    journaled = [j.event for j in webhooks.journal.oldest(100) if j.event.event_id == event_id]
    if journaled:
        return json.loads(journaled[0].payload)
    with webhooks.outbox._db.engine.connect() as conn:
        payload = conn.execute(select(WebhookEvent.payload)
                               .where(WebhookEvent.event_id == event_id)).scalar_one()
    return json.loads(payload)


def outbox_ids(outbox):  # noqa: ANN001, ANN201
    from sqlalchemy import select

    from sublarr.db.models import WebhookDelivery
    from sublarr.events.webhooks.outbox_rows import public_delivery_id

    with outbox._db.engine.connect() as conn:
        return [public_delivery_id(key)
                for key in conn.execute(select(WebhookDelivery.id)).scalars()]


def test_only_matching_enabled_webhooks_get_rows(client, services, receiver):
    wanted = create_webhook(client, receiver.url + "/sub", event_name="subtitle_downloaded")
    every = create_webhook(client, receiver.url + "/all", event_name="*")
    create_webhook(client, receiver.url + "/other", event_name="translation_complete")
    create_webhook(client, receiver.url + "/off", event_name="*", enabled=False)
    services.bus.emit("subtitle_downloaded", SUB)
    services.bus.emit("test", {"message": "x"})
    # sub + all for the first; all for the second; then hook_executed x3 for "all"
    wait_until(lambda: len(webhook_logs(services)) >= 3)
    paths = sorted(r.path for r in receiver.wait_for(3) if r.headers["X-Sublarr-Event"] != "hook_executed")
    assert paths == ["/all", "/all", "/sub"]
    wait_until(lambda: webhook_row(client, wanted["id"])["trigger_count"] == 1)
    assert webhook_row(client, every["id"])["trigger_count"] >= 2


def test_500_forever_is_retried_then_logged_as_failed(client, services, receiver):
    receiver.responder = lambda req: Reply(500, "boom")
    executed = recorded_events(services, "hook_executed")
    hook = create_webhook(client, receiver.url, retry_count=2, event_name="test")
    env = services.bus.emit("test", {"message": "x"})
    receiver.wait_for(3)
    logs = wait_until(lambda: webhook_logs(services, hook["id"]))
    time.sleep(0.3)
    assert len(receiver.requests) == 3  # 1 + retry_count, no more
    [entry] = logs
    assert entry["success"] is False and entry["attempts"] == 3
    assert entry["status_code"] == 500 and entry["response_excerpt"] == "boom"
    assert entry["event_id"] == env["id"] and entry["error"] == "HTTP 500"
    assert {r.headers["webhook-id"] for r in receiver.requests} == {env["id"]}
    assert len({r.headers["X-Sublarr-Delivery"] for r in receiver.requests}) == 1
    wait_until(lambda: executed)
    assert executed[0]["data"]["success"] is False
    assert executed[0]["data"]["attempts"] == 3 and executed[0]["data"]["webhook_id"] == hook["id"]
    row = webhook_row(client, hook["id"])
    assert row["consecutive_failures"] == 1 and row["last_status_code"] == 500


def test_retry_after_is_honoured(client, services, receiver):
    answers = iter([Reply(429, headers={"Retry-After": "1"}), Reply(204)])
    receiver.responder = lambda req: next(answers)
    stamps = []
    orig = receiver.responder
    receiver.responder = lambda req: (stamps.append(time.monotonic()), orig(req))[1]
    hook = create_webhook(client, receiver.url, event_name="test")
    services.bus.emit("test", {"message": "x"})
    receiver.wait_for(2, timeout=10)
    assert stamps[1] - stamps[0] >= 0.9  # the 0.05 s ladder would retry far sooner
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
    assert entry["success"] is True and entry["attempts"] == 2


def test_other_4xx_is_final(client, services, receiver):
    receiver.responder = lambda req: Reply(400, {"error": "bad"})
    hook = create_webhook(client, receiver.url, event_name="test")
    services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    assert entry["attempts"] == 1 and entry["status_code"] == 400
    assert json.loads(entry["response_excerpt"]) == {"error": "bad"}


def test_410_disables_the_webhook(client, services, receiver):
    receiver.responder = lambda req: Reply(410)
    disabled = recorded_events(services, "webhook_disabled")
    hook = create_webhook(client, receiver.url, event_name="test", name="Old relay")
    services.bus.emit("test", {"message": "x"})
    wait_until(lambda: disabled)
    assert disabled[0]["data"]["webhook_id"] == hook["id"]
    assert disabled[0]["data"]["name"] == "Old relay"
    row = webhook_row(client, hook["id"])
    assert row["enabled"] is False and "410" in row["disabled_reason"]
    services.bus.emit("test", {"message": "after"})
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    assert webhooks_of(services).outbox.count(webhook_id=hook["id"]) == 1


def test_redirect_is_not_followed(client, services, receiver):
    with TestServer() as target:
        receiver.responder = lambda req: Reply(302, headers={"Location": target.url})
        hook = create_webhook(client, receiver.url, event_name="test")
        services.bus.emit("test", {"message": "x"})
        [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
        time.sleep(0.2)
        assert target.requests == []
    assert entry["success"] is False and entry["status_code"] == 302
    assert entry["attempts"] == 1


def test_endpoint_that_never_answers_times_out_and_is_retried(client, services, silent_server):
    hook = create_webhook(client, silent_server.url, event_name="test", timeout_seconds=1,
                          retry_count=1)
    services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]), timeout=15)
    assert entry["success"] is False and entry["status_code"] is None
    assert entry["attempts"] == 2 and entry["error"] == "Timeout after 1s"


def test_connection_reset_is_retried(client, services, resetting_server):
    hook = create_webhook(client, resetting_server.url, event_name="test", retry_count=2)
    services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
    assert entry["success"] is False and entry["attempts"] == 3
    assert entry["status_code"] is None and entry["error"]
    assert resetting_server.connections >= 3


def test_refused_connection_is_retried(client, services):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = create_webhook(client, f"http://127.0.0.1:{port}/", event_name="test", retry_count=1)
    services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
    assert entry["attempts"] == 2 and "refused" in entry["error"].lower()


def test_huge_response_body_is_not_read(client, services, huge_body_server):
    hook = create_webhook(client, huge_body_server.url, event_name="test")
    services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]), timeout=15)
    assert entry["success"] is True and entry["status_code"] == 200
    assert entry["response_excerpt"] == "x" * 4096
    time.sleep(0.5)
    assert huge_body_server.bytes_sent < 20 * 1024 * 1024  # far from the 50 MB on offer


def test_custom_headers_are_sent(client, services, receiver):
    create_webhook(client, receiver.url, event_name="test",
                   headers={"Authorization": "Bearer abc", "X-Team": "subs"})
    services.bus.emit("test", {"message": "x"})
    req = receiver.wait_for(1)[0]
    assert req.headers["Authorization"] == "Bearer abc" and req.headers["X-Team"] == "subs"


def test_consecutive_failures_disable_and_enabling_resets(client, services, receiver):
    receiver.responder = lambda req: Reply(400)
    disabled = recorded_events(services, "webhook_disabled")
    hook = create_webhook(client, receiver.url, event_name="test", retry_count=0)
    for i in range(12):
        services.bus.emit("test", {"message": str(i)})
    wait_until(lambda: disabled)
    data = disabled[0]["data"]
    assert data["consecutive_failures"] >= 10 and data["reason"] == "10 consecutive failed deliveries"
    row = webhook_row(client, hook["id"])
    assert row["enabled"] is False and row["disabled_reason"]
    time.sleep(0.3)
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={"enabled": True})
    assert resp.status_code == 200
    assert resp.json["consecutive_failures"] == 0 and resp.json["disabled_reason"] is None


def test_success_resets_the_failure_streak(client, services, receiver):
    answers = iter([Reply(400), Reply(400), Reply(204)])
    receiver.responder = lambda req: next(answers)
    hook = create_webhook(client, receiver.url, event_name="test", retry_count=0)
    services.bus.emit("test", {"message": "1"})
    wait_until(lambda: webhook_row(client, hook["id"])["consecutive_failures"] == 1)
    services.bus.emit("test", {"message": "2"})
    wait_until(lambda: webhook_row(client, hook["id"])["consecutive_failures"] == 2)
    services.bus.emit("test", {"message": "3"})
    wait_until(lambda: webhook_row(client, hook["id"])["trigger_count"] == 3)
    assert webhook_row(client, hook["id"])["consecutive_failures"] == 0


def test_no_hook_executed_for_hook_executed_deliveries(client, services, receiver):
    executed = recorded_events(services, "hook_executed")
    create_webhook(client, receiver.url, event_name="hook_executed")
    create_webhook(client, receiver.url + "/t", event_name="test")
    services.bus.emit("test", {"message": "x"})
    reqs = receiver.wait_for(2)
    time.sleep(0.5)
    assert sorted(r.headers["X-Sublarr-Event"] for r in reqs) == ["hook_executed", "test"]
    assert len(executed) == 1  # for the test delivery only; none for hook_executed's own
    assert len(receiver.requests) == 2


def test_dead_endpoint_does_not_delay_a_healthy_one(client, services, receiver, silent_server):
    create_webhook(client, silent_server.url, event_name="test", timeout_seconds=30)
    create_webhook(client, receiver.url, event_name="test")
    for i in range(40):
        services.bus.emit("test", {"message": str(i)})
    receiver.wait_for(40, timeout=10)
    assert silent_server.connections <= 2  # per-endpoint in-flight cap
