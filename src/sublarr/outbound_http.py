"""Rules for every HTTP call Sublarr makes to another service (Sonarr/Radarr, providers,
translation backends, remote whisper).

- Credentials stay on their origin: a redirect to another scheme/host/port loses the
  credential headers and key query parameters, and a request body (which may hold a
  key) is never re-sent there.
- Answers are read up to a size cap (and a deadline), so a broken or hostile server
  cannot exhaust memory.
- Secrets in URLs are redacted from messages and from urllib3's debug log.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:  # requests is imported with the first session (see OnDemandSession)
    import requests

CHUNK_BYTES = 64 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
# Header names that carry a credential in the services Sublarr talks to.
CREDENTIAL_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-emby-token",
    "x-mediabrowser-token", "x-plex-token", "cookie",
})
SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token", "password",
                           "auth_key"})
_SECRET_PARAM = re.compile(
    r"(?i)\b(api_key|apikey|key|token|access_token|password|auth_key)=[^&\s'\")]+")


def redact(text: str) -> str:
    """``text`` without credentials in URL query strings (requests and urllib3 put URLs
    in their messages)."""
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", text)


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port filled in for http/https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def same_origin(first: str, second: str) -> bool:
    return origin(first) == origin(second)


def without_secret_params(url: str) -> str:
    """``url`` with key/token query parameters removed."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def new_session(**headers: str) -> requests.Session:
    """A :class:`~sublarr.outbound_session.CredentialSafeSession` with ``headers``."""
    from sublarr.outbound_session import CredentialSafeSession

    session = CredentialSafeSession()
    session.headers.update(headers)
    return session


class OnDemandSession:
    """Stands for a requests session made on first use (by ``make``).

    A subsystem keeps one for its whole life, but most installs use only a
    few of them: requests and urllib3 (about 5 MiB) are imported when Sublarr
    first calls out, not at start.  Attributes are the session's; ``close``
    closes it only if it was made.
    """

    def __init__(self, make: Callable[[], requests.Session] = new_session) -> None:
        self._make = make
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def _made(self) -> requests.Session:
        session = self._session
        if session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._make()
                session = self._session
        return session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()


class ResponseLimitExceeded(Exception):
    """An answer grew beyond its size cap or took longer than its deadline."""


class ResponseTooLarge(ResponseLimitExceeded):
    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes")
        self.limit = limit


class ResponseTooSlow(ResponseLimitExceeded):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"answer took longer than {seconds:g}s")
        self.seconds = seconds


def read_capped(response: requests.Response, limit: int,
                deadline_seconds: float | None = None) -> bytes:
    """The body of a ``stream=True`` response, at most ``limit`` bytes.

    Raises :class:`ResponseTooLarge` as soon as more arrives (the rest is never
    read) and :class:`ResponseTooSlow` when a server trickles bytes beyond the
    deadline.  A ``Content-Length`` above the cap fails before reading.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(limit)
    started = time.monotonic()
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise ResponseTooLarge(limit)
        if deadline_seconds is not None and time.monotonic() - started > deadline_seconds:
            raise ResponseTooSlow(deadline_seconds)
    return bytes(body)


class RedactSecrets(logging.Filter):
    """Rewrites a log record's message so key/token query parameters read ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager",
                   "requests")


def install_log_redaction(names: tuple[str, ...] = URLLIB3_LOGGERS) -> None:
    """Attach :class:`RedactSecrets` to the HTTP libraries' loggers (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())

