"""Jobs survive restarts: abandoned ones are requeued, shutdown hands running ones back."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from sublarr.app import create_app
from sublarr.db.base import utcnow
from sublarr.services import services_of
from sublarr.whisper import jobs
from sublarr.whisper.models import RUNNING, WhisperJob
from tests.conftest import TEST_ENV, ApiClient
from tests.whisper.support import wait_for_status, wait_until


def _start(data_dir: Path, url: str, **extra):  # noqa: ANN202
    app = create_app({"data_dir": data_dir, "whisper_backend": "remote",
                      "whisper_remote_url": url, "library_roots": [str(data_dir.parent)],
                      **extra}, environ=TEST_ENV, testing=True)
    services = services_of(app)
    return app, services, ApiClient(app, services.api_key)


def _leave_running(services, media_path: str, owner: str, lease_left: timedelta,  # noqa: ANN001
                   cancel_requested: bool = False) -> int:
    """A row as a crashed worker leaves it."""
    with services.db.session() as session:
        job_id = jobs.create_job(session, media_path, "en", 0, None).id
        session.execute(update(WhisperJob).where(WhisperJob.id == job_id).values(
            status=RUNNING, lease_owner=owner, lease_expires_at=utcnow() + lease_left,
            cancel_requested=cancel_requested, attempts=1))
    return job_id


def test_job_left_running_by_a_dead_process_is_requeued_and_finished(data_dir, media, fake_asr):
    _asr, server = fake_asr
    app, services, _client = _start(data_dir, server.url)
    video = media("speech")
    dead_owner = f"{services.components['whisper_queue'].owner.split(':')[0]}:999999999:dead"
    job_id = _leave_running(services, str(video), dead_owner, timedelta(minutes=5))
    services.shutdown()

    app, services, client = _start(data_dir, server.url)
    try:
        job = wait_for_status(client, job_id)
        assert job["status"] == "completed" and job["attempts"] == 2
        assert video.with_name("speech.en.srt").is_file()
    finally:
        services.shutdown()


def test_expired_lease_of_another_host_is_requeued(data_dir, media, fake_asr):
    _asr, server = fake_asr
    app, services, client = _start(data_dir, server.url)
    try:
        job_id = _leave_running(services, str(media("speech")), "elsewhere:1:x",
                                timedelta(seconds=-1))
        assert services.components["whisper_queue"].recover_abandoned() == [job_id]
        assert wait_for_status(client, job_id)["status"] == "completed"
    finally:
        services.shutdown()


def test_live_lease_of_another_host_is_left_alone(data_dir, media, fake_asr):
    _asr, server = fake_asr
    app, services, client = _start(data_dir, server.url)
    try:
        job_id = _leave_running(services, str(media("speech")), "elsewhere:1:x",
                                timedelta(minutes=5))
        assert services.components["whisper_queue"].recover_abandoned() == []
        assert client.get(f"/api/v1/whisper/jobs/{job_id}").json["status"] == "running"
    finally:
        services.shutdown()


def test_abandoned_job_with_a_pending_cancel_is_cancelled(data_dir, media, fake_asr):
    _asr, server = fake_asr
    app, services, client = _start(data_dir, server.url)
    seen = []
    services.bus.subscribe(seen.append, names=["whisper_failed"])
    try:
        video = media("speech")
        job_id = _leave_running(services, str(video), "elsewhere:1:x", timedelta(seconds=-1),
                                cancel_requested=True)
        services.components["whisper_queue"].recover_abandoned()
        assert client.get(f"/api/v1/whisper/jobs/{job_id}").json["status"] == "cancelled"
        assert seen[-1]["data"] == {"media_path": str(video), "error": "Cancelled by user",
                                    "cancelled": True}
    finally:
        services.shutdown()


def test_shutdown_puts_the_running_job_back_in_the_queue(data_dir, media, fake_asr):
    asr, server = fake_asr
    asr.gate = threading.Event()
    app, services, client = _start(data_dir, server.url)
    video = media("speech")
    job_id = client.post("/api/v1/whisper/transcribe",
                         json={"media_path": str(video), "language": "en"}).json["id"]
    wait_until(lambda: asr.active == 1, timeout=30)
    services.shutdown()
    with services.db.session() as session:
        job = jobs.get_job(session, job_id)
        assert (job.status, job.lease_owner) == ("queued", None)
    assert not video.with_name("speech.en.srt").exists()
    asr.gate.set()

    app, services, client = _start(data_dir, server.url)
    try:
        assert wait_for_status(client, job_id)["status"] == "completed"
    finally:
        services.shutdown()


@pytest.mark.postgres
def test_queue_works_on_postgresql(pg_url, data_dir, media, fake_asr):
    asr, server = fake_asr
    app, services, client = _start(data_dir, server.url, database_url=pg_url)
    try:
        done = client.post("/api/v1/whisper/transcribe",
                           json={"media_path": str(media("speech")), "language": "en"}).json
        assert wait_for_status(client, done["id"])["status"] == "completed"
        asr.gate = threading.Event()
        running = client.post("/api/v1/whisper/transcribe",
                              json={"media_path": str(media("speech")), "language": "de",
                                    "priority": 3}).json
        wait_until(lambda: asr.active == 1, timeout=30)
        queued = client.post("/api/v1/whisper/transcribe",
                             json={"media_path": str(media("speech")), "language": "fr"}).json
        assert client.delete(f"/api/v1/whisper/jobs/{queued['id']}").json["status"] == "cancelled"
        assert client.delete(f"/api/v1/whisper/jobs/{running['id']}").json["status"] == "cancelled"
        listing = client.get("/api/v1/whisper/jobs").json
        assert [j["status"] for j in listing["jobs"]] == ["cancelled", "cancelled", "completed"]
    finally:
        asr.gate.set() if asr.gate else None
        services.shutdown()
