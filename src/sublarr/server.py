"""Production serving: gunicorn (gthread worker) running the Flask-SocketIO app.

One worker process with many threads: Socket.IO sessions live in the
process that accepted them, and long-polling clients need to come back to
the same process.  Several processes (behind a sticky load balancer) share
events through Redis (``SUBLARR_REDIS_URL``).

The master process only binds the socket and forks: it never imports the
application nor opens the database (see ``held_handles``).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
from pathlib import Path
from typing import Any, Callable

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


class SublarrServer(BaseApplication):
    """Gunicorn application whose worker builds the app with ``app_factory``."""

    def __init__(self, app_factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def held_handles(data_dir: Path, pid: int | str = "self") -> list[str]:
    """Database files of ``data_dir`` and connected client sockets that ``pid`` holds open.

    Such a handle must never cross a fork: a SQLite file closed by the child
    drops the child's own locks on it, and a PostgreSQL or Redis connection
    shared by two processes interleaves their protocol messages.
    """
    root = str(Path(data_dir).resolve())
    found = []
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        fds = list(fd_dir.iterdir())
    except OSError:  # no /proc (not Linux): nothing to check
        return []
    for entry in fds:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith(root + os.sep) and ".db" in Path(target).name:
            found.append(target)
        elif target.startswith("socket:") and pid == "self" and _is_client_socket(int(entry.name)):
            found.append(f"{target} (connected)")
    return found


def _is_client_socket(fd: int) -> bool:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return False
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            return False
        if sock.family == socket.AF_UNIX:
            return bool(sock.getpeername())  # unnamed socketpairs are internal
        sock.getpeername()
        return True
    except OSError:
        return False
    finally:
        sock.close()


def gunicorn_options(host: str, port: int, threads: int, data_dir: Path,
                     graceful_timeout: int = 20) -> dict:
    """One gthread-style worker (see server_worker), no access log (query strings may
    carry the API key)."""

    def pre_fork(_server: Any, _worker: Any) -> None:
        held = held_handles(data_dir)
        if held:
            raise RuntimeError("refusing to fork the worker: the master holds database "
                               f"handles that would be shared with it: {held}")
        # The worker's garbage collections then leave the master's objects alone, so the
        # pages holding them stay shared instead of being copied into the worker.
        gc.freeze()

    def post_worker_init(_worker: Any) -> None:
        # The application (~1,250 modules) lives as long as the worker: a full
        # collection that walked all of it would stop every request for ~0.1 s
        # during a long scan, so the collector leaves it alone from now on.
        gc.collect()
        gc.freeze()

    def on_worker_exit(_server: Any, worker: Any) -> None:
        flask_app = getattr(worker, "wsgi", None)
        if flask_app is not None and hasattr(flask_app, "extensions"):
            from sublarr.services import services_of

            services_of(flask_app).shutdown()

    return {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "sublarr.server_worker.SublarrWorker",
        "threads": threads,
        "timeout": 0,  # Socket.IO keeps connections open; no worker heartbeat kill
        "graceful_timeout": graceful_timeout,
        "keepalive": 75,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "pre_fork": pre_fork,
        "post_worker_init": post_worker_init,
        "worker_exit": on_worker_exit,
        "preload_app": False,
    }


def serve(app_factory: Callable[[], Any], host: str, port: int, threads: int,
          data_dir: Path) -> None:
    """Run until SIGTERM/SIGINT; the worker drains executors and closes the DB on exit."""

    SublarrServer(app_factory, gunicorn_options(host, port, threads, data_dir)).run()
