"""Production serving: gunicorn (gthread worker) running the Flask-SocketIO app.

One worker process with many threads: Socket.IO sessions live in the
process that accepted them, and long-polling clients need to come back to
the same process.  Several processes (behind a sticky load balancer) share
events through Redis (``SUBLARR_REDIS_URL``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from sublarr.services import services_of

log = logging.getLogger(__name__)


class SublarrServer(BaseApplication):
    """Gunicorn application wrapping an already created Flask app."""

    def __init__(self, app_factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


def gunicorn_options(host: str, port: int, threads: int, graceful_timeout: int = 20) -> dict:
    """gthread, one worker, no access log (query strings may carry the API key)."""

    def on_worker_exit(_server: Any, worker: Any) -> None:
        flask_app = getattr(worker, "wsgi", None)
        if isinstance(flask_app, Flask):
            services_of(flask_app).shutdown()

    return {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,  # Socket.IO keeps connections open; no worker heartbeat kill
        "graceful_timeout": graceful_timeout,
        "keepalive": 75,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "worker_exit": on_worker_exit,
        "preload_app": False,
    }


def serve(app_factory: Callable[[], Flask], host: str, port: int, threads: int) -> None:
    """Run until SIGTERM/SIGINT; the worker drains executors and closes the DB on exit."""

    SublarrServer(app_factory, gunicorn_options(host, port, threads)).run()
