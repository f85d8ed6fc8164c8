"""The body size limit for requests without ``Content-Length`` (chunked uploads).

Flask refuses a declared ``Content-Length`` over the limit with 413, but a
chunked body is only cut at the limit (Werkzeug's ``LimitedStream``), so a
truncated body could still parse and be applied.  This middleware reads such
a body up to limit + 1 bytes before the app sees it: more than the limit is
a 413, anything else is handed on with its real length.
"""

from __future__ import annotations

import io
import json
from typing import Any, Callable, Iterable

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_READ_SIZE = 64 * 1024


class ChunkedBodyLimit:
    """WSGI middleware: a chunked request body larger than ``limit`` bytes gets 413."""

    def __init__(self, app: WsgiApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        if _is_chunked(environ):
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            if len(body) > self.limit:
                return _too_large(start_response, self.limit)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)


def _is_chunked(environ: dict[str, Any]) -> bool:
    # Only a body the server de-chunks and ends (wsgi.input_terminated: gunicorn,
    # Werkzeug) can be read to its end; any other stream without a length could block.
    return (not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and bool(environ.get("wsgi.input_terminated")))


def _read_at_most(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, _READ_SIZE))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _too_large(start_response: StartResponse, limit: int) -> list[bytes]:
    body = json.dumps({"error": {
        "code": "request_entity_too_large",
        "message": f"request body too large (limit {limit // (1024 * 1024)} MiB)",
        "details": None}}).encode()
    # The rest of the body is never read: the connection cannot carry another request.
    start_response("413 Request Entity Too Large", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ("Connection", "close")])
    return [body]
