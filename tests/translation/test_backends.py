"""Backend protocols and failures, each against a local server speaking the real protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.translation.conftest import sha256_of

SRT = "1\n00:00:01,000 --> 00:00:02,000\nHello there\n\n"


@pytest.fixture
def srt(tmp_path: Path) -> Path:
    path = tmp_path / "Show - S01E01.en.srt"
    lines = []
    for n in range(1, 13):
        lines.append(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},500\nline number {n}\n")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _failed(tx, path: Path, backend: str) -> dict:
    before = sha256_of(path)
    job = tx.run(path, backend)
    assert job["status"] == "failed"
    assert sha256_of(path) == before
    assert not Path(job["output_path"]).exists()
    failed = tx.named("translation_failed")
    assert failed and failed[-1]["error"] == job["error"]
    assert failed[-1]["subtitle_path"] == str(path)
    return job


def test_ollama_request_is_non_streaming_chat_with_numbered_lines(tx, srt: Path):
    tx.run(srt, "ollama")
    request = tx.fake.server.requests[0]
    assert (request.method, request.path) == ("POST", "/api/chat")
    body = request.json()
    assert body["model"] == "test-model" and body["stream"] is False
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][1]["content"].splitlines() == [
        f"{n}: line number {n}" for n in range(1, 6)]


def test_openai_request_carries_bearer_key(tx, srt: Path):
    job = tx.run(srt, "openai")
    assert job["status"] == "completed"
    request = tx.fake.server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer good-key"


def test_libretranslate_sends_list_and_key(tx, srt: Path):
    tx.run(srt, "libretranslate")
    body = tx.fake.server.requests[0].json()
    assert body == {"q": [f"line number {n}" for n in range(1, 6)], "source": "en",
                    "target": "de", "format": "text", "api_key": "good-key"}


def test_deepl_sends_text_list_and_auth_header(tx, srt: Path):
    tx.run(srt, "deepl")
    request = tx.fake.server.requests[0]
    assert request.path == "/v2/translate"
    assert request.headers["Authorization"] == "DeepL-Auth-Key good-key"
    assert request.json()["target_lang"] == "DE" and request.json()["source_lang"] == "EN"
    assert len(request.json()["text"]) == 5


def test_batches_are_bounded_by_batch_size(tx, srt: Path):
    tx.configure(translation_batch_size=4)
    job = tx.run(srt, "ollama")
    assert job["status"] == "completed"
    assert [len(b) for b in tx.fake.batches] == [4, 4, 4]
    assert job["total_batches"] == job["done_batches"] == 3


def test_missing_ollama_model_fails_with_pull_hint(tx, srt: Path):
    tx.fake.model = "other-model"
    job = _failed(tx, srt, "ollama")
    assert "Ollama has no model 'test-model'" in job["error"]
    assert "ollama pull test-model" in job["error"]


@pytest.mark.parametrize("backend,expected", [
    ("openai", "refused the API key"),
    ("libretranslate", "LibreTranslate refused the API key"),
    ("deepl", "DeepL answered 403: wrong API key"),
])
def test_wrong_api_key_fails_clearly(tx, srt: Path, backend, expected):
    tx.fake.key = "the-right-key"
    job = _failed(tx, srt, backend)
    assert expected in job["error"]
    assert len(tx.fake.server.requests) == 1  # a wrong key is never retried


def test_deepl_quota_exceeded(tx, srt: Path):
    tx.fake.mode, tx.fake.status = "status", 456
    job = _failed(tx, srt, "deepl")
    assert "quota" in job["error"]


def test_html_answer_fails_with_url_hint(tx, srt: Path):
    tx.fake.mode = "html"
    job = _failed(tx, srt, "ollama")
    assert "HTML page instead of JSON" in job["error"]


def test_hanging_backend_times_out_after_retries(tx, srt: Path):
    tx.configure(translation_timeout_seconds=0.3, translation_retries=1)
    tx.fake.mode, tx.fake.hang_seconds = "hang", 2.0
    job = _failed(tx, srt, "openai")
    assert "did not answer within 0.3 s" in job["error"]
    assert len(tx.fake.server.requests) == 2  # first try + one retry


def test_server_errors_are_retried_then_reported(tx, srt: Path):
    tx.configure(translation_retries=2)
    tx.fake.mode, tx.fake.status = "status", 503
    job = _failed(tx, srt, "libretranslate")
    assert "answered 503" in job["error"]
    assert len(tx.fake.server.requests) == 3


def test_unreachable_backend(tx, srt: Path):
    tx.fake.server.stop()  # nothing listens on the configured port any more
    tx.configure(translation_retries=0)
    job = _failed(tx, srt, "deepl")
    assert "DeepL is unreachable at http://127.0.0.1:" in job["error"]


def test_fewer_lines_are_retried_in_halves_down_to_one(tx, srt: Path):
    tx.fake.mode = "fewer"  # drops the last line of any reply with more than one line
    job = tx.run(srt, "ollama")
    assert job["status"] == "completed", job["error"]
    sizes = [len(b) for b in tx.fake.batches]
    assert sizes[:3] == [5, 2, 1]
    assert max(sizes) <= 5 and 1 in sizes
    text = Path(job["output_path"]).read_text(encoding="utf-8")
    assert all(f"LINE NUMBER {n}" in text for n in range(1, 13))


def test_more_lines_than_sent_fails_the_job(tx, srt: Path):
    tx.fake.mode = "more"
    job = _failed(tx, srt, "deepl")
    assert "does not match the line sent even for a single line" in job["error"]


def test_glossary_goes_into_the_llm_prompt(tx, srt: Path):
    response = tx.client.put("/api/v1/translate/glossary/Sousou no Frieren", json={
        "entries": [{"source": "Demon King", "target": "Dämonenkönig"}]})
    assert response.status_code == 200
    assert tx.client.get("/api/v1/translate/glossary/sousou  NO frieren").json["entries"] == [
        {"source": "Demon King", "target": "Dämonenkönig"}]
    tx.run(srt, "ollama", series="Sousou no Frieren")
    system = tx.fake.server.requests[0].json()["messages"][0]["content"]
    assert "Demon King => Dämonenkönig" in system


def test_glossary_rejects_duplicate_terms(tx):
    response = tx.client.put("/api/v1/translate/glossary/X", json={
        "entries": [{"source": "a", "target": "b"}, {"source": "a", "target": "c"}]})
    assert response.status_code == 422


def test_rate_limits_are_retried_after_the_asked_delay(tx, srt: Path):
    from tests.support.http import Reply

    answers = iter([Reply(429, {"message": "Too many requests"}, {"Retry-After": "0.2"})])
    normal = tx.fake.__call__
    tx.fake.server.responder = lambda req: next(answers, None) or normal(req)
    job = tx.run(srt, "deepl")
    assert job["status"] == "completed", job["error"]
    assert [r.path for r in tx.fake.server.requests][:2] == ["/v2/translate"] * 2
