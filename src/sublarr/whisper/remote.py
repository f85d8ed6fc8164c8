"""The remote backend: whisper-asr-webservice or subgen over HTTP (``/asr``)."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit, urlunsplit
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from sublarr.outbound_http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ResponseTooLarge,
    new_session,
    read_capped,
)
from sublarr.whisper.errors import JobStopped, NoSpeechError, RemoteServiceError
from sublarr.whisper.process import POLL_SECONDS, ShouldStop
from sublarr.whisper.settings import WhisperSettings
from sublarr.whisper.srt import Transcript

if TYPE_CHECKING:  # requests is imported with the session, on the first call out
    import requests

BACKEND_NAME = "whisper-asr"
CONNECT_TIMEOUT_SECONDS = 10
DETECT_TIMEOUT_SECONDS = 300
USER_AGENT = "Sublarr-Whisper/1.0"


def asr_params(language: str | None) -> dict[str, str]:
    """Query of ``POST /asr`` (the protocol of whisper-asr-webservice and subgen)."""
    params = {"task": "transcribe", "output": "srt", "encode": "true"}
    if language:
        params["language"] = language
    return params


def count_cues(srt_text: str) -> int:
    """How many cues ``srt_text`` holds: 0 for an empty answer (no speech).

    Raises :class:`RemoteServiceError` when the text is not SRT at all (an
    HTML error page from a proxy, JSON…).
    """
    if not srt_text.strip():
        return 0
    import pysubs2  # loaded with the first transcription, not at start

    try:
        cues = len(pysubs2.SSAFile.from_string(srt_text, format_="srt"))
    except Exception:  # noqa: BLE001 - pysubs2 raises several types for bad input
        cues = 0
    if cues == 0:
        excerpt = " ".join(srt_text.split())[:120]
        raise RemoteServiceError(
            f"the remote ASR service answered with something that is not SRT: {excerpt!r}")
    return cues


def display_url(url: str) -> str:
    """``url`` without user and password, fit for errors and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class _Call:
    response: requests.Response | None = None
    body: bytes = b""
    error: BaseException | None = None


class RemoteBackend:
    """Uploads the extracted WAV and takes the SRT the service returns."""

    name = BACKEND_NAME

    def __init__(self, settings: WhisperSettings,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._max_response_bytes = max_response_bytes
        self._base = settings.whisper_remote_url.rstrip("/")
        self._shown = display_url(self._base)
        self._read_timeout = settings.whisper_remote_timeout_seconds

    def transcribe(self, wav: Path, language: str | None, should_stop: ShouldStop,
                   on_fraction: Callable[[float], None]) -> Transcript:
        """The SRT for ``wav``; raises :class:`RemoteServiceError`, ``NoSpeechError``, ``JobStopped``."""
        if not self._base:
            raise RemoteServiceError("whisper_backend is 'remote' but whisper_remote_url is empty")
        if language is None:
            language = self._detect_language(wav, should_stop)
        body = self._post(wav, "/asr", asr_params(language), self._read_timeout, should_stop)
        srt_text = body.decode("utf-8-sig", errors="replace")
        if count_cues(srt_text) == 0:
            raise NoSpeechError("the remote ASR service recognised no speech in the audio")
        on_fraction(1.0)
        return Transcript(language=language, srt_text=srt_text)

    def _detect_language(self, wav: Path, should_stop: ShouldStop) -> str | None:
        """The service's guess, or ``None`` when it cannot tell (older servers lack the route)."""
        try:
            body = self._post(wav, "/detect-language", {"encode": "true"},
                              DETECT_TIMEOUT_SECONDS, should_stop)
            code = json.loads(body).get("language_code")
        except (RemoteServiceError, ValueError, AttributeError):
            return None
        return code if isinstance(code, str) and code else None

    def _post(self, wav: Path, route: str, params: dict[str, str], read_timeout: float,
              should_stop: ShouldStop) -> bytes:
        """POST the WAV in a helper thread so a cancel need not wait for the server; the
        answer's body (read up to the size cap)."""
        call = _Call()
        url = self._base + route

        def send() -> None:
            try:
                with wav.open("rb") as audio, new_session() as session:
                    with session.post(
                            url, params=params, timeout=(CONNECT_TIMEOUT_SECONDS, read_timeout),
                            files={"audio_file": (wav.name, audio, "audio/wav")}, stream=True,
                            headers={"User-Agent": USER_AGENT, "Accept": "text/plain, */*"}
                    ) as response:
                        call.response = response
                        call.body = read_capped(response, self._max_response_bytes)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                call.error = exc

        worker = threading.Thread(target=send, name="whisper-remote-call", daemon=True)
        worker.start()
        while worker.is_alive():
            if should_stop():
                raise JobStopped()  # the abandoned request ends with its timeout
            worker.join(POLL_SECONDS)
        return self._checked(url, call)

    def _checked(self, url: str, call: _Call) -> bytes:
        import requests  # loaded with the session in the call

        if isinstance(call.error, requests.ConnectionError):
            raise RemoteServiceError(f"the remote ASR service at {self._shown} is unreachable")
        if isinstance(call.error, requests.Timeout):
            raise RemoteServiceError(f"the remote ASR service at {self._shown} timed out")
        if isinstance(call.error, ResponseTooLarge):
            raise RemoteServiceError(f"the remote ASR service at {self._shown} answered more "
                                     f"than {call.error.limit} bytes; refusing to read it")
        if call.error is not None:
            raise RemoteServiceError(f"the call to {display_url(url)} failed: "
                                     f"{type(call.error).__name__}")
        response = call.response
        assert response is not None
        if response.status_code >= 400:
            raise RemoteServiceError(
                f"the remote ASR service answered HTTP {response.status_code}: "
                f"{_excerpt(response, call.body)}")
        return call.body


def _excerpt(response: requests.Response, body: bytes) -> Any:
    text = body.decode(response.encoding or "utf-8", errors="replace").strip()
    return text.replace("\n", " ")[:200] or response.reason or "no body"
