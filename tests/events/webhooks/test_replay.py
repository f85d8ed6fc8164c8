"""POST /webhooks/<id>/replay against a real receiver on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until, \
    webhook_logs
from tests.support.http import Reply


@pytest.fixture
def app_settings():
    return {**FAST_SETTINGS, "webhook_max_in_flight_per_endpoint": 1}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _ids(requests) -> list[str]:  # noqa: ANN001
    return [r.headers["webhook-id"] for r in requests]


def test_replay_redelivers_every_event_in_order_with_original_ids(client, services, receiver):
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    hook = create_webhook(client, receiver.url, events=["test"])
    emitted = [services.bus.emit("test", {"message": f"m{i}"})["id"] for i in range(1000)]
    first = receiver.wait_for(1000, timeout=120)
    assert sorted(_ids(first)) == sorted(emitted)
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 1000, timeout=60)

    resp = client.post(f"/api/v1/webhooks/{hook['id']}/replay", json={"since": _iso(started)})
    assert resp.status_code == 202, resp.json
    assert resp.json == {"queued": 1000}
    again = receiver.wait_for(2000, timeout=120)[1000:]
    assert _ids(again) == emitted  # once more each, oldest first, same webhook-id
    assert [r.json()["data"]["message"] for r in again[:3]] == ["m0", "m1", "m2"]


def test_replay_honours_range_filters_and_only_failed(client, services, receiver):
    receiver.responder = lambda req: Reply(500) if req.json()["data"]["language"] == "ja" \
        else Reply(204)
    hook = create_webhook(client, receiver.url, events=["subtitle_downloaded"], retry_count=0,
                          filters=[{"field": "language", "op": "in", "value": ["de", "ja"]}])
    base = {"media_type": "movie", "title": "Paprika", "provider": "p", "score": 1,
            "format": "srt", "subtitle_path": "/m/p.srt", "media_path": "/m/p.mkv"}
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    ids = {lang: services.bus.emit("subtitle_downloaded", {**base, "language": lang})["id"]
           for lang in ("de", "ja", "en")}
    receiver.wait_for(2)
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 2)
    url = f"/api/v1/webhooks/{hook['id']}/replay"

    failed = client.post(url, json={"since": _iso(before), "only_failed": True})
    assert failed.json == {"queued": 1}
    receiver.wait_for(3)
    assert _ids(receiver.requests[2:]) == [ids["ja"]]

    receiver.responder = lambda req: Reply(204)
    every = client.post(url, json={"since": _iso(before), "until": _iso(datetime.now(timezone.utc))})
    assert every.json == {"queued": 2}  # the "en" event never matched this webhook's filter
    receiver.wait_for(5)
    assert sorted(_ids(receiver.requests[3:])) == sorted([ids["de"], ids["ja"]])
    later = client.post(url, json={"since": _iso(datetime.now(timezone.utc))})
    assert later.json == {"queued": 0}


@pytest.mark.parametrize("body, field", [
    ({}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"since": 5}, "since"),
    ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
    ({"since": "2020-01-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "until"),
    ({"since": "2999-01-01T00:00:00Z"}, "since"),
    ({"since": "2026-01-01T00:00:00Z", "only_failed": "yes"}, "only_failed"),
    ({"since": "2026-01-01T00:00:00Z", "colour": "red"}, "colour"),
])
def test_bad_replay_requests_are_422(client, body, field):
    hook = create_webhook(client, "http://127.0.0.1:9/x", events=["test"])
    resp = client.post(f"/api/v1/webhooks/{hook['id']}/replay", json=body)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["details"][0]["loc"] == [field]


def test_replay_of_unknown_or_disabled_webhook(client):
    assert client.post("/api/v1/webhooks/999/replay",
                       json={"since": "2026-01-01T00:00:00Z"}).status_code == 404
    hook = create_webhook(client, "http://127.0.0.1:9/x", enabled=False)
    resp = client.post(f"/api/v1/webhooks/{hook['id']}/replay",
                       json={"since": "2026-01-01T00:00:00Z"})
    assert resp.status_code == 409 and "disabled" in resp.json["error"]["message"]
