"""The /webhooks management API: validation, secrets, test sends, redelivery."""

# ruff: noqa: F811
from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from tests.events.webhooks.conftest import (
    FAST_SETTINGS,
    create_webhook,
    wait_until,
    webhook_logs,
)
from tests.support.http import Reply


@pytest.fixture
def app_settings():
    return dict(FAST_SETTINGS)


VALID = {"name": "Home Assistant", "url": "http://127.0.0.1:8123/api/webhook/x"}


BAD_URLS = [
    "ftp://example.com/x", "javascript:alert(1)", "", "   ", "http://", "https:///path",
    "example.com/hook", "http://exa mple.com/", "http://host:99999/", "http://user:pw@host/",
    "file:///etc/passwd", "http://host/\nX-Injected: 1", 5, None, "http://" + "a" * 3000,
]
BAD_FIELDS = [
    ("retry_count", -1), ("retry_count", 11), ("retry_count", "3"), ("retry_count", 2.5),
    ("retry_count", True), ("timeout_seconds", 0), ("timeout_seconds", 61),
    ("timeout_seconds", 10**30), ("enabled", "yes"), ("name", ""), ("name", "x" * 201),
    ("headers", {"X-Sublarr-Signature": "forged"}), ("headers", {"webhook-id": "x"}),
    ("headers", {"Content-Type": "text/plain"}), ("headers", {"Bad Name": "v"}),
    ("headers", {"X-Ok": "line\r\nbreak"}), ("headers", ["not", "a", "dict"]),
    ("secret", "whsec_!!!not base64!!!"), ("secret", 42), ("unknown_field", 1),
]
BAD_EVENTS = ["nope", "job_update", "", "SUBTITLE_DOWNLOADED", "**", None]


# One app for every case of a list (app start-up dominates the test time);
# each case is still checked and named in the failure message.
def test_invalid_urls_are_refused(client):
    for url in BAD_URLS:
        resp = client.post("/api/v1/webhooks", json={**VALID, "url": url})
        assert resp.status_code == 422, (url, resp.json)
        assert resp.json["error"]["code"] == "validation_error"


def test_out_of_range_and_malformed_fields_are_refused(client):
    for field, value in BAD_FIELDS:
        resp = client.post("/api/v1/webhooks", json={**VALID, field: value})
        assert resp.status_code == 422, (field, value, resp.json)


def test_unknown_event_names_are_refused(client):
    for event in BAD_EVENTS:
        resp = client.post("/api/v1/webhooks", json={**VALID, "event_name": event})
        assert resp.status_code == 422, (event, resp.json)


def test_non_json_and_non_object_bodies(client):
    assert client.post("/api/v1/webhooks", data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/webhooks", data="{", content_type="application/json"
                       ).status_code == 400
    assert client.post("/api/v1/webhooks", json=[1, 2]).status_code == 422


def test_nothing_is_written_on_bad_input(client):
    client.post("/api/v1/webhooks", json={**VALID, "retry_count": 99})
    assert client.get("/api/v1/webhooks").json["webhooks"] == []


def test_missing_secret_is_generated_returned_once_then_masked(client):
    created = create_webhook(client, VALID["url"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 20
    assert created["retry_count"] == 3 and created["timeout_seconds"] == 10
    assert created["event_name"] == "*" and created["enabled"] is True
    one = client.get(f"/api/v1/webhooks/{created['id']}").json
    assert one["secret"] == "***configured***"
    listed = client.get("/api/v1/webhooks").json["webhooks"]
    assert [w["secret"] for w in listed] == ["***configured***"]


def test_given_secret_is_kept_and_masked(client, services, receiver):
    hook = create_webhook(client, receiver.url, secret="whsec_" + "QUJD" * 8, event_name="test")
    assert hook["secret"] == "whsec_" + "QUJD" * 8
    services.bus.emit("test", {"message": "x"})
    req = receiver.wait_for(1)[0]
    Webhook("whsec_" + "QUJD" * 8).verify(req.body, req.headers)


def test_put_partial_update_and_mask_echo_keeps_secret(client, services, receiver):
    hook = create_webhook(client, receiver.url, event_name="test")
    full = client.get(f"/api/v1/webhooks/{hook['id']}").json
    full["name"] = "Renamed"
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json=full)  # echo of GET incl. mask
    assert resp.status_code == 200 and resp.json["name"] == "Renamed"
    assert resp.json["secret"] == "***configured***"
    services.bus.emit("test", {"message": "x"})
    req = receiver.wait_for(1)[0]
    Webhook(hook["secret"]).verify(req.body, req.headers)  # still the original secret


def test_put_empty_secret_rotates_and_reveals_once(client):
    hook = create_webhook(client, VALID["url"])
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={"secret": ""})
    assert resp.json["secret"].startswith("whsec_") and resp.json["secret"] != hook["secret"]


def test_put_validates_like_post(client):
    hook = create_webhook(client, VALID["url"])
    for body in ({"url": "ftp://x"}, {"retry_count": 11}, {"timeout_seconds": 0},
                 {"event_name": "nope"}, {"enabled": "true"}, {"bogus": 1}, {"url": None}):
        resp = client.put(f"/api/v1/webhooks/{hook['id']}", json=body)
        assert resp.status_code == 422, (body, resp.json)
    assert client.get(f"/api/v1/webhooks/{hook['id']}").json == {
        **client.get(f"/api/v1/webhooks/{hook['id']}").json, "url": VALID["url"],
        "retry_count": 3, "timeout_seconds": 10, "event_name": "*", "enabled": True}


def test_unknown_ids_are_404(client):
    for method, path in [
        ("get", "/api/v1/webhooks/999"), ("put", "/api/v1/webhooks/999"),
        ("delete", "/api/v1/webhooks/999"), ("post", "/api/v1/webhooks/999/test"),
        ("get", "/api/v1/webhooks/99999999999999999999999"),
        ("post", "/api/v1/hooks/logs/999/redeliver"),
        ("post", "/api/v1/hooks/logs/99999999999999999999/redeliver"),
    ]:
        kwargs = {"json": {"name": "x"}} if method == "put" else {}
        assert getattr(client, method)(path, **kwargs).status_code == 404, (method, path)


def test_delete_removes_webhook_and_its_queue(client, services, silent_server):
    from sublarr.events.webhooks.lifecycle import webhooks_of

    hook = create_webhook(client, silent_server.url, event_name="test")
    services.bus.emit("test", {"message": "x"})
    assert client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert webhooks_of(services).outbox.count(webhook_id=hook["id"]) == 0


def test_requires_api_key(client):
    assert client.raw.get("/api/v1/webhooks").status_code == 401
    assert client.raw.post("/api/v1/webhooks", json=VALID).status_code == 401


def test_test_endpoint_reports_status_duration_and_excerpt(client, receiver):
    receiver.responder = lambda req: Reply(202, "queued by receiver")
    hook = create_webhook(client, receiver.url, event_name="subtitle_downloaded")
    resp = client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert resp.status_code == 200
    body = resp.json
    assert body["success"] is True and body["status_code"] == 202
    assert body["response_excerpt"] == "queued by receiver" and body["duration_ms"] >= 0
    [req] = receiver.requests
    assert req.json()["event_name"] == "test"
    Webhook(hook["secret"]).verify(req.body, req.headers)


def test_test_endpoint_does_not_retry_failures(client, receiver):
    receiver.responder = lambda req: Reply(503, "down")
    hook = create_webhook(client, receiver.url)
    body = client.post(f"/api/v1/webhooks/{hook['id']}/test").json
    assert body["success"] is False and body["status_code"] == 503
    assert len(receiver.requests) == 1


def test_test_endpoint_against_dead_and_huge_endpoints(client, silent_server, huge_body_server):
    dead = create_webhook(client, silent_server.url, timeout_seconds=1)
    body = client.post(f"/api/v1/webhooks/{dead['id']}/test").json
    assert body["success"] is False and body["error"] == "Timeout after 1s"
    huge = create_webhook(client, huge_body_server.url)
    body = client.post(f"/api/v1/webhooks/{huge['id']}/test").json
    assert body["success"] is True and len(body["response_excerpt"]) == 4096


def test_redeliver_sends_again_with_the_same_webhook_id(client, services, receiver):
    hook = create_webhook(client, receiver.url, event_name="test")
    env = services.bus.emit("test", {"message": "x"})
    [entry] = wait_until(lambda: webhook_logs(services, hook["id"]))
    resp = client.post(f"/api/v1/hooks/logs/{entry['id']}/redeliver")
    assert resp.status_code == 202, resp.json
    assert resp.json["event_id"] == env["id"]
    reqs = receiver.wait_for(2)
    assert [r.headers["webhook-id"] for r in reqs] == [env["id"], env["id"]]
    assert reqs[0].body == reqs[1].body
    assert reqs[0].headers["X-Sublarr-Delivery"] != reqs[1].headers["X-Sublarr-Delivery"]
    wait_until(lambda: len(webhook_logs(services, hook["id"])) == 2)


def test_redeliver_refuses_disabled_webhooks_and_test_sends(client, services, receiver):
    hook = create_webhook(client, receiver.url, event_name="test")
    client.post(f"/api/v1/webhooks/{hook['id']}/test")
    [entry] = webhook_logs(services, hook["id"])
    assert client.post(f"/api/v1/hooks/logs/{entry['id']}/redeliver").status_code == 409
    services.bus.emit("test", {"message": "x"})
    wait_until(lambda: len(webhook_logs(services, hook["id"])) == 2)
    client.put(f"/api/v1/webhooks/{hook['id']}", json={"enabled": False})
    latest = webhook_logs(services, hook["id"])[0]
    assert client.post(f"/api/v1/hooks/logs/{latest['id']}/redeliver").status_code == 409


def test_openapi_documents_the_webhook_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}",
                 "/api/v1/webhooks/{webhook_id}/test", "/api/v1/hooks/logs/{log_id}/redeliver"):
        assert path in paths, path
