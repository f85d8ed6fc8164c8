"""The application factory: wiring only."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any, Mapping

from flask import Flask, g, request
from flask_socketio import SocketIO

from sublarr.api.registry import register_api
from sublarr.background import FOREGROUND
from sublarr.api.socket_guard import allowed_origins, close_unauthenticated_sessions
from sublarr.api.body_limit import ChunkedBodyLimit
from sublarr.api.auth import key_from_request, key_matches, read_or_create_key
from sublarr.api.errors import error_response, register_error_handlers
from sublarr.api.validation import MAX_BODY_BYTES, RowIdConverter, refuse_nul_in_url
from sublarr.config import Settings, build_settings
from sublarr.datadir import prepare_data_dir
from sublarr.db.engine import Database, database_url_for
from sublarr.events.system import init_event_system
from sublarr.events.bridge import ProgressStream
from sublarr.events.bus import EventBus
from sublarr.library.lifecycle import init_library
from sublarr.metrics import Metrics, method_label
from sublarr.providers.lifecycle import init_providers
from sublarr.services import EXTENSION_KEY, Services
from sublarr.settings_store import SettingsStore
from sublarr.tasks.lifecycle import init_tasks
from sublarr.translation.lifecycle import init_translation
from sublarr.wanted.lifecycle import init_wanted
from sublarr.web.lifecycle import init_web
from sublarr.whisper.lifecycle import init_whisper

if TYPE_CHECKING:  # redis is imported only with SUBLARR_REDIS_URL
    from sublarr.events.socket_queue import RedisMessageQueue

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1/"


def _overrides_of(settings: Settings | Mapping[str, Any] | None) -> dict[str, Any]:
    if settings is None:
        return {}
    if isinstance(settings, Settings):
        return {k: getattr(settings, k) for k in settings.model_fields_set}
    return dict(settings)


def create_app(
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    testing: bool = False,
    migrate: bool = True,
) -> Flask:
    """Build a Sublarr app.

    ``settings`` are explicit overrides (CLI flags, tests); they win over the
    ``SUBLARR_*`` environment, which wins over values stored in the database.
    """
    environ = dict(os.environ if environ is None else environ)
    overrides = _overrides_of(settings)
    boot = build_settings({}, environ, overrides)
    data_dir = prepare_data_dir(boot.data_dir.resolve(), sqlite=not boot.database_url)
    (data_dir / "hooks").mkdir(parents=True, exist_ok=True)
    overrides["data_dir"] = data_dir

    db = Database(database_url_for(data_dir, boot.database_url))
    if migrate:
        db.upgrade()
    store = SettingsStore(db, environ, overrides)
    api_key, generated = read_or_create_key(data_dir, store.current.api_key)
    if generated:
        log.warning("Generated a new API key (kept in %s/api_key): %s", data_dir, api_key)

    app = Flask(__name__, static_folder=None)
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, TESTING=testing, JSON_SORT_KEYS=False)
    message_queue = _message_queue(store.current)
    socketio = _make_socketio(app, store.current, message_queue)
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, MAX_BODY_BYTES)  # outside Socket.IO's too
    metrics = Metrics()
    services = Services(
        settings=store,
        db=db,
        bus=EventBus(strict=testing or store.current.strict_event_validation,
                     on_emit=metrics.count_event),
        socketio=socketio,
        progress=ProgressStream(socketio),
        metrics=metrics,
        api_key=api_key,
    )
    app.extensions[EXTENSION_KEY] = services
    if message_queue is not None:
        services.on_shutdown("socket.io redis queue", message_queue.close)

    register_error_handlers(app)
    _install_request_hooks(app, services)
    _install_socket_auth(socketio, api_key)
    init_event_system(app)
    register_api(app)
    # Shutdown runs in reverse: the wanted search queue stops before the provider pool.
    for init in (init_tasks, init_library, init_providers, init_wanted, init_translation,
                 init_whisper, init_web):
        init(app, services)
    return app


def _message_queue(settings: Settings) -> RedisMessageQueue | None:
    """With SUBLARR_REDIS_URL, Socket.IO messages reach the other processes through Redis
    (our own client manager: Redis I/O never runs in the emitting thread)."""
    if not settings.redis_url:
        return None
    from sublarr.events.socket_queue import RedisMessageQueue

    return RedisMessageQueue(settings.redis_url, settings.redis_channel)


def _make_socketio(app: Flask, settings: Settings,
                   message_queue: RedisMessageQueue | None) -> SocketIO:
    options: dict[str, Any] = {
        "async_mode": "threading",
        "cors_allowed_origins": allowed_origins(settings.socketio_allowed_origins),
        "max_http_buffer_size": MAX_BODY_BYTES,
    }
    if message_queue is not None:
        options["client_manager"] = message_queue
    socketio = SocketIO(app, **options)
    close_unauthenticated_sessions(socketio)
    return socketio


def _install_socket_auth(socketio: SocketIO, api_key: str) -> None:
    @socketio.on("connect")
    def _connect(auth: Any = None) -> bool:  # noqa: ANN001
        # Anything but a string (a number, a list…) is no key: refused like a wrong one.
        offered = auth.get("apikey") if isinstance(auth, dict) else None
        if not isinstance(offered, str):
            offered = None
        offered = offered or request.args.get("apikey")
        return key_matches(api_key, offered)


def _install_request_hooks(app: Flask, services: Services) -> None:
    @app.before_request
    def _authenticate():  # noqa: ANN202
        g.started = time.perf_counter()
        if request.path.startswith(API_PREFIX):  # background loops give way meanwhile
            FOREGROUND.enter()
            g.foreground = True
        refuse_nul_in_url()  # no route, file name or database text can hold one
        if not request.path.startswith(API_PREFIX):
            return None
        view = app.view_functions.get(request.endpoint or "")
        doc = getattr(view, "endpoint_doc", None)
        if doc is not None and doc.public:
            return None
        if key_matches(services.api_key, key_from_request(request.headers, request.args)):
            return None
        return error_response(401, "unauthorized",
                              "missing or wrong API key (X-Api-Key, ?apikey= or Basic)")

    @app.teardown_request
    def _done(_error: BaseException | None = None) -> None:
        if g.pop("foreground", False):
            FOREGROUND.leave()

    @app.after_request
    def _count(response):  # noqa: ANN001, ANN202
        route = request.url_rule.rule if request.url_rule else "unmatched"
        services.metrics.http_requests.labels(
            method=method_label(request.method), route=route,
            status=str(response.status_code)).inc()
        if "started" in g:
            services.metrics.http_duration.labels(route=route).observe(
                time.perf_counter() - g.started)
        return response
