"""Write-only secrets stay write-only: a new endpoint URL forgets the old key, passwords
inside URL settings and webhook header values are masked, and a mask sent back keeps the
stored value."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from sublarr.app import create_app
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.library.fakes import FakeArr
from tests.support.http import TestServer
from tests.support.services import postgres_schema

MASK = "***configured***"
# Every URL setting paired with the secrets sent to it.
ENDPOINT_SECRETS = {
    "sonarr_url": ["sonarr_api_key"],
    "radarr_url": ["radarr_api_key"],
    "opensubtitles_base_url": ["opensubtitles_api_key", "opensubtitles_password"],
    "jimaku_base_url": ["jimaku_api_key"],
    "subdl_base_url": ["subdl_api_key"],
    "translation_openai_url": ["translation_openai_api_key"],
    "translation_libretranslate_url": ["translation_libretranslate_api_key"],
    "translation_deepl_url": ["translation_deepl_api_key"],
}


def settings_of(client: ApiClient) -> dict:
    resp = client.get("/api/v1/config")
    assert resp.status_code == 200
    return resp.json["settings"]


@pytest.fixture
def arr_server() -> Iterator[tuple[TestServer, FakeArr]]:
    fake = FakeArr("Sonarr", "arr-key-0001",
                   routes={"/api/v3/system/status": lambda q: {"appName": "Sonarr",
                                                                "version": "4.0.0"}})
    with TestServer(fake.responder) as server:
        yield server, fake


# --------------------------------------------------------------------------- URL change


@pytest.mark.parametrize("source", ["sonarr", "radarr"])
def test_changing_only_the_arr_url_withholds_the_key_from_the_new_server(client, arr_server,
                                                                      receiver, source):
    server, fake = arr_server
    fake.app_name = source.capitalize()
    client.put("/api/v1/config", json={f"{source}_url": server.url,
                                       f"{source}_api_key": fake.api_key})
    assert client.post(f"/api/v1/library/{source}/test").status_code == 200

    resp = client.put("/api/v1/config", json={f"{source}_url": receiver.url})
    assert resp.status_code == 200
    assert resp.json["updated_keys"] == sorted([f"{source}_url", f"{source}_api_key"])
    assert resp.json["settings"][f"{source}_api_key"] == ""

    test = client.post(f"/api/v1/library/{source}/test")
    assert test.status_code == 409  # not configured: the key is gone
    for req in receiver.requests:
        assert fake.api_key not in repr((req.path, req.query, req.headers, req.body))


def test_a_mask_sent_with_a_new_url_does_not_keep_the_key(client, arr_server, receiver):
    server, fake = arr_server
    client.put("/api/v1/config", json={"sonarr_url": server.url, "sonarr_api_key": fake.api_key})
    resp = client.put("/api/v1/config", json={"sonarr_url": receiver.url,
                                              "sonarr_api_key": MASK})
    assert resp.json["settings"]["sonarr_api_key"] == ""
    client.post("/api/v1/library/sonarr/test")
    assert all(fake.api_key not in repr(r.headers) for r in receiver.requests)


def test_a_key_sent_with_the_new_url_is_used_there(client, arr_server):
    server, fake = arr_server
    client.put("/api/v1/config", json={"sonarr_url": "http://127.0.0.1:9",
                                       "sonarr_api_key": "old-key"})
    resp = client.put("/api/v1/config", json={"sonarr_url": server.url,
                                              "sonarr_api_key": fake.api_key})
    assert resp.json["settings"]["sonarr_api_key"] == MASK
    assert client.post("/api/v1/library/sonarr/test").status_code == 200
    assert server.requests[-1].headers["X-Api-Key"] == fake.api_key


def test_the_same_url_sent_again_keeps_the_key(client, services):
    client.put("/api/v1/config", json={"sonarr_url": "http://127.0.0.1:8989",
                                       "sonarr_api_key": "kept-key"})
    resp = client.put("/api/v1/config", json={"sonarr_url": "http://127.0.0.1:8989/"})
    assert "sonarr_api_key" not in resp.json["updated_keys"]
    assert services.settings.current.sonarr_api_key == "kept-key"


@pytest.mark.parametrize("url_key", sorted(ENDPOINT_SECRETS))
def test_every_endpoint_forgets_its_secrets_when_its_url_changes(client, services, url_key):
    everything = {name: f"value-of-{name}" for names in ENDPOINT_SECRETS.values()
                  for name in names}
    assert client.put("/api/v1/config", json=everything).status_code == 200
    resp = client.put("/api/v1/config", json={url_key: "http://127.0.0.1:9/elsewhere"})
    assert resp.status_code == 200
    current = services.settings.current
    for name, value in everything.items():
        expected = "" if name in ENDPOINT_SECRETS[url_key] else value
        assert getattr(current, name) == expected, name
    assert sorted(resp.json["updated_keys"]) == sorted([url_key, *ENDPOINT_SECRETS[url_key]])


def test_the_pairing_covers_every_url_setting_with_a_secret():
    from sublarr.config import endpoint_secrets

    assert {k: sorted(v) for k, v in endpoint_secrets().items()} == ENDPOINT_SECRETS


def test_url_change_is_refused_while_its_key_comes_from_the_environment(data_dir):
    environ = {**TEST_ENV, "SUBLARR_SONARR_API_KEY": "env-key"}
    app = create_app({"data_dir": data_dir}, environ=environ, testing=True)
    try:
        client = ApiClient(app, services_of(app).api_key)
        resp = client.put("/api/v1/config", json={"sonarr_url": "http://127.0.0.1:9"})
        assert resp.status_code == 422
        assert "SUBLARR_SONARR_URL" in resp.json["error"]["message"]
        assert services_of(app).settings.current.sonarr_url == ""
    finally:
        services_of(app).shutdown()


# --------------------------------------------------------------------------- URL passwords


def test_passwords_inside_url_settings_are_masked(client, services):
    url = "http://transcriber:p%40ss/word@127.0.0.1:9000/asr?token=tok-123&x=1"
    assert client.put("/api/v1/config", json={"whisper_remote_url": url}).status_code == 200
    resp = client.get("/api/v1/config")
    shown = resp.json["settings"]["whisper_remote_url"]
    assert shown == "http://transcriber:***@127.0.0.1:9000/asr?token=***&x=1"
    assert "p%40ss" not in resp.get_data(as_text=True)
    assert "tok-123" not in resp.get_data(as_text=True)


def test_the_masked_url_sent_back_keeps_the_stored_password(client, services):
    url = "http://user:s3cret@127.0.0.1:9000"
    client.put("/api/v1/config", json={"whisper_remote_url": url})
    resp = client.put("/api/v1/config", json={
        "whisper_remote_url": "http://user:***@127.0.0.1:9000", "whisper_beam_size": 3})
    assert resp.status_code == 200
    assert resp.json["updated_keys"] == ["whisper_beam_size"]
    assert services.settings.current.whisper_remote_url == url


def test_a_masked_password_on_another_url_is_refused(client, services):
    url = "http://user:s3cret@127.0.0.1:9000"
    client.put("/api/v1/config", json={"whisper_remote_url": url})
    resp = client.put("/api/v1/config",
                      json={"whisper_remote_url": "http://user:***@10.0.0.9:9000"})
    assert resp.status_code == 422
    assert services.settings.current.whisper_remote_url == url


@pytest.fixture
def pg_app_with_password(data_dir: Path) -> Iterator[Flask]:
    with postgres_schema() as url:
        # Trust authentication ignores the password, so the app still connects.
        with_password = url.replace("postgres@", "postgres:pg-pass-xyz@", 1)
        redis = "redis://:redis-pass-xyz@127.0.0.1:6379/0"
        app = create_app({"data_dir": data_dir},
                         environ={**TEST_ENV, "SUBLARR_DATABASE_URL": with_password,
                                  "SUBLARR_REDIS_URL": redis,
                                  "SUBLARR_REDIS_CHANNEL": f"test-{uuid.uuid4().hex}"},
                         testing=True)
        try:
            yield app
        finally:
            services_of(app).shutdown()


def test_database_and_redis_passwords_are_masked(pg_app_with_password):
    app = pg_app_with_password
    client = ApiClient(app, services_of(app).api_key)
    resp = client.get("/api/v1/config")
    text = resp.get_data(as_text=True)
    assert "pg-pass-xyz" not in text and "redis-pass-xyz" not in text
    settings = resp.json["settings"]
    assert settings["database_url"].startswith("postgresql+psycopg://postgres:***@127.0.0.1")
    assert settings["redis_url"] == "redis://:***@127.0.0.1:6379/0"
    # A UI sending the settings back as shown changes nothing and is no error.
    echo = client.put("/api/v1/config", json={"database_url": settings["database_url"],
                                              "hook_workers": 3})
    assert echo.status_code == 200 and echo.json["updated_keys"] == ["hook_workers"]


# --------------------------------------------------------------------------- webhook headers


def create_webhook(client: ApiClient, url: str) -> dict:
    resp = client.post("/api/v1/webhooks", json={
        "name": "auth", "url": url,
        "headers": {"Authorization": "Bearer tok-123", "X-Team": "subs"}})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_webhook_header_values_never_read_back(client, receiver):
    hook = create_webhook(client, receiver.url)
    assert hook["headers"] == {"Authorization": MASK, "X-Team": MASK}
    for path in ("/api/v1/webhooks", f"/api/v1/webhooks/{hook['id']}"):
        resp = client.get(path)
        assert "tok-123" not in resp.get_data(as_text=True)
    edited = client.put(f"/api/v1/webhooks/{hook['id']}", json={"name": "renamed"})
    assert "tok-123" not in edited.get_data(as_text=True)


def test_masked_header_values_sent_back_keep_the_stored_ones(client, receiver):
    hook = create_webhook(client, receiver.url)
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={
        "headers": {"Authorization": MASK, "X-Team": "subtitles", "X-New": "1"}})
    assert resp.status_code == 200
    result = client.post(f"/api/v1/webhooks/{hook['id']}/test").json
    assert result["success"], result
    sent = receiver.requests[-1].headers
    assert sent["Authorization"] == "Bearer tok-123"
    assert sent["X-Team"] == "subtitles" and sent["X-New"] == "1"


def test_a_mask_for_a_header_that_was_never_set_is_422(client, receiver):
    hook = create_webhook(client, receiver.url)
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={"headers": {"X-Other": MASK}})
    assert resp.status_code == 422


def test_a_new_webhook_url_drops_the_header_values_not_sent_again(client, receiver):
    hook = create_webhook(client, "http://127.0.0.1:9/old")
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={"url": receiver.url})
    assert resp.status_code == 200 and resp.json["headers"] == {}
    result = client.post(f"/api/v1/webhooks/{hook['id']}/test").json
    assert result["success"], result
    assert "tok-123" not in repr(receiver.requests[-1].headers)


def test_a_new_webhook_url_with_masks_keeps_only_values_sent_again(client, receiver):
    hook = create_webhook(client, "http://127.0.0.1:9/old")
    resp = client.put(f"/api/v1/webhooks/{hook['id']}", json={
        "url": receiver.url, "headers": {"Authorization": MASK, "X-Team": "new-team"}})
    assert resp.json["headers"] == {"X-Team": MASK}
    client.post(f"/api/v1/webhooks/{hook['id']}/test")
    sent = receiver.requests[-1].headers
    assert "Authorization" not in sent and sent["X-Team"] == "new-team"
