"""The served worker's imports without what only an unused feature needs (memory).

python-socketio's package ``__init__`` imports its client (which imports
requests and websocket-client) and its Redis managers (which import redis,
about 7 MiB), and Flask-SocketIO imports Werkzeug's reloader (which imports
watchdog's observers) — all at import time, although the server uses none of
them: Sublarr's Socket.IO across processes is its own
:class:`~sublarr.events.socket_queue.RedisMessageQueue`, which imports redis
itself when ``SUBLARR_REDIS_URL`` is set.  Each of those imports is an
optional one (``try: import x / except ImportError``), so while the Socket.IO
stack is imported here they are reported missing; afterwards they import
normally wherever Sublarr needs them (a provider's HTTP session, Redis, a
watched folder).

Only the worker of ``sublarr serve`` does this (it never runs a Socket.IO
client); a process that does (the tests) imports the stack as usual.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

# Optional imports of python-socketio / python-engineio / Werkzeug that the server never uses.
SOCKETIO_OPTIONAL = ("redis", "valkey", "aioredis", "kombu", "kafka", "zmq", "aio_pika",
                     "requests", "websocket", "watchdog")


@contextmanager
def reported_missing(names: tuple[str, ...]) -> Iterator[None]:
    """Inside, ``import name`` raises ImportError for each of ``names`` not imported yet."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment] # the import system's "missing"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def import_socketio_lean() -> None:
    """Import Flask-SocketIO without the optional modules the server never uses."""
    with reported_missing(SOCKETIO_OPTIONAL):
        import flask_socketio  # noqa: F401
