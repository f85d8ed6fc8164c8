"""HTTP for providers: pacing, timeouts, bounded bodies and status codes mapped to typed errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sublarr.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from sublarr.outbound_http import (
    OnDemandSession,
    ResponseTooLarge,
    ResponseTooSlow,
    read_capped,
    redact,
)
from sublarr.providers.health import ProviderHealth
from sublarr.retry import parse_retry_after

if TYPE_CHECKING:  # requests is imported with the session, on the first call out
    import requests


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self, provider: str) -> Any:
        """The body as JSON, or :class:`ProviderBadResponse` (an HTML error page, say)."""
        kind = self.headers.get("content-type", "")
        if "html" in kind.lower() or self.body.lstrip()[:1] == b"<":
            raise ProviderBadResponse(f"{provider}: HTML instead of JSON (HTTP {self.status})",
                                      status_code=self.status)
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProviderBadResponse(f"{provider}: malformed JSON: {exc}",
                                      status_code=self.status) from exc


class ProviderHttp:
    """One provider's HTTP access: waits for its rate-limit slot, enforces timeout and size."""

    def __init__(self, name: str, health: ProviderHealth, settings: Callable[[], Any],
                 session: requests.Session | None = None) -> None:
        self.name = name
        self.health = health
        self._settings = settings
        self._session = session or OnDemandSession()

    def close(self) -> None:
        self._session.close()

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,),
                **kwargs: Any) -> HttpReply:
        """Send one request; statuses outside ``ok`` raise a typed :class:`ProviderError`."""
        settings = self._settings()
        wait = self.health.reserve_slot()
        if wait > settings.provider_timeout_seconds:
            raise ProviderRateLimited(f"{self.name}: local rate limit, next slot in {wait:.0f}s",
                                      retry_after=wait)
        if wait > 0:
            time.sleep(wait)
        reply = self._send(method, url, settings, **kwargs)
        if reply.status not in ok:
            raise self.error_for(reply)
        return reply

    def _send(self, method: str, url: str, settings: Any, **kwargs: Any) -> HttpReply:
        timeout = settings.provider_timeout_seconds
        limit = settings.provider_max_download_bytes
        deadline = time.monotonic() + timeout
        import requests

        try:
            with self._session.request(method, url, timeout=timeout, stream=True,
                                       allow_redirects=True, **kwargs) as resp:
                try:  # the deadline also stops a server trickling bytes forever
                    body = read_capped(resp, limit, max(0.0, deadline - time.monotonic()))
                except ResponseTooLarge:
                    raise ProviderBadResponse(f"{self.name}: answer larger than {limit} bytes",
                                              status_code=resp.status_code) from None
                except ResponseTooSlow:
                    raise ProviderTimeout(f"{self.name}: answer took longer than {timeout}s"
                                          ) from None
                headers = {k.lower(): v for k, v in resp.headers.items()}
                return HttpReply(resp.status_code, headers, body)
        except requests.Timeout as exc:
            raise ProviderTimeout(f"{self.name}: no answer within {timeout}s") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(redact(f"{self.name}: {type(exc).__name__}: {exc}")[:300]
                                      ) from None

    def error_for(self, reply: HttpReply) -> ProviderError:
        """The typed error for a non-success answer (message from the provider when given)."""
        status = reply.status
        detail = _message_of(reply)
        text = f"{self.name}: HTTP {status}" + (f": {detail}" if detail else "")
        if status in (401, 403):
            return ProviderAuthError(text, status_code=status)
        if status == 429:
            return ProviderRateLimited(text, status_code=status,
                                       retry_after=parse_retry_after(reply.headers.get("retry-after")))
        if status >= 500:
            return ProviderUnavailable(text, status_code=status)
        return ProviderError(text, status_code=status)


def _message_of(reply: HttpReply) -> str:
    """A short human message from a JSON error body (providers use various keys)."""
    try:
        data = json.loads(reply.body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict):
        for key in ("message", "error", "errors"):
            value = data.get(key)
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            if value:
                return str(value)[:300]
    return ""
