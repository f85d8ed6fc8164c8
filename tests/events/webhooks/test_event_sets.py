"""Event sets and payload filters on webhooks (SPEC "Subscriptions"), through the real API
and a real receiver on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until, \
    webhook_logs

SUB = {"media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
       "language": "en", "provider": "jimaku", "score": 612, "format": "ass",
       "subtitle_path": "/tv/f.en.ass", "media_path": "/tv/f.mkv"}
BASE = "/api/v1/webhooks"


@pytest.fixture
def app_settings():
    return dict(FAST_SETTINGS)


def _sent(receiver, name):  # noqa: ANN001, ANN201
    return [r for r in receiver.requests if r.headers["X-Sublarr-Event"] == name]


def test_filters_let_through_exactly_the_matching_events(client, services, receiver):
    hook = create_webhook(client, receiver.url + "/de-ja", events=["subtitle_downloaded"],
                          filters=[{"field": "language", "op": "in", "value": ["de", "ja"]},
                                   {"field": "score", "op": ">", "value": 300}])
    assert hook["events"] == ["subtitle_downloaded"]
    assert hook["event_name"] == "subtitle_downloaded"
    languages = ["en", "de", "ja", "fr", "de"]
    scores = [900, 900, 900, 900, 100]
    for language, score in zip(languages, scores, strict=True):
        services.bus.emit("subtitle_downloaded", {**SUB, "language": language, "score": score})
    services.bus.emit("test", {"message": "not in the set"})
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 2)
    got = sorted(r.json()["data"]["language"] for r in receiver.wait_for(2))
    assert got == ["de", "ja"]
    assert _sent(receiver, "test") == []


def test_an_event_set_receives_each_named_event_and_nothing_else(client, services, receiver):
    hook = create_webhook(client, receiver.url, events=["test", "provider_failed"])
    assert hook["event_name"] is None and hook["events"] == ["test", "provider_failed"]
    services.bus.emit("provider_failed", {"provider": "x", "error": "boom"})
    services.bus.emit("subtitle_downloaded", SUB)
    services.bus.emit("test", {"message": "m"})
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 2)
    names = sorted(r.headers["X-Sublarr-Event"] for r in receiver.wait_for(2))
    assert names == ["provider_failed", "test"]


def test_boolean_filter_on_hook_executed(client, services, receiver):
    failing = create_webhook(client, receiver.url + "/fail", events=["hook_executed"],
                             filters=[{"field": "success", "op": "=", "value": False}])
    create_webhook(client, receiver.url + "/ok", events=["test"])
    services.bus.emit("test", {"message": "m"})  # delivered: hook_executed success=true
    wait_until(lambda: len(webhook_logs(services)) >= 1)
    receiver.wait_for(1)
    services.bus.emit("hook_executed", {
        "hook_type": "script", "hook_id": 1, "webhook_id": None, "hook_name": "s",
        "event_name": "test", "event_id": "evt_x", "success": False, "exit_code": 1,
        "status_code": None, "duration_ms": 3, "attempts": 1})
    wait_until(lambda: len(webhook_logs(services, failing["id"])) >= 1)
    to_fail = [r for r in receiver.requests if r.path == "/fail"]
    assert [r.json()["data"]["success"] for r in to_fail] == [False]


def test_event_name_is_still_accepted_and_shown(client):
    created = client.post(BASE, json={"name": "old", "url": "http://127.0.0.1:9/x",
                                      "event_name": "test"}).json
    assert created["events"] == ["test"] and created["event_name"] == "test"
    assert created["filters"] == []
    changed = client.put(f"{BASE}/{created['id']}", json={"event_name": "*"}).json
    assert changed["events"] == ["*"] and changed["event_name"] == "*"
    default = client.post(BASE, json={"name": "d", "url": "http://127.0.0.1:9/x"}).json
    assert default["events"] == ["*"]


@pytest.mark.parametrize("body, where", [
    ({"events": ["nope"]}, "events"),
    ({"events": []}, "events"),
    ({"events": ["*", "test"]}, "events"),
    ({"events": ["test"], "event_name": "provider_failed"}, "events"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "colour", "op": "=", "value": "red"}]}, "field"),
    ({"events": ["subtitle_downloaded", "provider_failed"],
      "filters": [{"field": "language", "op": "=", "value": "de"}]}, "field"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "score", "op": "=", "value": "high"}]}, "value"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "language", "op": "<", "value": 3}]}, "value"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "language", "op": "in", "value": "de"}]}, "value"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "media_type", "op": "=", "value": "song"}]}, "value"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "score", "op": "contains", "value": 1}]}, "value"),
    ({"events": ["subtitle_downloaded"],
      "filters": [{"field": "score", "op": "~", "value": 1}]}, "op"),
    ({"events": ["subtitle_downloaded"], "filters": [{"field": "score"}]}, None),
    ({"events": ["subtitle_downloaded"], "filters": "score>3"}, None),
    ({"events": ["hook_executed"],
      "filters": [{"field": "success", "op": "=", "value": 0}]}, "value"),
])
def test_bad_sets_and_filters_are_refused_with_422(client, body, where):
    resp = client.post(BASE, json={"name": "x", "url": "http://127.0.0.1:9/x", **body})
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["message"]
    if where is not None:
        assert where in resp.json["error"]["details"][0]["loc"], resp.json


def test_update_checks_new_filters_against_the_stored_events(client):
    hook = create_webhook(client, "http://127.0.0.1:9/x", events=["provider_failed"])
    bad = client.put(f"{BASE}/{hook['id']}",
                     json={"filters": [{"field": "language", "op": "=", "value": "de"}]})
    assert bad.status_code == 422
    good = client.put(f"{BASE}/{hook['id']}",
                      json={"filters": [{"field": "status_code", "op": "=", "value": None}]})
    assert good.status_code == 200 and good.json["filters"][0]["field"] == "status_code"
    # changing the events must keep the stored filters valid
    assert client.put(f"{BASE}/{hook['id']}", json={"events": ["test"]}).status_code == 422
    assert client.get(f"{BASE}/{hook['id']}").json["events"] == ["provider_failed"]


def test_wildcard_filters_need_the_field_somewhere_and_skip_events_without_it(
        client, services, receiver):
    assert client.post(BASE, json={"name": "x", "url": receiver.url, "events": ["*"],
                                   "filters": [{"field": "nope", "op": "=", "value": 1}]}
                       ).status_code == 422
    hook = create_webhook(client, receiver.url, events=["*"],
                          filters=[{"field": "provider", "op": "=", "value": "jimaku"}])
    services.bus.emit("test", {"message": "no provider field"})
    services.bus.emit("provider_failed", {"provider": "other", "error": "e"})
    services.bus.emit("provider_failed", {"provider": "jimaku", "error": "e"})
    wait_until(lambda: len(webhook_logs(services, hook["id"])) >= 1)
    got = receiver.wait_for(1)
    assert [(r.headers["X-Sublarr-Event"], r.json()["data"]["provider"]) for r in got] == \
        [("provider_failed", "jimaku")]
