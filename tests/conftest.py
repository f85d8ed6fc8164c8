"""Shared fixtures: a real app on a real SQLite file, an API client, live servers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from sublarr.app import create_app
from sublarr.db.engine import Database, database_url_for
from sublarr.services import Services, services_of
from tests.support.http import TestServer, serve_in_thread
from tests.support.services import postgres_schema

TEST_ENV: dict[str, str] = {"PATH": "/usr/local/bin:/usr/bin:/bin"}


class ApiClient:
    """Flask test client that sends the API key and speaks JSON."""

    def __init__(self, app: Flask, api_key: str) -> None:
        self._client = app.test_client()
        self.api_key = api_key

    def _call(self, method: str, path: str, **kwargs: Any):  # noqa: ANN202
        headers = {"X-Api-Key": self.api_key, **kwargs.pop("headers", {})}
        return self._client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any):  # noqa: ANN201
        return self._call("GET", path, **kw)

    def post(self, path: str, **kw: Any):  # noqa: ANN201
        return self._call("POST", path, **kw)

    def put(self, path: str, **kw: Any):  # noqa: ANN201
        return self._call("PUT", path, **kw)

    def delete(self, path: str, **kw: Any):  # noqa: ANN201
        return self._call("DELETE", path, **kw)

    @property
    def raw(self):  # noqa: ANN201 - the unauthenticated Flask test client
        return self._client


# websocket-client's close() waits up to 3 s for the server's answering close frame,
# but the Socket.IO client's reader thread races it for that frame: whenever the reader
# wins, a test's connect-refused or disconnect sat out the full 3 s. The answer comes in
# milliseconds when it comes; after the shorter wait the client shuts the socket anyway.
WEBSOCKET_CLOSE_WAIT = 0.25


@pytest.fixture(scope="session", autouse=True)
def _quick_websocket_close() -> Iterator[None]:
    import websocket

    original = websocket.WebSocket.close

    def close(self: Any, status: int = websocket.STATUS_NORMAL, reason: Any = b"",
              timeout: float | None = WEBSOCKET_CLOSE_WAIT) -> None:
        original(self, status, reason, timeout)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(websocket.WebSocket, "close", close)
        yield


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; copied into each test's data dir
    so every test starts from a real, fully migrated database without paying
    for the migrations again."""
    folder = tmp_path_factory.mktemp("template")
    database = Database(database_url_for(folder))
    database.upgrade()
    database.close()
    return folder / "sublarr.db"


@pytest.fixture
def data_dir(tmp_path: Path, migrated_db_template: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    shutil.copyfile(migrated_db_template, path / "sublarr.db")
    return path


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Extra settings for the ``app`` fixture; override in a module to change them."""
    return {}


@pytest.fixture
def app(tmp_path: Path, data_dir: Path, app_settings: dict[str, Any]) -> Iterator[Flask]:
    """An app on a fresh SQLite file, environment isolated from the developer's.

    The test's own temp folder is the library root, so media and subtitles a test
    creates there may be read and written; ``app_settings`` may replace it
    (``"library_roots": None`` leaves the setting to the API).
    """
    application = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path)],
                              **app_settings}, environ=TEST_ENV, testing=True)
    yield application
    services_of(application).shutdown()


@pytest.fixture
def services(app: Flask) -> Services:
    return services_of(app)


@pytest.fixture
def api_key(services: Services) -> str:
    return services.api_key


@pytest.fixture
def client(app: Flask, api_key: str) -> ApiClient:
    return ApiClient(app, api_key)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a fresh schema on the real PostgreSQL (skips/fails when it is down)."""
    with postgres_schema() as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[TestServer]:
    """A real HTTP receiver on 127.0.0.1 answering 204 unless told otherwise."""
    with TestServer() as server:
        yield server


class _NoDelayHandler(WSGIRequestHandler):
    """Werkzeug's handler with TCP_NODELAY, as gunicorn serves (see tests.support.http)."""

    disable_nagle_algorithm = True


class LiveServer:
    """The app served over real HTTP (Werkzeug in a thread; tests only)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True,
                                   request_handler=_NoDelayHandler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = serve_in_thread(self._server)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def events(services: Services) -> list[dict]:
    """Every catalog event the app emits during the test, in order."""
    collected: list[dict] = []
    services.bus.subscribe(collected.append)
    return collected


@pytest.fixture
def media_root(tmp_path: Path) -> Iterator[Path]:
    """A media folder whose name has spaces, brackets and non-ASCII, as real libraries do."""
    root = tmp_path / "media [lib] ü"
    root.mkdir()
    yield root
