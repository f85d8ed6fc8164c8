"""Accepted webhooks are stored before the answer and applied even across a crash."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from sublarr.app import create_app
from sublarr.library import inbox
from sublarr.library.actions import WebhookAction
from sublarr.library.media import MediaFile
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.library import payloads
from tests.served.conftest import integrity, start
from tests.support.waiting import wait_until
from tests.wanted.arrival_support import episode, library_settings


def test_an_action_survives_its_encoding():
    action = WebhookAction(
        "sonarr", "Download", "Show", "/tv/Show/e1.mkv",
        new_files=[MediaFile("/tv/Show/e1.mkv", "episode", "Show", "sonarr", 2023, 1, 5,
                             frozenset({"ja", "en"}), frozenset({"anime"})),
                   MediaFile("/tv/Show/e2.mkv", "episode", "Show", "sonarr")],
        gone_paths=["/tv/Show/old.mkv"], gone_folder=None)
    back = inbox.decode(inbox.encode(action))
    assert back == action
    assert back.new_files[0].embedded_languages == frozenset({"ja", "en"})
    assert back.new_files[0].tags == frozenset({"anime"})
    assert back.new_files[1].embedded_languages is None


def _settings(data_dir: Path, media_root: Path) -> dict:
    return {"data_dir": data_dir, **library_settings(media_root),
            "wanted_search_on_arrival": False}


def test_a_webhook_stored_before_a_crash_is_applied_at_the_next_start(data_dir, media_root):
    remote, local = episode(media_root, "Show - S01E05.mkv")
    first = create_app(_settings(data_dir, media_root), environ=TEST_ENV, testing=True)
    services = services_of(first)
    # What the request thread stores before answering 202, with the process dying before
    # the worker thread applied it:
    action = WebhookAction("sonarr", "Download", "Show", str(local), new_files=[
        MediaFile(str(local), "episode", "Sousou no Frieren", "sonarr", None, 1, 5)])
    with services.db.session() as session:
        inbox.store(session, action)
    services.shutdown()

    again = create_app(_settings(data_dir, media_root), environ=TEST_ENV, testing=True)
    try:
        client = ApiClient(again, services_of(again).api_key)
        rows = wait_until(lambda: client.get("/api/v1/wanted").get_json()["items"], 30,
                          what="the stored import applied")
        assert [r["media_path"] for r in rows] == [str(local)]
        with services_of(again).db.session() as session:
            assert wait_until(lambda: not inbox.left_over(session), 10, what="row removed")
    finally:
        services_of(again).shutdown()


@pytest.mark.slow
def test_kill_9_right_after_a_burst_of_imports_forgets_none(tmp_path, media_root):
    settings = {**library_settings(media_root), "wanted_search_on_arrival": False}
    env = {f"SUBLARR_{k.upper()}": json.dumps(v) if not isinstance(v, str) else v
           for k, v in settings.items()}
    data = tmp_path / "data"
    remotes = [episode(media_root, f"Show - S01E{i:03d}.mkv")[0] for i in range(200)]
    server = start(data, env)
    try:
        session = requests.Session()
        session.auth = ("sonarr", server.api_key)
        accepted = []
        lock = threading.Lock()

        def post(chunk: list[str]) -> None:
            for remote in chunk:
                resp = session.post(f"{server.url}/api/v1/webhook/sonarr",
                                    json=payloads.sonarr_download(remote), timeout=30)
                assert resp.status_code == 202, resp.text
                with lock:
                    accepted.append(remote)

        threads = [threading.Thread(target=post, args=(remotes[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        server.kill_hard()  # at once after the last 202: some are not applied yet
    assert len(accepted) == len(remotes)

    again = start(data, env)
    try:
        def listed() -> int:
            body = requests.get(f"{again.url}/api/v1/wanted", params={"limit": 500},
                                headers={"X-Api-Key": again.api_key}, timeout=10).json()
            return body["total"] if body["total"] >= len(remotes) else 0

        assert wait_until(listed, 60, what="every accepted import listed") == len(remotes)
        assert again.terminate() == 0
    finally:
        again.kill()
    assert integrity(data)["sublarr.db"] == "ok"
