"""kill -9 of the served process in the middle of a job: after the restart the job resumes
(or fails visibly), nothing stays "running", the database is intact."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.served.conftest import Api, exercise_api, integrity, start
from tests.support.http import TestServer
from tests.support.waiting import wait_until
from tests.translation.fakes import FakeTranslator
from tests.whisper.support import FakeAsr, make_speech_video, missing_tools

pytestmark = pytest.mark.slow


def wait_for(check: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    return wait_until(check, timeout, interval=0.05, what=what)


def _srt(path: Path, lines: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = [f"{i + 1}\n00:00:{i % 60:02d},000 --> 00:00:{i % 60:02d},500\nLine number {i}\n"
              for i in range(lines)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_kill_9_during_a_translation_job_resumes_it(tmp_path, served_data, servers, receiver):
    translator = FakeTranslator(block_at=2)
    with TestServer(translator) as backend:
        env = {"SUBLARR_TRANSLATION_OLLAMA_URL": backend.url,
               "SUBLARR_TRANSLATION_OLLAMA_MODEL": "test-model",
               "SUBLARR_TRANSLATION_BATCH_SIZE": "5",
               "SUBLARR_LIBRARY_ROOTS": f'["{tmp_path / "media"}"]'}
        source = _srt(tmp_path / "media" / "Show - S01E01.en.srt", 20)
        server = start(served_data, env)
        servers.append(server)
        api = Api(server)
        made = api.post("/translate", json={"path": str(source), "source_language": "en",
                                            "target_language": "de", "backend": "ollama"})
        assert made.status_code == 202, made.text
        job_id = made.json()["id"]
        assert translator.blocked.wait(60), server.output()  # two batches done, third waits
        assert api.get(f"/jobs/{job_id}").json()["status"] == "running"
        server.kill_hard()
        translator.release.set()
        translator.block_at = None

        again = start(served_data, env)
        servers.append(again)
        api = Api(again)
        job = wait_for(lambda: (j := api.get(f"/jobs/{job_id}").json())["status"] in (
            "completed", "failed") and j, what="job end")
        assert job["status"] == "completed", job
        target = source.with_name("Show - S01E01.de.srt")
        assert "LINE NUMBER 19" in target.read_text(encoding="utf-8")
        exercise_api(api, receiver.url, served_data / "hooks")
        assert again.terminate() == 0
    assert integrity(served_data) == {"sublarr.db": "ok", "webhook-journal.db": "ok"}


@pytest.mark.skipif(bool(missing_tools()), reason="needs espeak-ng and ffmpeg")
def test_kill_9_during_a_whisper_job_requeues_it(tmp_path, served_data, servers, receiver):
    asr = FakeAsr(gate=threading.Event())
    (tmp_path / "media").mkdir()
    video = make_speech_video(tmp_path / "media" / "Show - S01E02.mkv")
    with TestServer(asr) as whisper:
        env = {"SUBLARR_WHISPER_BACKEND": "remote", "SUBLARR_WHISPER_REMOTE_URL": whisper.url,
               "SUBLARR_LIBRARY_ROOTS": f'["{tmp_path / "media"}"]'}
        server = start(served_data, env)
        servers.append(server)
        api = Api(server)
        made = api.post("/whisper/transcribe", json={"media_path": str(video), "language": "en"})
        assert made.status_code in (200, 201, 202), made.text
        job_id = made.json()["id"]
        wait_for(lambda: asr.active == 1, what="transcription in flight")
        server.kill_hard()
        asr.gate.set()

        again = start(served_data, env)
        servers.append(again)
        api = Api(again)
        job = wait_for(lambda: (j := api.get(f"/whisper/jobs/{job_id}").json())["status"] in (
            "completed", "failed", "cancelled") and j, timeout=90, what="whisper job end")
        assert job["status"] == "completed", job
        assert job["attempts"] == 2
        assert video.with_name("Show - S01E02.en.srt").is_file()
        exercise_api(api, receiver.url, served_data / "hooks")
        assert again.terminate() == 0
    assert integrity(served_data) == {"sublarr.db": "ok", "webhook-journal.db": "ok"}


def test_kill_9_during_a_hook_run_stops_the_script_and_logs_the_run_failed(
        tmp_path, served_data, servers, receiver):
    hooks_dir = served_data / "hooks"
    hooks_dir.mkdir(parents=True)
    runs = tmp_path / "runs"
    script = hooks_dir / "slow.sh"
    # The first run sleeps long (the crash interrupts it); later runs end at once.
    script.write_text(f"#!/bin/sh\ncat >/dev/null\necho $$ >> {runs}\n"
                      f"[ \"$(wc -l < {runs})\" -gt 1 ] || sleep 120\n")
    script.chmod(0o755)
    server = start(served_data)
    servers.append(server)
    api = Api(server)
    assert api.post("/hooks", json={"name": "slow", "script_path": str(script),
                                    "event_name": "webhook_received"}).status_code == 201
    assert api.post("/webhook/sonarr", json={"eventType": "Test"}).status_code == 200
    wait_for(lambda: runs.exists(), what="hook start")
    orphan = int(runs.read_text().split()[0])
    server.kill_hard()  # the script runs in a session of its own: it survives the kill
    os.kill(orphan, 0)

    again = start(served_data)
    servers.append(again)
    api = Api(again)
    wait_for(lambda: _gone(orphan), timeout=30, what="the orphaned script stopped")
    interrupted = wait_for(lambda: [e for e in api.get("/hooks/logs").json()["logs"]
                                    if e["hook_type"] == "script"], timeout=30,
                           what="the interrupted run logged")
    assert [e["success"] for e in interrupted] == [False]
    assert "Interrupted" in interrupted[0]["error"]
    assert api.post("/webhook/sonarr", json={"eventType": "Test"}).status_code == 200
    def script_runs() -> list[dict]:
        return [e for e in api.get("/hooks/logs").json()["logs"] if e["hook_type"] == "script"]

    logs = wait_for(lambda: len(found := script_runs()) == 2 and found, timeout=30,
                    what="the next run logged")
    assert sorted(e["success"] for e in logs) == [False, True]
    assert not list((served_data / "hook-runs").glob("*.json"))
    exercise_api(api, receiver.url, hooks_dir)
    assert again.terminate() == 0
    assert integrity(served_data) == {"sublarr.db": "ok", "webhook-journal.db": "ok"}


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")
    except OSError:
        return True
