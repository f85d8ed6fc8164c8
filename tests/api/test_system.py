"""Health, auth, the error envelope, config, catalog, OpenAPI and metrics."""

from __future__ import annotations

import base64
import re

from sublarr.events.catalog import CATALOG


def test_health_needs_no_key(client):
    resp = client.raw.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.json["status"] == "ok"
    assert resp.json["version"]


def test_missing_key_is_refused_with_json_error(client):
    resp = client.raw.get("/api/v1/config")
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"


def test_wrong_key_is_refused(client):
    resp = client.raw.get("/api/v1/config", headers={"X-Api-Key": "nope"})
    assert resp.status_code == 401


def test_key_accepted_by_header_query_and_basic(client, api_key):
    assert client.raw.get("/api/v1/config", headers={"X-Api-Key": api_key}).status_code == 200
    assert client.raw.get(f"/api/v1/config?apikey={api_key}").status_code == 200
    basic = base64.b64encode(f"sonarr:{api_key}".encode()).decode()
    resp = client.raw.get("/api/v1/config", headers={"Authorization": f"Basic {basic}"})
    assert resp.status_code == 200


def test_garbage_basic_header_is_401_not_500(client):
    resp = client.raw.get("/api/v1/config", headers={"Authorization": "Basic %%%not-base64"})
    assert resp.status_code == 401


def test_unknown_route_gives_json_404(client):
    resp = client.get("/api/v1/does-not-exist")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"


def test_wrong_method_gives_json_405(client):
    resp = client.delete("/api/v1/health")
    assert resp.status_code == 405
    assert "error" in resp.json


def test_get_config_masks_secrets(data_dir):
    from sublarr.app import create_app
    from sublarr.services import services_of

    app = create_app({"data_dir": data_dir, "api_key": "s3cret-value"}, environ={},
                     testing=True)
    try:
        resp = app.test_client().get("/api/v1/config", headers={"X-Api-Key": "s3cret-value"})
        assert resp.status_code == 200
        assert resp.json["settings"]["api_key"] == "***configured***"
        assert "s3cret-value" not in resp.get_data(as_text=True)
    finally:
        services_of(app).shutdown()


def test_put_config_persists_and_reports_changed_keys(client, services):
    resp = client.put("/api/v1/config", json={"hook_workers": 7})
    assert resp.status_code == 200
    assert resp.json["updated_keys"] == ["hook_workers"]
    assert services.settings.current.hook_workers == 7
    assert client.get("/api/v1/config").json["settings"]["hook_workers"] == 7


def test_put_config_same_value_reports_nothing(client):
    client.put("/api/v1/config", json={"hook_workers": 5})
    resp = client.put("/api/v1/config", json={"hook_workers": 5})
    assert resp.json["updated_keys"] == []


def test_malformed_json_is_400(client):
    resp = client.put("/api/v1/config", data="{oops",
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "malformed_json"


def test_non_json_content_type_is_415(client):
    resp = client.put("/api/v1/config", data="hook_workers=3",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415


def test_json_array_body_is_422(client):
    resp = client.put("/api/v1/config", json=[1, 2])
    assert resp.status_code == 422


def test_deeply_nested_json_is_4xx(client):
    body = "[" * 100_000 + "]" * 100_000
    resp = client.put("/api/v1/config", data=body, headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500


def test_wrong_type_is_422_and_nothing_written(client, services):
    before = services.settings.current.hook_workers
    resp = client.put("/api/v1/config", json={"hook_workers": 9, "hook_queue_size": "lots"})
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["loc"] == ["hook_queue_size"]
    assert services.settings.current.hook_workers == before


def test_unknown_key_is_422_and_nothing_written(client, services):
    resp = client.put("/api/v1/config", json={"hook_workers": 9, "no_such_setting": 1})
    assert resp.status_code == 422
    assert resp.json["error"]["details"] == {"unknown_keys": ["no_such_setting"]}
    assert services.settings.current.hook_workers != 9


def test_bootstrap_setting_cannot_be_changed_through_api(client):
    resp = client.put("/api/v1/config", json={"database_url": "sqlite:////tmp/x.db"})
    assert resp.status_code == 422
    assert resp.json["error"]["details"] == {"read_only_keys": ["database_url"]}


def test_oversized_body_is_413(client):
    big = '{"hook_workers": 3, "pad": "' + "x" * (1024 * 1024 + 10) + '"}'
    resp = client.put("/api/v1/config", data=big, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.json["error"]["message"].startswith("request body too large")


def test_catalog_lists_every_event_with_schema_and_valid_example(client):
    resp = client.get("/api/v1/events/catalog")
    assert resp.status_code == 200
    events = {e["name"]: e for e in resp.json["events"]}
    assert set(events) == set(CATALOG)
    for name, entry in events.items():
        assert entry["schema"]["type"] == "object", name
        assert entry["label"] and entry["description"] and entry["version"] >= 1
        CATALOG[name].model.model_validate(entry["example"])


def test_openapi_describes_every_route(app, client):
    doc = client.raw.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):
            continue
        path = re.sub(r"<(?:[^<>:]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    assert "SubtitleDownloaded" in doc["components"]["schemas"]


def test_openapi_documents_the_database_unavailable_answer(client):
    paths = client.raw.get("/api/v1/openapi.json").json["paths"]
    assert "503" in paths["/api/v1/config"]["put"]["responses"]
    assert "503" in paths["/api/v1/webhooks"]["get"]["responses"]
    assert "503" not in paths["/api/v1/health"]["get"]["responses"]  # never touches the database


def test_metrics_counts_events_and_requests(client):
    client.put("/api/v1/config", json={"hook_workers": 3})
    text = client.raw.get("/metrics").get_data(as_text=True)
    assert 'sublarr_events_emitted_total{event="config_updated"} 1.0' in text
    assert "sublarr_http_requests_total" in text


def test_validation_errors_never_echo_the_submitted_value(client, caplog):
    resp = client.put("/api/v1/config", json={"hook_workers": "hunter2-secret-value"})
    assert resp.status_code == 422
    assert "hunter2-secret-value" not in resp.get_data(as_text=True)
    assert "hunter2-secret-value" not in caplog.text


def test_failed_auth_never_logs_the_offered_key(client, caplog):
    client.raw.get("/api/v1/config?apikey=offered-key-xyz")
    client.raw.get("/api/v1/config", headers={"X-Api-Key": "offered-key-xyz"})
    assert "offered-key-xyz" not in caplog.text
