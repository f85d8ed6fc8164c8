"""/notifications: CRUD, the write-only apprise URL, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from tests.events.notifications.conftest import TOKEN, create_notification, json_url
from tests.events.webhooks.conftest import create_webhook

MASK = "***configured***"


def test_create_masks_url_and_reads_back_defaults(client, receiver):
    created = create_notification(client, json_url(receiver), events=["subtitle_downloaded"])
    assert created["url"] == MASK
    assert created["events"] == ["subtitle_downloaded"]
    assert created["event_name"] == "subtitle_downloaded"
    assert created["filters"] == []
    assert created["title_template"] == "" and created["body_template"] == ""
    assert created["retry_count"] == 3 and created["enabled"] is True
    assert created["trigger_count"] == 0 and created["consecutive_failures"] == 0
    assert created["disabled_reason"] is None and created["last_error"] is None
    listed = client.get("/api/v1/notifications").json["notifications"]
    assert [n["id"] for n in listed] == [created["id"]]
    for body in (listed, client.get(f"/api/v1/notifications/{created['id']}").json):
        assert TOKEN not in json.dumps(body)


def test_legacy_event_name_maps_to_events(client, receiver):
    created = create_notification(client, json_url(receiver), event_name="test")
    assert created["events"] == ["test"]
    everything = create_notification(client, json_url(receiver), name="all")
    assert everything["events"] == ["*"] and everything["event_name"] == "*"


def test_webhooks_and_notifications_do_not_see_each_other(client, receiver):
    channel = create_notification(client, json_url(receiver))
    hook = create_webhook(client, receiver.url + "/hook")
    assert [w["id"] for w in client.get("/api/v1/webhooks").json["webhooks"]] == [hook["id"]]
    assert [n["id"] for n in client.get("/api/v1/notifications").json["notifications"]] == \
        [channel["id"]]
    for method, path in (("get", f"/api/v1/webhooks/{channel['id']}"),
                         ("put", f"/api/v1/webhooks/{channel['id']}"),
                         ("delete", f"/api/v1/webhooks/{channel['id']}"),
                         ("post", f"/api/v1/webhooks/{channel['id']}/test"),
                         ("get", f"/api/v1/webhooks/{channel['id']}/stats"),
                         ("get", f"/api/v1/notifications/{hook['id']}"),
                         ("put", f"/api/v1/notifications/{hook['id']}"),
                         ("delete", f"/api/v1/notifications/{hook['id']}"),
                         ("post", f"/api/v1/notifications/{hook['id']}/test"),
                         ("get", f"/api/v1/notifications/{hook['id']}/stats")):
        kwargs = {"json": {"name": "x"}} if method == "put" else {}
        resp = getattr(client, method)(path, **kwargs)
        assert resp.status_code == 404, (method, path, resp.json)
    assert client.get(f"/api/v1/notifications/{channel['id']}").status_code == 200


def test_update_keeps_masked_url_and_replaces_a_new_one(client, receiver, services):
    created = create_notification(client, json_url(receiver))
    url = f"/api/v1/notifications/{created['id']}"
    resp = client.put(url, json={**created, "name": "renamed"})  # read-only fields ignored
    assert resp.status_code == 200, resp.json
    assert resp.json["name"] == "renamed" and resp.json["url"] == MASK
    from sublarr.events.webhooks import repo

    with services.db.session() as session:
        assert repo.get(session, created["id"]).url == json_url(receiver)
    other = json_url(receiver, "/elsewhere")
    assert client.put(url, json={"url": other}).status_code == 200
    with services.db.session() as session:
        assert repo.get(session, created["id"]).url == other


def test_update_checks_templates_against_the_new_event_set(client, receiver):
    created = create_notification(client, json_url(receiver), events=["subtitle_downloaded"],
                                  title_template="{{ data.title }} ({{ data.score }})")
    url = f"/api/v1/notifications/{created['id']}"
    resp = client.put(url, json={"events": ["subtitle_downloaded", "config_updated"]})
    assert resp.status_code == 422
    assert "config_updated" in resp.json["error"]["message"]
    assert client.get(url).json["events"] == ["subtitle_downloaded"]  # nothing changed
    ok = client.put(url, json={"events": ["upgrade_complete"]})
    assert ok.status_code == 200 and ok.json["events"] == ["upgrade_complete"]


def test_delete_removes_the_channel(client, receiver):
    created = create_notification(client, json_url(receiver))
    assert client.delete(f"/api/v1/notifications/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/notifications/{created['id']}").status_code == 404
    assert client.delete(f"/api/v1/notifications/{created['id']}").status_code == 404


@pytest.mark.parametrize("url, reason", [
    ("foo://bar/" + TOKEN, "apprise refused the url"),
    ("discord://" + TOKEN, "apprise refused the url"),
    ("json://", "apprise refused the url"),
    ("not a url " + TOKEN, "spaces"),
    ("just-text-" + TOKEN, "apprise URL"),
    ("", "1 to 2048"),
    ("json://h/" + "x" * 3000, "1 to 2048"),
])
def test_invalid_apprise_url_is_refused_with_reason_and_never_echoed(client, url, reason,
                                                                     root_log):
    resp = client.post("/api/v1/notifications", json={"name": "n", "url": url})
    assert resp.status_code == 422, resp.json
    assert reason in resp.json["error"]["message"]
    assert resp.json["error"]["details"][0]["loc"] == ["url"]
    assert TOKEN not in resp.get_data(as_text=True)
    assert TOKEN not in root_log.text
    assert client.get("/api/v1/notifications").json["notifications"] == []


def test_apprise_reason_is_specific(client):
    resp = client.post("/api/v1/notifications", json={"name": "n", "url": "foo://bar"})
    assert resp.status_code == 422
    assert "Unparseable URL" in resp.json["error"]["message"]
    assert "foo://bar" not in resp.json["error"]["message"]


@pytest.mark.parametrize("fields, field, words", [
    ({"title_template": "{{ data.title"}, "title_template", "does not compile"),
    ({"body_template": "{% for x in %}"}, "body_template", "does not compile"),
    ({"title_template": "{{ data.no_such_field }}"}, "title_template", "no_such_field"),
    ({"title_template": "{{ secret_key }}"}, "title_template", "secret_key"),
    ({"body_template": "{{ ''.__class__.__mro__ }}"}, "body_template", "unsafe"),
    ({"body_template": "{{ 9 ** 9 ** 9 }}"}, "body_template", "too large"),
    ({"body_template": "{{ 2 ** 100 }}"}, "body_template", "exponent"),
    ({"body_template": "{{ 'x' * 100000 }}"}, "body_template", "numbers above"),
    ({"body_template": "{% for a in range(999) %}{% for b in range(999) %}{% for c in "
                       "range(999) %}x{% endfor %}{% endfor %}{% endfor %}"},
     "body_template", "nested loops"),
    ({"body_template": "{% macro f(n) %}{% for i in range(9) %}{{ f(n) }}{% endfor %}"
                       "{% endmacro %}{{ f(1) }}"}, "body_template", "macro is not allowed"),
    ({"body_template": "{% include 'x' %}"}, "body_template", "include is not allowed"),
    ({"title_template": "x" * 501}, "title_template", ""),
])
def test_bad_templates_are_refused(client, receiver, fields, field, words):
    resp = client.post("/api/v1/notifications", json={
        "name": "n", "url": json_url(receiver), "events": ["subtitle_downloaded"], **fields})
    assert resp.status_code == 422, resp.json
    assert field in json.dumps(resp.json["error"])
    assert words in resp.json["error"]["message"] or words in json.dumps(resp.json)


def test_template_rendering_is_checked_against_every_subscribed_event(client, receiver):
    fields = {"name": "n", "url": json_url(receiver), "title_template": "{{ data.title }}"}
    wildcard = client.post("/api/v1/notifications", json=fields)
    assert wildcard.status_code == 422  # config_updated & co. have no title
    ok = client.post("/api/v1/notifications", json={
        **fields, "events": ["subtitle_downloaded", "wanted_item_processed"],
        "body_template": "{{ event_name }} {{ event_id }} {{ timestamp }} {{ version }}"})
    assert ok.status_code == 201, ok.json


@pytest.mark.parametrize("filters, words", [
    ([{"field": "colour", "op": "=", "value": "red"}], "unknown field"),
    ([{"field": "language", "op": "<", "value": 3}], "numeric"),
    ([{"field": "language", "op": "in", "value": "de"}], "list"),
    ([{"field": "language", "op": "~", "value": "de"}], "op must be"),
    ("language=de", "filters"),
])
def test_bad_filters_are_refused(client, receiver, filters, words):
    resp = client.post("/api/v1/notifications", json={
        "name": "n", "url": json_url(receiver), "events": ["subtitle_downloaded"],
        "filters": filters})
    assert resp.status_code == 422, resp.json
    assert words in json.dumps(resp.json)


@pytest.mark.parametrize("body", [
    [1, 2], "text", {"name": "n"}, {"name": "", "url": "json://x/y"},
    {"name": "n", "url": 5}, {"name": "n", "url": "json://h/p", "retry_count": 11},
    {"name": "n", "url": "json://h/p", "retry_count": "3"},
    {"name": "n", "url": "json://h/p", "enabled": "yes"},
    {"name": "n", "url": "json://h/p", "colour": "red"},
    {"name": "n", "url": "json://h/p", "events": None},
    {"name": "n", "url": "json://h/p", "events": ["nope"]},
    {"name": "n", "url": "json://h/p", "events": ["*", "test"]},
    {"name": "n", "url": "json://h/p", "title_template": 5},
])
def test_garbage_bodies_are_422_never_500(client, body):
    resp = client.post("/api/v1/notifications", json=body)
    assert 400 <= resp.status_code < 500, resp.json
    assert "error" in resp.json


def test_non_json_and_huge_bodies_are_refused(client):
    resp = client.post("/api/v1/notifications", data=b"\xff\xfe", content_type="application/json")
    assert resp.status_code in (400, 422)
    huge = {"name": "n", "url": "json://h/p", "body_template": "x" * (2 * 1024 * 1024)}
    resp = client.post("/api/v1/notifications", json=huge)
    assert resp.status_code == 413


def test_update_refuses_nulls_and_bad_values(client, receiver):
    created = create_notification(client, json_url(receiver))
    url = f"/api/v1/notifications/{created['id']}"
    for body in ({"name": None}, {"url": None}, {"events": None}, {"url": "nope"},
                 {"body_template": "{{"}, {"retry_count": -1}):
        resp = client.put(url, json=body)
        assert resp.status_code == 422, (body, resp.json)
    assert client.get(url).json["name"] == created["name"]


def test_openapi_documents_the_notification_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/notifications", "/api/v1/notifications/{notification_id}",
                 "/api/v1/notifications/{notification_id}/test",
                 "/api/v1/notifications/{notification_id}/replay",
                 "/api/v1/notifications/{notification_id}/stats"):
        assert path in paths, sorted(paths)
