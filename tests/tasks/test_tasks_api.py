"""The Tasks view's API: every scheduled job listed, "Run now" runs it, runs are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.app import create_app
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.library import payloads
from tests.providers.fakes import FakeSubdl
from tests.wanted.arrival_support import (
    NOTHING,
    episode,
    library_settings,
    subdl_settings,
    wait_for,
    wanted_rows,
)

NAMES = {"wanted_scan", "wanted_search", "upgrade_scan", "provider_resume", "retention"}


@pytest.fixture
def subdl() -> Iterator[FakeSubdl]:
    fake = FakeSubdl(fail_with=NOTHING).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(media_root: Path, subdl: FakeSubdl) -> dict[str, Any]:
    return {**library_settings(media_root), **subdl_settings(subdl)}


def _task(client: ApiClient, name: str) -> dict:
    tasks = {t["name"]: t for t in client.get("/api/v1/tasks").get_json()["tasks"]}
    return tasks[name]


def test_every_scheduled_job_is_listed(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 200
    tasks = {t["name"]: t for t in response.get_json()["tasks"]}
    assert NAMES <= set(tasks)
    assert tasks["retention"]["interval_seconds"] == 600
    assert tasks["retention"]["next_run_at"] is not None
    assert tasks["upgrade_scan"]["interval_seconds"] == 12 * 3600
    for task in tasks.values():
        assert set(task) >= {"label", "running", "last_run_at", "last_duration_ms",
                             "last_result", "last_success", "next_run_at"}


def test_run_now_of_the_wanted_search_searches_an_item_before_its_time(client, media_root,
                                                                       subdl):
    remote, _ = episode(media_root, "Sousou no Frieren - S01E05.mkv")
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202
    [row] = wait_for(lambda: wanted_rows(client, status="not_found"), "the first search")
    assert row["attempts"] == 1  # the next one is an hour away

    response = client.post("/api/v1/tasks/wanted_search/run")

    assert response.status_code == 202 and response.get_json()["name"] == "wanted_search"
    wait_for(lambda: wanted_rows(client)[0]["attempts"] == 2, "a second search right away")
    task = wait_for(lambda: (t := _task(client, "wanted_search"))["last_run_at"] and t,
                    "the drain to be recorded")
    assert "searched" in task["last_result"] and task["last_duration_ms"] >= 0


def test_run_now_of_the_retention_is_recorded_and_kept_across_a_restart(app, client, data_dir,
                                                                        app_settings):
    assert client.post("/api/v1/tasks/retention/run").status_code == 202
    task = wait_for(lambda: (t := _task(client, "retention"))["last_run_at"] and t, "a run")
    assert task["last_success"] is True and task["last_result"].startswith("removed ")

    services_of(app).shutdown()
    second = create_app({"data_dir": data_dir, **app_settings}, environ=TEST_ENV, testing=True)
    try:
        again = ApiClient(second, services_of(second).api_key)
        assert _task(again, "retention")["last_run_at"] == task["last_run_at"]
    finally:
        services_of(second).shutdown()


def test_run_now_of_the_wanted_scan_and_provider_resume(client, events):
    assert client.post("/api/v1/tasks/wanted_scan/run").status_code == 202
    wait_for(lambda: [e for e in events if e["event_name"] == "wanted_scan_complete"],
             "wanted_scan_complete")
    wait_for(lambda: _task(client, "wanted_scan")["last_run_at"], "the scan's run")
    assert client.post("/api/v1/tasks/provider_resume/run").status_code == 202
    task = wait_for(lambda: (t := _task(client, "provider_resume"))["last_run_at"] and t, "run")
    assert task["last_result"] == "no provider was paused"


def test_unknown_task_is_404(client):
    response = client.post("/api/v1/tasks/nope/run")
    assert response.status_code == 404 and response.get_json()["error"]["code"]
