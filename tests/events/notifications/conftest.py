"""Helpers for the notification tests: apprise URLs of real receivers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from typing import Any, Iterator

import pytest

from tests.support.http import Recorded, Reply, TestServer

FAST_SETTINGS: dict[str, Any] = {
    "webhook_retry_base_seconds": 0.05,
    "webhook_poll_seconds": 0.1,
}
# The apprise URL's tail is a credential: tests check it never comes back.
TOKEN = "s3cretTokenValue42"


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return dict(FAST_SETTINGS)


def json_url(server: TestServer, path: str = f"/notify/{TOKEN}") -> str:
    """apprise's generic JSON service: POSTs {title, message, type…} to the path."""
    return f"json://127.0.0.1:{server.port}{path}"


def notification_json(req: Recorded) -> dict[str, Any]:
    return json.loads(req.body)


class FakeNtfy(TestServer):
    """ntfy's publish API as apprise uses it: ``POST /`` with a JSON message
    ``{topic, title, message, …}`` answered with the stored message (200) or an
    error object ``{code, http, error}``."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.published: list[dict[str, Any]] = []

    def _answer(self, req: Recorded) -> Reply:
        if req.method != "POST" or req.path not in ("/", ""):
            return Reply(404, {"code": 40401, "http": 404, "error": "page not found"})
        try:
            message = json.loads(req.body)
        except ValueError:
            return Reply(400, {"code": 40001, "http": 400, "error": "invalid request body"})
        if not isinstance(message, dict) or not message.get("topic"):
            return Reply(400, {"code": 40009, "http": 400, "error": "invalid topic"})
        self.published.append(message)
        return Reply(200, {"id": f"m{len(self.published)}", "time": 1767268800,
                           "expires": 1767312000, "event": "message",
                           "topic": message["topic"], "title": message.get("title", ""),
                           "message": message.get("message", "")})


@pytest.fixture
def ntfy() -> Iterator[FakeNtfy]:
    server = FakeNtfy().start()
    yield server
    server.stop()


def create_notification(client, url: str, **fields: Any) -> dict[str, Any]:  # noqa: ANN001
    body = {"name": fields.pop("name", "phone"), "url": url, **fields}
    resp = client.post("/api/v1/notifications", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


def notification_logs(services, notification_id: int | None = None  # noqa: ANN001
                      ) -> list[dict[str, Any]]:
    from sublarr.db import hook_log

    with services.db.session() as session:
        rows, _ = hook_log.list_entries(session, hook_log.LogFilter(
            notification_id=notification_id, hook_type="notification"), limit=10_000)
        return [hook_log.entry_to_dict(r) for r in rows]


class RootLog(logging.Handler):
    """What reaches our log (the root logger) at INFO and above, as text.

    (pytest's caplog also hooks loggers that do not propagate, such as
    apprise's, so it would show records our log never gets.)
    """

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def root_log() -> Iterator[RootLog]:
    root = logging.getLogger()
    handler = RootLog()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
