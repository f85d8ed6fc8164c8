"""Bad input: each case ends in a clear result, no stuck worker and no partial SRT."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sublarr.whisper import jobs
from sublarr.whisper.models import WhisperJob
from tests.whisper.support import leftovers, wait_for_status, wait_until

TRANSCRIBE = "/api/v1/whisper/transcribe"


@pytest.fixture(autouse=True)
def _local_backend(client, local_settings):  # noqa: ANN001, ANN202
    """Stored settings (not start-up overrides) so a test can still change them via the API."""
    assert client.put("/api/v1/config", json=local_settings).status_code == 200


def _job_count(services) -> int:  # noqa: ANN001
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(WhisperJob))


def _run_to_failure(client, video: Path, events, **extra) -> dict:  # noqa: ANN001
    resp = client.post(TRANSCRIBE, json={"media_path": str(video), **extra})
    assert resp.status_code == 202, resp.json
    job = wait_for_status(client, resp.json["id"])
    assert job["status"] == "failed", job
    assert job["subtitle_path"] is None
    assert leftovers(video.parent, video.name) == []
    wanted = {"media_path": str(video), "error": job["error"], "cancelled": False}
    # the event follows the state change, so it may land a moment after the status
    wait_until(lambda: any(e["data"] == wanted for e in events), timeout=10)
    return job


def _use_remote(client, url: str) -> None:  # noqa: ANN001
    resp = client.put("/api/v1/config", json={"whisper_backend": "remote",
                                              "whisper_remote_url": url})
    assert resp.status_code == 200, resp.json


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- refused at the door (422, no row) ------------------------------------------------------

def test_missing_file_is_refused_without_a_job(client, services, tmp_path):
    resp = client.post(TRANSCRIBE, json={"media_path": str(tmp_path / "gone.mkv")})
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "media_not_found"
    assert "not found" in resp.json["error"]["message"]
    assert _job_count(services) == 0


def test_relative_path_is_refused(client, services):
    resp = client.post(TRANSCRIBE, json={"media_path": "movies/a.mkv"})
    assert resp.status_code == 422 and "absolute" in resp.json["error"]["message"]
    assert _job_count(services) == 0


def test_unsupported_language_is_refused(client, services, media):
    resp = client.post(TRANSCRIBE, json={"media_path": str(media("speech")), "language": "xx"})
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["loc"] == ["language"]
    assert "cannot transcribe language 'xx'" in resp.json["error"]["details"][0]["msg"]
    assert _job_count(services) == 0


@pytest.mark.parametrize("body", [
    {"media_path": "/x.mkv", "priority": 1000},
    {"media_path": "/x.mkv", "audio_track": -1},
    {"media_path": "/x.mkv", "unknown": 1},
    {"media_path": ""},
    {},
])
def test_malformed_requests_are_422(client, services, body):
    assert client.post(TRANSCRIBE, json=body).status_code == 422
    assert _job_count(services) == 0


def test_non_json_body_is_415(client):
    resp = client.post(TRANSCRIBE, data="media_path=/x.mkv",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415


# -- accepted, then failed by the worker with a clear reason --------------------------------

def test_file_without_audio_fails_clearly(client, media, events):
    job = _run_to_failure(client, media("silent"), events)
    assert "has no audio track" in job["error"]


def test_corrupt_file_fails_clearly(client, media, events):
    job = _run_to_failure(client, media("corrupt"), events)
    assert "cannot read corrupt.mkv as media" in job["error"]


def test_missing_audio_track_index_fails_clearly(client, media, events):
    job = _run_to_failure(client, media("speech"), events, audio_track=3)
    assert "audio track 3 does not exist" in job["error"]


def test_file_removed_after_queueing_fails_clearly(client, services, tmp_path, events):
    video = tmp_path / "vanished.mkv"
    with services.db.session() as session:  # queued earlier, deleted before its turn
        job_id = jobs.create_job(session, str(video), "en", 0, None).id
    services.components["whisper_queue"].resize_workers()  # wakes the idle worker
    job = wait_for_status(client, job_id)
    assert job["status"] == "failed" and "media file not found" in job["error"]
    wait_until(lambda: events and events[-1]["data"]["cancelled"] is False, timeout=10)


@pytest.mark.slow  # loads the tiny model in the child process
def test_english_only_model_refuses_other_languages(client, media, events):
    job = _run_to_failure(client, media("speech"), events, language="ja")
    assert "English-only" in job["error"]


def test_bad_model_directory_fails_before_extraction(client, media, events, tmp_path):
    assert client.put("/api/v1/config",
                      json={"whisper_model": str(tmp_path / "no-model")}).status_code == 200
    job = _run_to_failure(client, media("speech"), events)
    assert "not a model directory" in job["error"]


def test_remote_service_down_fails_clearly(client, media, events):
    _use_remote(client, f"http://127.0.0.1:{_closed_port()}")
    job = _run_to_failure(client, media("speech"), events, language="en")
    assert "unreachable" in job["error"]


def test_remote_service_answering_500_fails_clearly(client, media, events, fake_asr):
    asr, server = fake_asr
    asr.status = 500
    _use_remote(client, server.url)
    job = _run_to_failure(client, media("speech"), events, language="en")
    assert "answered HTTP 500" in job["error"]


def test_remote_answer_that_is_not_srt_fails_clearly(client, media, events, fake_asr):
    asr, server = fake_asr
    asr.srt = "<html><body>502 Bad Gateway</body></html>"
    _use_remote(client, server.url)
    job = _run_to_failure(client, media("speech"), events, language="en")
    assert "not SRT" in job["error"]


def test_remote_without_url_fails_clearly(client, media, events):
    _use_remote(client, "")
    job = _run_to_failure(client, media("speech"), events, language="en")
    assert "whisper_remote_url is empty" in job["error"]


def test_worker_keeps_going_after_failures(client, media, events, fake_asr):
    asr, server = fake_asr
    _use_remote(client, server.url)
    for kind in ("corrupt", "silent"):
        _run_to_failure(client, media(kind), events)
    video = media("speech")
    resp = client.post(TRANSCRIBE, json={"media_path": str(video), "language": "en"})
    assert wait_for_status(client, resp.json["id"])["status"] == "completed"
    assert video.with_name("speech.en.srt").read_text() == asr.srt
