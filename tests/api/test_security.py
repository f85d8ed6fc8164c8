"""Hardening of the API edge: bounded metric labels, quiet Socket.IO refusals, 4xx for
numbers and NUL characters nothing can store, 413 for oversized chunked bodies, webhook
URLs and headers checked with the sender's rules at save time, null scoring weights."""

from __future__ import annotations

import http.client
import json
import logging
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest
import socketio

from sublarr.app import create_app
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.support.process import ServerProcess
from tests.support.services import postgres_schema

BEYOND_64_BITS = 99_999_999_999_999_999_999_999
BEYOND_32_BITS = 3_000_000_000  # a row id PostgreSQL's INTEGER cannot hold


def assert_error_envelope(resp: Any, *statuses: int) -> None:
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True))
    body = resp.json
    assert set(body["error"]) == {"code", "message", "details"}


# --------------------------------------------------------------------------- /metrics


def test_unknown_http_methods_share_one_metrics_label(client):
    for method in ("FOO", "BREW", "PROPFIND", "X" * 40):
        client.raw.open("/api/v1/health", method=method)
    client.raw.open("/api/v1/health", method="PATCH")
    text = client.raw.get("/metrics").get_data(as_text=True)
    methods = {line.split('method="')[1].split('"')[0]
               for line in text.splitlines()
               if line.startswith("sublarr_http_requests_total{")}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods and "PATCH" in methods


# --------------------------------------------------------------------------- Socket.IO


@pytest.mark.parametrize("offered", [123, 1.5, True, ["key"], {"apikey": "x"}, None, ""])
def test_socketio_connect_with_a_non_string_key_is_refused_quietly(live_server, api_key,
                                                                   caplog, offered):
    caplog.set_level(logging.DEBUG)
    client = socketio.Client(reconnection=False)
    if isinstance(offered, list):
        offered = [api_key]  # even the right key inside a list is no key
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, auth={"apikey": offered}, transports=["websocket"],
                       wait_timeout=10)
    assert not client.connected
    client.disconnect()
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert tracebacks == []


def test_socketio_right_key_still_connects_after_refusals(live_server, api_key):
    refused = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(live_server.url, auth={"apikey": 123}, transports=["websocket"],
                        wait_timeout=10)
    client = socketio.Client(reconnection=False)
    client.connect(live_server.url, auth={"apikey": api_key}, transports=["websocket"],
                   wait_timeout=10)
    try:
        assert client.connected
    finally:
        client.disconnect()


# --------------------------------------------------------------------------- huge numbers

HUGE_NUMBER_REQUESTS = [
    ("GET", f"/api/v1/history?offset={BEYOND_64_BITS}", None),
    ("GET", f"/api/v1/jobs?offset={BEYOND_64_BITS}", None),
    ("GET", f"/api/v1/whisper/jobs?offset={BEYOND_64_BITS}", None),
    ("GET", f"/api/v1/hooks/logs?hook_id={BEYOND_32_BITS}", None),
    ("DELETE", f"/api/v1/hooks/logs?webhook_id={BEYOND_32_BITS}", None),
    ("GET", f"/api/v1/jobs/{BEYOND_64_BITS}", None),
    ("POST", f"/api/v1/jobs/{BEYOND_64_BITS}/retranslate", None),
    ("GET", f"/api/v1/wanted/{BEYOND_64_BITS}", None),
    ("DELETE", f"/api/v1/whisper/jobs/{BEYOND_64_BITS}", None),
    ("GET", f"/api/v1/whisper/jobs/{BEYOND_32_BITS}", None),
    ("PUT", f"/api/v1/webhooks/{'9' * 5000}", {"name": "x"}),
    ("POST", "/api/v1/wanted/search", {"ids": [BEYOND_64_BITS]}),
    ("POST", "/api/v1/wanted/search", {"ids": [BEYOND_32_BITS]}),
    ("POST", "/api/v1/wanted/search", {"ids": [1e30]}),
    ("PUT", "/api/v1/scoring/modifiers", {"jimaku": -BEYOND_64_BITS}),
    ("PUT", "/api/v1/config", {"provider_min_score": BEYOND_64_BITS}),
]


@pytest.mark.parametrize(("method", "path", "body"), HUGE_NUMBER_REQUESTS)
def test_numbers_beyond_the_id_or_64_bit_range_are_4xx(client, method, path, body):
    resp = client._call(method, path, json=body)
    assert_error_envelope(resp, 404, 422)


def test_a_huge_number_in_the_body_changes_nothing(client, services):
    before = services.settings.current.provider_min_score
    resp = client.put("/api/v1/config", json={"hook_workers": 5,
                                              "provider_min_score": BEYOND_64_BITS})
    assert_error_envelope(resp, 422)
    assert resp.json["error"]["code"] == "number_out_of_range"
    assert services.settings.current.hook_workers != 5
    assert services.settings.current.provider_min_score == before


def test_nan_and_infinity_are_not_json(client):
    resp = client.put("/api/v1/config", data='{"arr_timeout_seconds": NaN}',
                      content_type="application/json")
    assert_error_envelope(resp, 400)


@pytest.fixture
def pg_client(data_dir: Path) -> Iterator[ApiClient]:
    with postgres_schema() as url:
        app = create_app({"data_dir": data_dir, "database_url": url}, environ=TEST_ENV,
                         testing=True)
        try:
            yield ApiClient(app, services_of(app).api_key)
        finally:
            services_of(app).shutdown()


def test_ids_beyond_postgres_integer_are_4xx_on_postgres(pg_client):
    for method, path, body in HUGE_NUMBER_REQUESTS:
        assert_error_envelope(pg_client._call(method, path, json=body), 404, 422)
    assert pg_client.get(f"/api/v1/wanted/{2**31}").status_code == 404
    assert pg_client.get(f"/api/v1/jobs/{2**31 - 1}").status_code == 404


# --------------------------------------------------------------------------- NUL characters

NUL_REQUESTS = [
    ("POST", "/api/v1/translate",
     {"path": "/media/a\x00b.srt", "source_language": "en", "target_language": "de"}),
    ("POST", "/api/v1/translate/batch",
     {"paths": ["/media/a\x00b.srt"], "source_language": "en", "target_language": "de"}),
    ("POST", "/api/v1/whisper/transcribe", {"media_path": "/media/a\x00b.mkv"}),
    ("POST", "/api/v1/providers/search",
     {"title": "x", "language": "en", "media_path": "/media/a\x00b.mkv"}),
    ("PUT", "/api/v1/translate/glossary/show",
     {"entries": [{"source": "a\x00", "target": "b"}]}),
    ("POST", "/api/v1/webhooks", {"name": "a\x00", "url": "http://127.0.0.1:9/"}),
    ("POST", "/api/v1/hooks", {"name": "n", "script_path": "a\x00.sh", "event_name": "*"}),
    ("PUT", "/api/v1/config", {"standalone_folders": ["/media/a\x00"]}),
    ("POST", "/api/v1/webhook/sonarr", {"eventType": "Test", "series\x00": {}}),
    ("GET", "/api/v1/history?media_path=/a%00b", None),
    ("GET", "/api/v1/wanted?search=a%00b", None),
    ("GET", "/api/v1/translate/glossary/a%00b", None),
    ("PUT", "/api/v1/translate/glossary/a%00b", {"entries": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), NUL_REQUESTS)
def test_nul_characters_in_paths_and_text_are_4xx(client, method, path, body):
    resp = client._call(method, path, json=body)
    assert_error_envelope(resp, 400, 422)
    assert resp.json["error"]["code"] == "nul_character"


def test_nul_characters_are_4xx_on_postgres(pg_client):
    for method, path, body in NUL_REQUESTS:
        assert_error_envelope(pg_client._call(method, path, json=body), 400, 422)


def test_nul_character_refusal_points_at_the_field(client):
    resp = client.post("/api/v1/translate/batch", json={
        "paths": ["/ok.srt", "/a\x00b.srt"], "source_language": "en", "target_language": "de"})
    assert resp.json["error"]["details"] == [
        {"loc": ["paths", "1"], "msg": "contains a NUL character"}]


# --------------------------------------------------------------------------- chunked bodies

PADDED_TO = 1024 * 1024 + 100  # just over the 1 MiB limit


def chunked_put(port: int, path: str, body: bytes, api_key: str) -> tuple[int, dict]:
    """PUT ``body`` with Transfer-Encoding: chunked (no Content-Length) over a real socket."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
        conn.request("PUT", path, body=pieces, encode_chunked=True,
                     headers={"X-Api-Key": api_key, "Content-Type": "application/json",
                              "Transfer-Encoding": "chunked"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def padded_config_change(size: int) -> bytes:
    # Valid JSON at every length: a cut anywhere in the padding still parses.
    head = json.dumps({"log_level": "DEBUG"}).encode()
    return head + b" " * (size - len(head))


def test_chunked_body_over_the_limit_is_413_and_not_applied(live_server, api_key, services):
    status, body = chunked_put(live_server.port, "/api/v1/config",
                               padded_config_change(PADDED_TO), api_key)
    assert status == 413
    assert body["error"]["code"] == "request_entity_too_large"
    assert services.settings.current.log_level == "INFO"


def test_chunked_body_under_the_limit_is_applied(live_server, api_key, services):
    status, body = chunked_put(live_server.port, "/api/v1/config",
                               padded_config_change(1024 * 1024), api_key)
    assert status == 200, body
    assert services.settings.current.log_level == "DEBUG"


def test_served_process_answers_413_to_an_oversized_chunked_body(tmp_path):
    with ServerProcess(tmp_path / "data") as server:
        status, body = chunked_put(server.port, "/api/v1/config",
                                   padded_config_change(PADDED_TO), server.api_key)
        assert status == 413, body
        status, _ = chunked_put(server.port, "/api/v1/config", padded_config_change(4096),
                                server.api_key)
        assert status == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10):
            pass  # still serving


# --------------------------------------------------------------------------- webhook wire rules

UNSENDABLE = [
    ("headers", {"X-Token": "a\x01b"}),
    ("headers", {"X-Token": "tab\tok but DEL \x7f"}),
    ("headers", {"X-Token": "euro \u20ac"}),
    ("headers", {"X-Token": "snow \u2603"}),
    ("url", "http://127.0.0.1:9/a\x7fb"),
    ("url", "http://127.0.0.1:9/p\u00e4th"),
    ("url", "http://127.0.0.1:9/?q=\u00fc"),
    ("url", "http://127.0.0.1:9/\x1b[31m"),
    ("url", "http://exa\u0000mple.com/"),
]


@pytest.mark.parametrize(("field", "value"), UNSENDABLE)
def test_unsendable_webhook_url_or_header_is_422_at_creation(client, field, value):
    body = {"name": "hook", "url": "http://127.0.0.1:9/", field: value}
    resp = client.post("/api/v1/webhooks", json=body)
    assert_error_envelope(resp, 422)
    assert client.get("/api/v1/webhooks").json["webhooks"] == []


@pytest.mark.parametrize(("field", "value"), UNSENDABLE)
def test_unsendable_webhook_url_or_header_is_422_on_edit(client, field, value):
    hook = client.post("/api/v1/webhooks", json={"name": "hook", "url": "http://127.0.0.1:9/",
                                                 "headers": {"X-Token": "t"}}).json
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={field: value})
    assert_error_envelope(resp, 422)
    after = client.get(f"/api/v1/webhooks/{hook['id']}").json
    assert after["url"] == "http://127.0.0.1:9/" and list(after["headers"]) == ["X-Token"]


def test_sendable_latin1_header_and_idna_host_are_saved_and_delivered(client, receiver):
    resp = client.post("/api/v1/webhooks", json={
        "name": "hook", "url": receiver.url + "/in?k=v", "headers": {"X-Caf": "caf\u00e9\tok"}})
    assert resp.status_code == 201, resp.json
    result = client.post(f"/api/v1/webhooks/{resp.json['id']}/test").json
    assert result["success"], result
    assert receiver.requests[-1].headers["X-Caf"] == "caf\u00e9\tok"
    idna = client.post("/api/v1/webhooks", json={"name": "idna",
                                                 "url": "http://b\u00fccher.example/"})
    assert idna.status_code == 201


# --------------------------------------------------------------------------- scoring null


def test_null_weight_goes_back_to_its_default(client):
    changed = client.put("/api/v1/scoring/weights", json={"episode": {"hash": 1, "year": 2}})
    assert changed.json["episode"]["hash"]["value"] == 1
    resp = client.put("/api/v1/scoring/weights", json={"episode": {"hash": None}})
    assert resp.status_code == 200
    assert resp.json["episode"]["hash"] == {"value": 359, "default": 359, "customized": False}
    assert resp.json["episode"]["year"]["value"] == 2  # untouched
    assert client.get("/api/v1/scoring/weights").json["episode"]["hash"]["value"] == 359


def test_null_weight_of_an_uncustomized_key_is_harmless(client):
    resp = client.put("/api/v1/scoring/weights", json={"movie": {"title": None, "year": 31}})
    assert resp.status_code == 200
    assert resp.json["movie"]["title"]["value"] == 60
    assert resp.json["movie"]["year"]["value"] == 31


def test_null_score_type_is_422_and_changes_nothing(client):
    client.put("/api/v1/scoring/weights", json={"episode": {"hash": 5}})
    resp = client.put("/api/v1/scoring/weights", json={"episode": None, "movie": {"hash": 3}})
    assert_error_envelope(resp, 422)
    weights = client.get("/api/v1/scoring/weights").json
    assert weights["episode"]["hash"]["value"] == 5 and weights["movie"]["hash"]["value"] == 119
