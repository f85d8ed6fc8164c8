"""Apprise at the edge: is a URL one apprise accepts, and send one notification.

apprise is imported on first use only (it loads some 200 plugins: memory an
idle Sublarr without notification channels should not pay).  Its reasons
come from its log records, caught per thread (several sender threads send at
once) and scrubbed of the URL and its parts: an apprise URL holds tokens and
passwords, so neither the API, the run log nor our log ever quotes it.
apprise's own records never reach our log for the same reason.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

MAX_URL_LENGTH = 2048
ERROR_LIMIT = 500
MAX_LINES = 20
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]{0,31}://")
_TIMEOUT_PARAMS = re.compile(r"(?<=[?&])(cto|rto)=[^&]*&?")
_HIDDEN = "***"


class ChannelUrlError(ValueError):
    """An apprise URL that cannot be used; the message never quotes the URL."""


@dataclass(frozen=True)
class Sent:
    """What one apprise notify produced."""

    delivered: bool
    error: str | None
    duration_ms: int
    started_at: datetime


class _PerThreadCapture(logging.Handler):
    """Keeps the WARNING+ messages of the threads that asked for them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        lines = getattr(self._local, "lines", None)
        if lines is not None and len(lines) < MAX_LINES:
            try:
                lines.append(record.getMessage())
            except Exception:  # noqa: BLE001 - a bad format string must not break a send
                lines.append(str(record.msg))

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        self._local.lines = []
        try:
            yield self._local.lines
        finally:
            self._local.lines = None


@functools.lru_cache(maxsize=1)
def _apprise() -> tuple[Any, _PerThreadCapture, bool]:
    """(the apprise module, its log capture, whether notify() takes a timeout)."""
    import apprise  # noqa: PLC0415 - lazy on purpose (idle memory)

    logger = logging.getLogger("apprise")
    capture = _PerThreadCapture()
    logger.addHandler(capture)
    logger.propagate = False  # its records may quote a URL with its token
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    takes_timeout = "timeout" in inspect.signature(apprise.Apprise.notify).parameters
    return apprise, capture, takes_timeout


def _secrets_of(url: str) -> list[str]:
    """The URL and its parts that may be credentials (longest first)."""
    parts = [url]
    try:
        split = urlsplit(url)
        pieces = [split.netloc, split.username, split.password, split.path, split.query,
                  *split.path.split("/"), *re.split(r"[&=]", split.query)]
    except ValueError:
        pieces = []
    for piece in pieces:
        if piece and len(piece) >= 4:
            parts += [piece, unquote(piece)]
    return sorted(set(parts), key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` without the URL or any credential-like part of it."""
    for secret in _secrets_of(url):
        text = text.replace(secret, _HIDDEN)
    return text


def _reason(lines: list[str], url: str, fallback: str) -> str:
    text = " ".join(line.strip() for line in lines if line.strip()) or fallback
    return scrub(text, url)[:ERROR_LIMIT]


def _call_logs(outcome: Any) -> list[str]:
    """The WARNING+ messages apprise kept with a call's result (apprise 2: its services may
    run in its own threads, out of reach of the per-thread capture)."""
    logs = getattr(outcome, "logs", None)
    if not callable(logs):
        return []
    try:
        return [str(e.message) for e in logs()
                if str(getattr(e, "level", "")).upper() in ("WARNING", "ERROR", "CRITICAL")]
    except Exception:  # noqa: BLE001 - reasons are best effort
        return []


def check_url(url: str) -> None:
    """:class:`ChannelUrlError` (with apprise's reason) unless apprise accepts ``url``."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise ChannelUrlError(f"url must be an apprise URL of 1 to {MAX_URL_LENGTH} characters")
    if any(ord(c) < 33 or c == "\x7f" for c in url):
        raise ChannelUrlError("url must not contain spaces or control characters")
    if not _SCHEME.match(url):
        raise ChannelUrlError("url must be an apprise URL such as ntfy://topic or "
                              "discord://webhook_id/token")
    apprise, capture, _ = _apprise()
    with capture.capture() as lines:
        try:
            plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        except Exception as exc:  # noqa: BLE001 - apprise's own parser failed on it
            lines.append(f"{type(exc).__name__}: {exc}")
            plugin = None
    if plugin is None:
        raise ChannelUrlError("apprise refused the url: "
                              + _reason(lines, url, "unsupported or malformed URL"))


def with_timeouts(url: str, timeout: float) -> str:
    """The URL with apprise's connect (``cto``) and read (``rto``) timeouts set to ours."""
    stripped = _TIMEOUT_PARAMS.sub("", url).rstrip("&?")
    joiner = "&" if "?" in stripped else "?"
    return f"{stripped}{joiner}cto={timeout:g}&rto={timeout:g}"


def send(url: str, title: str, body: str, timeout: float) -> Sent:
    """Notify once (no retry: the outbox retries); never raises."""
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    try:
        apprise, capture, takes_timeout = _apprise()
    except Exception as exc:  # noqa: BLE001 - e.g. apprise not installed
        return Sent(False, f"apprise unavailable: {type(exc).__name__}", 0, started_at)
    with capture.capture() as lines:
        try:
            sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
            if not sender.add(with_timeouts(url, timeout)):
                lines.insert(0, "apprise refused the url:")
                delivered = False
            else:
                extra = {"timeout": timeout * 2} if takes_timeout else {}
                outcome = sender.notify(body=body or title or "-", title=title, **extra)
                delivered = bool(outcome)
                lines.extend(_call_logs(outcome))
        except Exception as exc:  # noqa: BLE001 - a plugin bug is this attempt's failure
            lines.append(f"{type(exc).__name__}: {exc}")
            delivered = False
    duration = max(int((time.perf_counter() - started) * 1000), 0)
    error = None if delivered else _reason(lines, url, "apprise could not send the "
                                                       "notification")
    return Sent(delivered, error, duration, started_at)
