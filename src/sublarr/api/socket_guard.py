"""Socket.IO at the edge: who may open a connection, and for how long without the key.

A browser opens WebSockets to any origin; only pages that Sublarr serves
(or origins the user lists in ``socketio_allowed_origins``) may.  In the
threading model every open WebSocket holds a server thread, so an
Engine.IO session that has not authenticated (Socket.IO CONNECT with the
API key) within ``UNAUTHENTICATED_SECONDS`` is closed.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from flask_socketio import SocketIO

log = logging.getLogger(__name__)
UNAUTHENTICATED_SECONDS = 5.0


def allowed_origins(configured: list[str]) -> Callable[[str | None, dict], bool] | None:
    """The ``cors_allowed_origins`` for Engine.IO: None means the same origin only;
    with origins configured, those and the same origin."""
    if not configured:
        return None
    extra = frozenset(o.rstrip("/") for o in configured)

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        return origin is not None and (origin in extra or origin in _own_origins(environ))

    return allowed


def _own_origins(environ: dict[str, Any]) -> set[str]:
    """The origin the request was addressed to (directly, or through a reverse proxy)."""
    scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
    own = {f"{scheme}://{host}"}
    proxied_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
    proxied_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
    own.add(f"{proxied_scheme}://{proxied_host}")
    return own


def close_unauthenticated_sessions(socketio: SocketIO,
                                   grace_seconds: float = UNAUTHENTICATED_SECONDS) -> None:
    """Close every Engine.IO session that has not joined a namespace ``grace_seconds``
    after it opened."""
    server = socketio.server
    eio = server.eio
    admit = eio.handlers["connect"]  # python-socketio's own Engine.IO connect handler

    def check(eio_sid: str) -> None:
        if server.manager.sid_from_eio_sid(eio_sid, "/") is None and eio_sid in eio.sockets:
            log.info("closing a Socket.IO session that did not authenticate in %.0fs",
                     grace_seconds)
            eio.disconnect(eio_sid)

    def on_connect(eio_sid: str, environ: dict[str, Any], *args: Any) -> Any:
        result = admit(eio_sid, environ, *args)
        if result is not False:
            timer = threading.Timer(grace_seconds, check, args=(eio_sid,))
            timer.daemon = True
            timer.start()
        return result

    eio.on("connect", on_connect)
