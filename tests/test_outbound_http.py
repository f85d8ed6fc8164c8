"""The outbound HTTP rules as units: origins, redaction, capped reads, the safe session."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests

from sublarr.outbound_http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    RedactSecrets,
    ResponseTooLarge,
    new_session,
    read_capped,
    redact,
    same_origin,
    without_secret_params,
)
from sublarr.outbound_session import CrossOriginRedirect
from sublarr.whisper.errors import RemoteServiceError
from sublarr.whisper.remote import RemoteBackend
from sublarr.whisper.settings import WhisperSettings
from tests.support.http import Recorded, Reply, TestServer


@pytest.mark.parametrize(("first", "second", "same"), [
    ("http://a:80/x", "http://a/y", True),
    ("https://A/x", "https://a:443/", True),
    ("http://a/x", "https://a/x", False),
    ("http://a:1/x", "http://a:2/x", False),
    ("http://a/x", "http://b/x", False),
])
def test_same_origin(first: str, second: str, same: bool):
    assert same_origin(first, second) is same


def test_secret_params_are_removed_and_redacted():
    url = "http://h/p?api_key=s1&film_name=x&token=s2&KEY=s3"
    assert without_secret_params(url) == "http://h/p?film_name=x"
    assert redact(f"GET {url}") == "GET http://h/p?api_key=***&film_name=x&token=***&KEY=***"


def test_log_filter_rewrites_the_formatted_message():
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1,
                               '%s://%s:%s "%s %s %s" %s %s', ("http", "h", 80, "GET",
                               "/api?api_key=secret", "HTTP/1.1", 200, 5), None)
    assert RedactSecrets().filter(record)
    assert "secret" not in record.getMessage() and "api_key=***" in record.getMessage()


def test_read_capped_refuses_a_declared_length_over_the_cap():
    with TestServer(lambda _req: Reply(200, b"x" * 101)) as server, \
            requests.get(server.url, stream=True, timeout=5) as response:
        with pytest.raises(ResponseTooLarge):
            read_capped(response, 100)
    with TestServer(lambda _req: Reply(200, b"x" * 100)) as server, \
            requests.get(server.url, stream=True, timeout=5) as response:
        assert read_capped(response, 100) == b"x" * 100


def test_safe_session_keeps_credentials_on_the_same_origin():
    def answer(req: Recorded) -> Reply:
        if req.path == "/a":
            return Reply(302, b"", {"Location": "/b?api_key=k"})
        return Reply(200, {"key": req.headers.get("X-Api-Key"), "query": req.query})

    with TestServer(answer) as server, new_session() as session:
        reply = session.get(server.url + "/a", headers={"X-Api-Key": "k"}, timeout=5).json()
    assert reply == {"key": "k", "query": {"api_key": ["k"]}}


def test_safe_session_refuses_to_resend_a_body_elsewhere():
    with TestServer() as elsewhere, TestServer(
            lambda _req: Reply(308, b"", {"Location": elsewhere.url})) as server, \
            new_session() as session:
        with pytest.raises(CrossOriginRedirect):
            session.post(server.url, json={"api_key": "k"}, timeout=5)
    assert elsewhere.requests == []


def test_huge_remote_whisper_answer_is_a_clear_failure(tmp_path: Path):
    wav = tmp_path / "audio.wav"
    wav.write_bytes(b"RIFF" + b"\0" * 100)
    huge = b"1\n00:00:00,000 --> 00:00:01,000\n" + b"x" * DEFAULT_MAX_RESPONSE_BYTES
    with TestServer(lambda _req: Reply(200, huge, {"Content-Type": "text/plain"})) as asr:
        backend = RemoteBackend(WhisperSettings(whisper_backend="remote",
                                                whisper_remote_url=asr.url))
        with pytest.raises(RemoteServiceError) as caught:
            backend.transcribe(wav, "en", lambda: False, lambda _f: None)
    assert str(caught.value) == (f"the remote ASR service at {asr.url} answered more than "
                                 f"{DEFAULT_MAX_RESPONSE_BYTES} bytes; refusing to read it")


def test_remote_whisper_credentials_do_not_follow_a_redirect_elsewhere(tmp_path: Path):
    wav = tmp_path / "audio.wav"
    wav.write_bytes(b"RIFF" + b"\0" * 100)
    with TestServer(lambda _req: Reply(200, "")) as elsewhere, TestServer(
            lambda req: Reply(302, b"", {"Location": elsewhere.url + "/asr"})) as asr:
        url = asr.url.replace("http://", "http://user:pw@")
        backend = RemoteBackend(WhisperSettings(whisper_backend="remote", whisper_remote_url=url))
        with pytest.raises(Exception):  # noqa: B017 - the empty answer means no speech
            backend.transcribe(wav, "en", lambda: False, lambda _f: None)
        assert "Authorization" in asr.requests[0].headers
        (req,) = elsewhere.wait_for(1)
    assert "Authorization" not in req.headers
