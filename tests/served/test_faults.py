"""Faults of the real parts under the real served process (``sublarr serve``).

PostgreSQL stopped and started again, Redis unreachable or restarted while
Socket.IO is bridged through it, SQLite held by another process: the API
answers a JSON 503 (never a 500) while the database cannot be reached, every
event the API accepted is delivered once it can, and everything works again
afterwards.  Each test prints what it measured (``-s`` shows it).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import socketio

from tests.served.faults_support import (
    Api,
    PostgresCluster,
    RedisServer,
    SqliteHolder,
    assert_unavailable,
    integrity,
    p99,
    sonarr_test_event,
)
from tests.support.http import Reply, TestServer
from tests.support.process import ServerProcess
from tests.support.waiting import wait_until

# Quick retries and polling: the tests measure recovery, not the default ladder.
FAST = {"SUBLARR_WEBHOOK_RETRY_BASE_SECONDS": "0.2", "SUBLARR_WEBHOOK_POLL_SECONDS": "0.2"}


def report(name: str, **figures: object) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def delivered_by_title(receiver: TestServer) -> dict[str, list[str]]:
    """``data.title`` of each delivered ``webhook_received`` → the ``webhook-id``s seen."""
    seen: dict[str, list[str]] = {}
    for req in receiver.requests:
        body = req.json()
        assert req.headers["webhook-id"] == body["id"]  # the original event id
        if body["event_name"] == "webhook_received":
            seen.setdefault(body["data"]["title"], []).append(req.headers["webhook-id"])
    return seen


def wait_for_deliveries(receiver: TestServer, accepted: list[str], server: ServerProcess,
                        timeout: float) -> None:
    try:
        wait_until(lambda: set(accepted) <= set(delivered_by_title(receiver)), timeout=timeout,
                   interval=0.1, what="every accepted event to be delivered")
    except AssertionError:
        missing = sorted(set(accepted) - set(delivered_by_title(receiver)))
        raise AssertionError(f"{len(missing)} accepted events never delivered: {missing[:10]}\n"
                             f"server log (end):\n{server.output()[-6000:]}") from None


def create_webhook(api: Api, url: str, event_name: str) -> int:
    made = api.post("/webhooks", {"name": "receiver", "url": url, "event_name": event_name,
                                  "retry_count": 10})
    assert made.status == 201, made.body
    return made.body["id"]


# -- PostgreSQL -------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restart_mid_deliveries_loses_nothing(tmp_path: Path) -> None:
    # a slow receiver: deliveries are still queued and in flight when PostgreSQL stops
    with PostgresCluster() as pg, TestServer(lambda _r: Reply(200, delay=0.05)) as receiver, \
            ServerProcess(tmp_path / "data", {**FAST, "SUBLARR_DATABASE_URL": pg.url}) as server:
        api = Api(server, timeout=20)
        create_webhook(api, receiver.url + "/hook", "webhook_received")
        accepted: list[str] = []

        def emit(count: int, phase: str) -> None:
            for i in range(count):
                marker = f"{phase}-{i}"
                if sonarr_test_event(api, marker).status in (200, 202):
                    accepted.append(marker)

        emit(60, "before")
        pg.stop("immediate")  # a crash: sessions cut, no checkpoint
        sent_before_stop = len(receiver.requests)
        down_from = len(api.calls)
        down_until = time.monotonic() + 4.0
        rounds = 0
        while time.monotonic() < down_until and rounds < 200:
            rounds += 1
            emit(1, f"down{rounds}")
            assert_unavailable(api.put("/config", {"hook_workers": 2 + rounds % 3}))
            assert_unavailable(api.post("/webhooks", {"name": "x", "url": receiver.url}))
            assert_unavailable(api.get("/webhooks"))
            assert_unavailable(api.get("/hooks/logs"))
        during = api.statuses(down_from)

        pg.start()
        restarted = time.monotonic()
        wait_until(lambda: api.get("/webhooks").status == 200, timeout=30,
                   what="the API to answer again")
        api_back = time.monotonic() - restarted
        emit(20, "after")
        assert api.put("/config", {"hook_workers": 5}).status == 200
        wait_for_deliveries(receiver, accepted, server, timeout=40)
        all_delivered = time.monotonic() - restarted
        time.sleep(1.0)  # a late duplicate would show up now
        seen = delivered_by_title(receiver)
        duplicates = sum(len(ids) - len(set(ids)) for ids in seen.values())
        wrong_ids = [t for t, ids in seen.items() if len(set(ids)) != 1]
        statuses = api.statuses()
        report("postgres", accepted=len(accepted), sent_before_stop=sent_before_stop, lost=len(set(accepted) - set(seen)),
               duplicates=duplicates, during_outage=dict(during), api_back_s=round(api_back, 2),
               all_delivered_s=round(all_delivered, 2), status_500=statuses[500])
        assert sent_before_stop < 60
        assert "unhandled error" not in server.output()
        assert not wrong_ids  # one event, one webhook-id, however often it was sent
        assert statuses[500] == 0 and statuses[0] == 0
        assert during[503] >= 4 * rounds
        api.close()
