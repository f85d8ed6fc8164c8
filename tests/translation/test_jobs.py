"""Job API, events, progress streams, bad input files and resuming after a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sublarr.app import create_app
from sublarr.services import services_of
from tests.conftest import TEST_ENV, ApiClient
from tests.translation.conftest import backend_settings, sha256_of


def _ass(path: Path, lines: int) -> Path:
    head = ("[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n"
            "Format: Name, Fontname, Fontsize\nStyle: Default,Arial,20\n\n[Events]\n"
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")
    body = "".join(f"Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,line {n} here\n"
                   for n in range(lines))
    path.write_text(head + body, encoding="utf-8")
    return path


def test_request_paths_are_validated(tx, tmp_path: Path):
    post = lambda path, **kw: tx.client.post("/api/v1/translate", json={  # noqa: E731
        "path": str(path), "source_language": "en", "target_language": "de", **kw})
    assert post(tmp_path / "missing.en.ass").status_code == 404
    folder = tmp_path / "folder.ass"
    folder.mkdir()
    assert post(folder).status_code == 422
    video = tmp_path / "movie.mkv"
    video.write_bytes(b"x")
    assert post(video).status_code == 422
    assert post("relative/path.ass").status_code == 422
    sub = _ass(tmp_path / "a.en.ass", 2)
    assert post(sub, target_language="en").status_code == 422  # same language
    german = _ass(tmp_path / "b.de.ass", 2)
    assert post(german).status_code == 422  # b.de.ass -> b.de.ass would overwrite it
    assert post(sub, backend="babelfish").status_code == 422
    assert post(sub, target_language="not a language").status_code == 422
    response = tx.client.post("/api/v1/translate", json={"path": str(sub)})
    assert response.status_code == 422 and response.json["error"]["code"] == "validation_error"
    assert tx.client.get("/api/v1/jobs").json["total"] == 0  # nothing half-created


@pytest.mark.parametrize("name,content,expected", [
    ("corrupt.en.ass", b"[Script Info]\nTitle: x\n\nthis is not really a subtitle\n",
     "corrupt ASS: no [Events] section"),
    ("fields.en.ass", b"[Events]\nFormat: Layer, Start, End, Style, Text\n"
                      b"Dialogue: 0,0:00:01.00\n", "corrupt ASS: line 3 has 2 fields"),
    ("empty.en.ass", b"", "the subtitle file is empty"),
    ("binary.en.ass", bytes(range(256)) * 40, "the file is binary"),
    ("garbage.en.srt", "ÿØÿà just text, no cues".encode("latin-1"), "the SRT file holds no subtitle events"),
])
def test_bad_files_fail_visibly_and_stay_unchanged(tx, tmp_path: Path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    before = sha256_of(path)
    job = tx.run(path)
    assert job["status"] == "failed"
    assert expected in job["error"]
    assert sha256_of(path) == before
    assert not Path(job["output_path"]).exists()
    assert [p["error"] for p in tx.named("translation_failed")] == [job["error"]]
    assert tx.fake.server.requests == []
    assert tx.client.get("/api/v1/jobs", query_string={"status": "failed"}).json["total"] == 1


def test_a_second_job_for_the_same_file_while_active_conflicts(tx, tmp_path: Path):
    tx.fake.block_at = 0
    sub = _ass(tmp_path / "a.en.ass", 3)
    first = tx.submit(sub)
    response = tx.client.post("/api/v1/translate", json={
        "path": str(sub), "source_language": "en", "target_language": "de"})
    assert response.status_code == 409
    assert response.json["error"]["details"] == {"job_id": first["id"]}
    assert tx.client.post(f"/api/v1/jobs/{first['id']}/retranslate").status_code == 409
    tx.fake.release.set()
    tx.wait(first["id"])


def test_batch_translates_many_and_reports_batch_complete(tx, app, api_key, tmp_path: Path):
    socket = tx.services.socketio.test_client(app, auth={"apikey": api_key})
    good = [_ass(tmp_path / f"ep{n}.en.ass", 3) for n in range(3)]
    broken = tmp_path / "broken.en.ass"
    broken.write_bytes(b"")
    response = tx.client.post("/api/v1/translate/batch", json={
        "paths": [str(p) for p in [*good, broken]], "source_language": "en",
        "target_language": "de", "backend": "libretranslate"})
    assert response.status_code == 202
    batch = response.json
    jobs = [tx.wait(job["id"]) for job in batch["jobs"]]
    assert [j["status"] for j in jobs] == ["completed"] * 3 + ["failed"]
    deadline = time.monotonic() + 10
    while not tx.named("batch_complete") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tx.named("batch_complete") == [{
        "batch_type": "translation", "total": 4, "succeeded": 3, "failed": 1,
        "duration_ms": tx.named("batch_complete")[0]["duration_ms"]}]
    listing = tx.client.get("/api/v1/jobs", query_string={"limit": 2}).json
    assert listing["total"] == 4 and len(listing["items"]) == 2
    progress = [m["args"][0] for m in socket.get_received() if m["name"] == "batch_progress"]
    assert progress[-1] == {"batch_id": batch["batch_id"], "total": 4, "done": 4,
                            "succeeded": 3, "failed": 1, "percent": 100.0}
    socket.disconnect()


def test_batch_with_a_bad_path_queues_nothing(tx, tmp_path: Path):
    good = _ass(tmp_path / "ep.en.ass", 2)
    response = tx.client.post("/api/v1/translate/batch", json={
        "paths": [str(good), str(tmp_path / "gone.ass")], "source_language": "en",
        "target_language": "de"})
    assert response.status_code == 422
    assert response.json["error"]["details"] == [
        {"path": str(tmp_path / "gone.ass"), "error": "no such file"}]
    assert tx.client.get("/api/v1/jobs").json["total"] == 0


def test_retranslate_makes_a_new_job_and_streams_its_progress(tx, app, api_key, tmp_path):
    socket = tx.services.socketio.test_client(app, auth={"apikey": api_key})
    sub = _ass(tmp_path / "a.en.ass", 7)
    first = tx.run(sub)
    tx.fake.translate = lambda text: "NEU " + text
    response = tx.client.post(f"/api/v1/jobs/{first['id']}/retranslate")
    assert response.status_code == 202
    again = tx.wait(response.json["id"])
    assert again["status"] == "completed" and again["retranslation_of"] == first["id"]
    assert "NEU line 6 here" in Path(again["output_path"]).read_text(encoding="utf-8")
    received = socket.get_received()
    names = {message["name"] for message in received}
    assert {"job_update", "retranslation_progress", "translation_complete"} <= names
    progress = [m["args"][0] for m in received if m["name"] == "retranslation_progress"]
    assert progress[-1]["done_batches"] == progress[-1]["total_batches"] == 2
    assert tx.client.post("/api/v1/jobs/999/retranslate").status_code == 404
    assert tx.client.get("/api/v1/jobs/999").status_code == 404
    socket.disconnect()


def test_interrupted_job_resumes_from_its_last_finished_batch(fake, data_dir, tmp_path):
    sub = _ass(tmp_path / "Long.en.ass", 20)  # 4 batches of 5
    settings = {"data_dir": data_dir, "library_roots": [str(tmp_path)],
                **backend_settings(fake.url)}
    first_app = create_app(settings, environ=TEST_ENV, testing=True)
    first = services_of(first_app)
    first.settings.update({"translation_batch_size": 5, "translation_retry_backoff_seconds": 5})
    fake.block_at = 2  # the third batch hangs until we "kill" the server
    client = ApiClient(first_app, first.api_key)
    job = client.post("/api/v1/translate", json={
        "path": str(sub), "source_language": "en", "target_language": "de"}).json
    assert fake.blocked.wait(30)
    fake.release.set()  # the backend dies (503) while the app shuts down
    first.shutdown()
    assert [len(b) for b in fake.batches] == [5, 5]
    translated_before = {line for batch in fake.batches for line in batch}

    fake.block_at, fake.batches = None, []
    second_app = create_app(settings, environ=TEST_ENV, testing=True)
    second = services_of(second_app)
    try:
        client = ApiClient(second_app, second.api_key)
        deadline = time.monotonic() + 30
        while client.get(f"/api/v1/jobs/{job['id']}").json["status"] != "completed":
            assert time.monotonic() < deadline, "the job did not resume"
            time.sleep(0.02)
        resent = {line for batch in fake.batches for line in batch}
        assert [len(b) for b in fake.batches] == [5, 5]
        assert not resent & translated_before
        text = Path(job["output_path"]).read_text(encoding="utf-8")
        assert all(f"LINE {n} HERE" in text for n in range(20))
    finally:
        second.shutdown()


def _status_mb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    raise KeyError(key)


def _reset_peak_rss_mb() -> int | None:
    """Reset the kernel's peak-RSS mark (Linux); None where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return _status_mb("VmRSS")
    except OSError:
        return None


@pytest.mark.slow
def test_200000_line_file_streams_in_bounded_batches(tx, tmp_path: Path):
    sub = _ass(tmp_path / "Huge.en.ass", 200_000)
    before = sha256_of(sub)
    tx.configure(translation_batch_size=500)
    baseline = _reset_peak_rss_mb()
    job = tx.wait(tx.submit(sub, "deepl")["id"], timeout=300)
    assert job["status"] == "completed", job["error"]
    if baseline is not None:  # loading the whole file with pysubs2 alone adds ~140 MB
        assert _status_mb("VmHWM") - baseline < 100
    assert job["total_lines"] == 200_000 and job["total_batches"] == 400
    assert max(len(r.body) for r in tx.fake.server.requests) < 64 * 1024
    assert sha256_of(sub) == before
    with Path(job["output_path"]).open(encoding="utf-8") as out:
        tail = out.readlines()[-1]
    assert tail.endswith("LINE 199999 HERE\n")


@pytest.mark.postgres
def test_jobs_and_glossary_work_on_postgresql(fake, data_dir, pg_url, tmp_path):
    app = create_app({"data_dir": data_dir, "database_url": pg_url,
                      "library_roots": [str(tmp_path)], **backend_settings(fake.url)},
                     environ=TEST_ENV, testing=True)
    services = services_of(app)
    try:
        client = ApiClient(app, services.api_key)
        assert client.put("/api/v1/translate/glossary/Frieren", json={
            "entries": [{"source": "Mimic", "target": "Mimik"}]}).status_code == 200
        subs = [_ass(tmp_path / f"ep{n}.en.ass", 3) for n in range(2)]
        batch = client.post("/api/v1/translate/batch", json={
            "paths": [str(p) for p in subs], "source_language": "en",
            "target_language": "de", "series": "Frieren"}).json
        deadline = time.monotonic() + 30
        for job in batch["jobs"]:
            while client.get(f"/api/v1/jobs/{job['id']}").json["status"] != "completed":
                assert time.monotonic() < deadline
                time.sleep(0.02)
        assert "Mimic => Mimik" in fake.server.requests[0].json()["messages"][0]["content"]
    finally:
        services.shutdown()


def test_stored_batches_are_dropped_when_the_source_changed(services, tmp_path):
    from sublarr.translation.jobs_repo import JobSpec, JobsRepository

    jobs = JobsRepository(services.db)
    job = jobs.create([JobSpec(str(tmp_path / "a.en.ass"), str(tmp_path / "a.de.ass"), "en",
                               "de", "ollama", None, 5)], grouped=False)[0]
    assert jobs.start(job["id"], "sha-one", 10, 2) == set()
    jobs.store_batch(job["id"], 0, ["x"] * 5)
    assert jobs.start(job["id"], "sha-one", 10, 2) == {0}  # resumed: batch 0 is kept
    assert jobs.start(job["id"], "sha-two", 10, 2) == set()  # edited file: start over
    assert jobs.get(job["id"])["done_batches"] == 0


def test_other_subsystems_queue_jobs_through_the_worker(tx, tmp_path: Path):
    from sublarr.translation.lifecycle import worker_of

    sub = _ass(tmp_path / "Auto.en.ass", 2)
    views = worker_of(tx.services).enqueue([sub], "en", "de", backend="deepl")
    assert views[0]["batch_id"] is None and views[0]["output_path"] == str(
        tmp_path / "Auto.de.ass")
    assert tx.wait(views[0]["id"])["status"] == "completed"
