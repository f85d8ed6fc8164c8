"""JSON over HTTP for the backends: timeouts, retries with back-off, readable errors."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sublarr.outbound_http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ResponseTooLarge,
    new_session,
    read_capped,
)
from sublarr.retry import backoff_seconds, parse_retry_after
from sublarr.translation.errors import BackendError, JobInterrupted

if TYPE_CHECKING:  # requests is imported with the session, on the first call out
    import requests

ErrorMapper = Callable[[int, Any], "BackendError | None"]
MAX_BACKOFF_SECONDS = 60.0
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    backoff_seconds: float

    def delay(self, attempt: int, asked: float | None = None) -> float:
        """Wait before retry number ``attempt`` (0-based): doubling, at least what the
        server asked for, capped."""
        ladder = backoff_seconds(attempt + 1, self.backoff_seconds, MAX_BACKOFF_SECONDS)
        return min(MAX_BACKOFF_SECONDS, max(ladder, asked or 0.0))


@dataclass(frozen=True)
class Answer:
    """A backend's answer, read whole (and no larger than the cap)."""

    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes
    encoding: str | None


class JsonClient:
    """Posts JSON to one backend; every failure becomes a :class:`BackendError`.

    Answers larger than ``max_response_bytes`` fail without being read further.
    """

    def __init__(self, label: str, timeout: float, policy: RetryPolicy,
                 stop: threading.Event | None = None,
                 session: requests.Session | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self.label = label
        self.timeout = timeout
        self.policy = policy
        self.stop = stop or threading.Event()
        self.session = session or new_session()
        self.max_response_bytes = max_response_bytes

    def post(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
             map_error: ErrorMapper | None = None) -> Any:
        attempt = 0
        while True:
            try:
                return self._post_once(url, body, headers or {}, map_error)
            except BackendError as exc:
                if not exc.retryable or attempt >= self.policy.retries:
                    raise
                if self.stop.wait(self.policy.delay(attempt, exc.retry_after)):
                    raise JobInterrupted() from exc
                attempt += 1
            if self.stop.is_set():
                raise JobInterrupted()

    def _post_once(self, url: str, body: dict[str, Any], headers: dict[str, str],
                   map_error: ErrorMapper | None) -> Any:
        import requests  # loaded with the session, when a job first calls out

        try:
            with self.session.post(url, json=body, headers=headers, stream=True,
                                   timeout=(min(self.timeout, 30.0), self.timeout)) as response:
                answer = Answer(response.status_code, response.headers,
                                read_capped(response, self.max_response_bytes),
                                response.encoding)
        except ResponseTooLarge as exc:
            raise BackendError(f"{self.label} answered more than {exc.limit} bytes at {url}; "
                               "refusing to read it") from None
        except requests.Timeout as exc:
            raise BackendError(f"{self.label} did not answer within {self.timeout:g} s",
                               retryable=True) from exc
        except requests.ConnectionError as exc:
            raise BackendError(f"{self.label} is unreachable at {url} ({_reason(exc)})",
                               retryable=True) from exc
        except requests.RequestException as exc:
            raise BackendError(f"{self.label} request failed: {exc}") from exc
        return self._decode(url, answer, map_error)

    def _decode(self, url: str, response: Answer, map_error: ErrorMapper | None) -> Any:
        status = response.status
        html = _looks_like_html(response)
        payload = None if html else _json_or_text(response)
        if status >= 400:
            mapped = map_error(status, payload) if map_error and not html else None
            if mapped is not None:
                raise mapped
            retryable = status == 429 or status >= 500
            detail = "an HTML page" if html else _excerpt(payload)
            raise BackendError(f"{self.label} answered {status} at {url}: {detail}",
                               retryable=retryable,
                               retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if html:
            raise BackendError(f"{self.label} answered an HTML page instead of JSON at {url}; "
                               "check the configured URL")
        if isinstance(payload, str):
            raise BackendError(f"{self.label} answered something that is not JSON at {url}: "
                               f"{_excerpt(payload)}")
        return payload


def _looks_like_html(response: Answer) -> bool:
    if "html" in response.headers.get("Content-Type", "").lower():
        return True
    return response.body[:200].lstrip().lower().startswith((b"<!doctype", b"<html"))


def _json_or_text(response: Answer) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return response.body.decode(response.encoding or "utf-8", errors="replace")


def _excerpt(payload: Any) -> str:
    if isinstance(payload, dict):
        message = error_message(payload)
        if message:
            return message[:EXCERPT_CHARS]
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return text.strip()[:EXCERPT_CHARS] or "(empty body)"


def error_message(payload: Any) -> str:
    """The message in ``{"error": "..."}``, ``{"error": {"message": ...}}`` or ``{"message": ...}``."""
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    if isinstance(error, str):
        return error
    message = payload.get("message")
    return message if isinstance(message, str) else ""


def _reason(exc: Exception) -> str:
    text = str(exc)
    for hint in ("Connection refused", "Name or service not known", "No route to host",
                 "Connection reset", "Remote end closed"):
        if hint in text:
            return hint.lower()
    return type(exc).__name__
