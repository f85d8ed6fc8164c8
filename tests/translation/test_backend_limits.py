"""Backends cannot pull keys elsewhere (redirects) or memory (huge answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.outbound_http import DEFAULT_MAX_RESPONSE_BYTES
from sublarr.translation.errors import BackendError
from sublarr.translation.http import JsonClient, RetryPolicy
from tests.support.http import RawServer, Recorded, Reply, TestServer
from tests.translation.conftest import backend_settings, sha256_of

HUGE = b'{"translatedText": ["' + b"x" * (DEFAULT_MAX_RESPONSE_BYTES + 1) + b'"]}'


@pytest.fixture
def elsewhere() -> Iterator[TestServer]:
    with TestServer() as server:
        yield server


@pytest.fixture
def backend(elsewhere: TestServer) -> Iterator[TestServer]:
    """A backend that redirects /redirect-302… and /redirect-307… elsewhere and answers
    a body larger than the cap on /huge…."""

    def answer(req: Recorded) -> Reply:
        if req.path.startswith("/redirect-302"):
            return Reply(302, b"", {"Location": elsewhere.url + req.path})
        if req.path.startswith("/redirect-307"):
            return Reply(307, b"", {"Location": elsewhere.url + req.path})
        if req.path.startswith("/huge"):
            return Reply(200, HUGE, {"Content-Type": "application/json"})
        return Reply(404, {"error": "not found"})

    with TestServer(answer) as server:
        yield server


@pytest.fixture
def app_settings(backend: TestServer) -> dict[str, Any]:
    return {**backend_settings(backend.url),
            "translation_libretranslate_url": backend.url + "/redirect-307",
            "translation_openai_url": backend.url + "/redirect-302",
            "translation_deepl_url": backend.url + "/huge"}


@pytest.fixture
def srt(tmp_path: Path) -> Path:
    path = tmp_path / "Show - S01E01.en.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n\n", encoding="utf-8")
    return path


def _failed(tx, path: Path, backend: str) -> dict:  # noqa: ANN001
    before = sha256_of(path)
    job = tx.run(path, backend)
    assert job["status"] == "failed", job
    assert sha256_of(path) == before and not Path(job["output_path"]).exists()
    return job


def test_backend_request_body_is_not_resent_to_another_origin(tx, srt, backend, elsewhere):  # noqa: ANN001
    """A 307 repeats the POST — LibreTranslate's api_key in the body — at the new URL."""
    job = _failed(tx, srt, "libretranslate")
    assert backend.requests[0].json()["api_key"] == "good-key"
    assert elsewhere.requests == []
    assert "another origin" in job["error"]


def test_backend_bearer_key_does_not_follow_a_redirect_to_another_origin(
        tx, srt, elsewhere):  # noqa: ANN001
    _failed(tx, srt, "openai")
    (req,) = elsewhere.wait_for(1)
    assert req.path == "/redirect-302/v1/chat/completions"
    assert "Authorization" not in req.headers and "good-key" not in repr(req.headers)


def test_huge_backend_answer_fails_the_job_with_a_clear_error(tx, srt, backend):  # noqa: ANN001
    job = _failed(tx, srt, "deepl")
    assert job["error"] == (f"DeepL answered more than {DEFAULT_MAX_RESPONSE_BYTES} bytes at "
                            f"{backend.url}/huge/v2/translate; refusing to read it")


def test_huge_chunked_answer_is_not_read_past_the_cap():
    """Without a Content-Length the client stops reading right after the cap."""
    sent: list[int] = []

    def endless(handler) -> None:  # noqa: ANN001
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(4 * DEFAULT_MAX_RESPONSE_BYTES // len(chunk)):  # bounded: 64 MiB
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent.append(len(chunk))
        except OSError:
            pass

    with RawServer(endless) as server:
        client = JsonClient("LibreTranslate", 10, RetryPolicy(0, 0))
        with pytest.raises(BackendError, match="answered more than"):
            client.post(server.url + "/translate", {"q": ["a"]})
    assert sum(sent) < 2 * DEFAULT_MAX_RESPONSE_BYTES
