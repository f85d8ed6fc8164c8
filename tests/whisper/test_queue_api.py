"""The queue through its HTTP API, with the remote backend against a fake /asr server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sublarr.whisper import jobs
from tests.whisper.support import leftovers, wait_for_events, wait_for_status, wait_until

TRANSCRIBE = "/api/v1/whisper/transcribe"


@pytest.fixture
def app_settings(fake_asr):  # noqa: ANN001, ANN201
    return {"whisper_backend": "remote", "whisper_remote_url": fake_asr[1].url}


def _submit(client, path: Path, **extra) -> dict:  # noqa: ANN001
    resp = client.post(TRANSCRIBE, json={"media_path": str(path), **extra})
    assert resp.status_code == 202, resp.json
    return resp.json


def test_remote_transcription_writes_the_srt_beside_the_media(client, media, fake_asr, events):
    asr, _server = fake_asr
    video = media("speech", "Paprika (2006).mkv")
    job = _submit(client, video, language="jpn")
    assert job["status"] == "queued" and job["language"] == "ja"
    done = wait_for_status(client, job["id"])
    assert done["status"] == "completed", done
    srt = video.with_name("Paprika (2006).ja.srt")
    assert done["subtitle_path"] == str(srt) and done["backend"] == "whisper-asr"
    assert srt.read_text() == asr.srt
    upload = asr.uploads[0]["audio_file"]
    assert upload.content[:4] == b"RIFF" and upload.content[8:12] == b"WAVE"
    assert leftovers(video.parent, video.name) == [srt.name]
    wait_for_events(events, 1)
    assert [e["event_name"] for e in wait_for_events(events, 1)] == ["whisper_complete"]
    assert events[0]["data"] == {"media_path": str(video), "language": "ja",
                                 "subtitle_path": str(srt), "duration_ms": done["duration_ms"],
                                 "backend": "whisper-asr"}


def test_remote_request_speaks_the_asr_protocol(client, media, fake_asr):
    _asr, server = fake_asr
    job = _submit(client, media("speech"), language="en")
    wait_for_status(client, job["id"])
    (req,) = [r for r in server.requests if r.path == "/asr"]
    assert req.method == "POST"
    assert req.query == {"task": ["transcribe"], "language": ["en"], "output": ["srt"],
                         "encode": ["true"]}
    assert req.headers["Content-Type"].startswith("multipart/form-data; boundary=")


def test_auto_language_asks_the_service_to_detect_it(client, media, fake_asr):
    asr, server = fake_asr
    asr.detected = "de"
    video = media("speech")
    done = wait_for_status(client, _submit(client, video)["id"])
    assert [r.path for r in server.requests] == ["/detect-language", "/asr"]
    assert server.requests[1].query["language"] == ["de"]
    assert done["detected_language"] == "de"
    assert Path(done["subtitle_path"]).name == "speech.de.srt"


def test_jobs_are_listed_newest_first_with_filters(client, media):
    first = _submit(client, media("speech"), language="en")
    second = _submit(client, media("speech"), language="en")
    wait_for_status(client, second["id"])
    wait_for_status(client, first["id"])
    listing = client.get("/api/v1/whisper/jobs").json
    assert [j["id"] for j in listing["jobs"]] == [second["id"], first["id"]]
    assert listing["total"] == 2
    page = client.get("/api/v1/whisper/jobs?limit=1&offset=1&status=completed").json
    assert [j["id"] for j in page["jobs"]] == [first["id"]] and page["total"] == 2
    assert client.get("/api/v1/whisper/jobs?status=queued").json == {"jobs": [], "total": 0}
    assert client.get("/api/v1/whisper/jobs?status=bogus").status_code == 422
    assert client.get("/api/v1/whisper/jobs?limit=0").status_code == 422


def test_higher_priority_runs_first(client, media, fake_asr):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    blocker = _submit(client, media("speech", "blocker.mkv"), language="en")
    wait_until(lambda: asr.active == 1, timeout=30)
    low = _submit(client, media("speech", "low.mkv"), language="en", priority=-5)
    normal = _submit(client, media("speech", "normal.mkv"), language="en")
    high = _submit(client, media("speech", "high.mkv"), language="en", priority=50)
    asr.gate.set()
    for job in (blocker, low, normal, high):
        assert wait_for_status(client, job["id"])["status"] == "completed"
    order = sorted((client.get(f"/api/v1/whisper/jobs/{j['id']}").json["started_at"], name)
                   for name, j in (("low", low), ("normal", normal), ("high", high)))
    assert [name for _started, name in order] == ["high", "normal", "low"]


def test_cancelling_a_queued_job_is_immediate(client, media, fake_asr, events):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    running = _submit(client, media("speech", "running.mkv"), language="en")
    wait_until(lambda: asr.active == 1, timeout=30)
    video = media("speech", "waiting.mkv")
    queued = _submit(client, video, language="en")
    resp = client.delete(f"/api/v1/whisper/jobs/{queued['id']}")
    assert resp.status_code == 200
    assert resp.json["status"] == "cancelled" and resp.json["error"] == "Cancelled by user"
    assert events[-1]["data"] == {"media_path": str(video), "error": "Cancelled by user",
                                  "cancelled": True}
    asr.gate.set()
    assert wait_for_status(client, running["id"])["status"] == "completed"
    assert client.get(f"/api/v1/whisper/jobs/{queued['id']}").json["status"] == "cancelled"
    assert leftovers(video.parent, video.name) == []


def test_cancelling_a_running_remote_job_stops_waiting_for_the_server(client, media, fake_asr,
                                                                      events):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    video = media("speech")
    job = _submit(client, video, language="en")
    wait_until(lambda: asr.active == 1, timeout=30)
    resp = client.delete(f"/api/v1/whisper/jobs/{job['id']}")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    assert wait_for_events(events, 1)[0]["data"]["cancelled"] is True
    asr.gate.set()
    assert leftovers(video.parent, video.name) == []


def test_a_second_cancel_is_a_conflict(client, media, fake_asr):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    _submit(client, media("speech", "busy.mkv"), language="en")
    wait_until(lambda: asr.active == 1, timeout=30)
    job = _submit(client, media("speech"), language="en")
    assert client.delete(f"/api/v1/whisper/jobs/{job['id']}").status_code == 200
    again = client.delete(f"/api/v1/whisper/jobs/{job['id']}")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "job_finished"
    assert "already cancelled" in again.json["error"]["message"]
    assert again.json["error"]["details"] == {"job_id": job["id"], "status": "cancelled"}


def test_cancelling_a_finished_job_is_a_conflict(client, media, events):
    job = _submit(client, media("speech"), language="en")
    wait_for_status(client, job["id"])
    resp = client.delete(f"/api/v1/whisper/jobs/{job['id']}")
    assert resp.status_code == 409
    assert "already completed" in resp.json["error"]["message"]
    assert client.get(f"/api/v1/whisper/jobs/{job['id']}").json["status"] == "completed"
    assert [e["event_name"] for e in events] == ["whisper_complete"]


def test_unknown_job_is_404(client):
    assert client.get("/api/v1/whisper/jobs/999").status_code == 404
    resp = client.delete("/api/v1/whisper/jobs/999")
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"


def test_same_file_and_language_cannot_be_queued_twice(client, media, fake_asr):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    video = media("speech")
    job = _submit(client, video, language="en")
    resp = client.post(TRANSCRIBE, json={"media_path": str(video), "language": "eng"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "duplicate_job"
    assert resp.json["error"]["details"]["job_id"] == job["id"]


def test_raising_the_worker_count_runs_jobs_side_by_side(client, media, fake_asr):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    assert client.put("/api/v1/config", json={"whisper_workers": 2}).status_code == 200
    first = _submit(client, media("speech", "one.mkv"), language="en")
    second = _submit(client, media("speech", "two.mkv"), language="en")
    wait_until(lambda: asr.active == 2, timeout=30)
    asr.gate.set()
    for job in (first, second):
        assert wait_for_status(client, job["id"])["status"] == "completed"
    assert asr.peak_active == 2


def test_endpoints_are_described_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/whisper/transcribe"]
    assert "get" in paths["/api/v1/whisper/jobs"]
    job_path = next(p for p in paths if p.startswith("/api/v1/whisper/jobs/"))
    assert {"get", "delete"} <= set(paths[job_path])


def test_endpoints_need_the_api_key(client):
    assert client.raw.get("/api/v1/whisper/jobs").status_code == 401
    assert client.raw.post("/api/v1/whisper/transcribe", json={}).status_code == 401


def test_srt_goes_beside_the_symlink_the_library_knows(client, media, tmp_path):
    real = media("speech", "download.mkv")
    library = tmp_path / "library"
    library.mkdir()
    link = library / "Show - S01E01.mkv"
    link.symlink_to(real)
    done = wait_for_status(client, _submit(client, link, language="en")["id"])
    assert done["media_path"] == str(link)
    assert (library / "Show - S01E01.en.srt").is_file()
    assert not real.with_name("download.en.srt").exists()


def test_cancel_written_by_another_process_reaches_the_worker(client, services, media, fake_asr,
                                                              events):
    asr, _server = fake_asr
    asr.gate = threading.Event()
    video = media("speech")
    job = _submit(client, video, language="en")
    wait_until(lambda: asr.active == 1, timeout=30)
    with services.db.session() as session:  # what DELETE in another process writes
        outcome, _row = jobs.request_cancel(session, job["id"])
    assert outcome == "requested"
    assert wait_for_status(client, job["id"], timeout=15)["status"] == "cancelled"
    assert wait_for_events(events, 1)[0]["data"]["cancelled"] is True
    assert leftovers(video.parent, video.name) == []
