"""A notification channel against the real served process: a notification whose first
attempt failed is sent after a ``kill -9`` and an immediate restart (same outbox)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.served.conftest import Api, integrity, start
from tests.support.http import Reply, TestServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
TOKEN = "servedSecretToken99"


def test_notification_pending_at_kill_9_is_sent_after_restart(served_data, servers):
    gate = threading.Event()
    with TestServer() as receiver:
        receiver.responder = lambda req: Reply(204) if gate.is_set() else Reply(503)
        server = start(served_data)
        servers.append(server)
        api = Api(server)
        made = api.post("/notifications", json={
            "name": "phone", "url": f"json://127.0.0.1:{receiver.port}/n/{TOKEN}",
            "events": ["webhook_received"], "retry_count": 10,
            "title_template": "{{ data.source }} {{ data.event_type }}",
            "body_template": "{{ event_id }}"})
        assert made.status_code == 201, made.text
        assert TOKEN not in api.get("/notifications").text
        assert api.post("/webhook/sonarr", json={"eventType": "Test"}).status_code == 200
        first = receiver.wait_for(1, timeout=30)[0]  # 503: a retry is pending
        event_id = json.loads(first.body)["message"]
        server.kill_hard()

        gate.set()
        again = start(served_data)
        servers.append(again)
        api = Api(again)
        wait_until(lambda: any(json.loads(r.body)["message"] == event_id
                               for r in receiver.requests[1:]), 60,
                   what="the notification after the restart")
        sent = json.loads(receiver.requests[-1].body)
        assert sent["title"] == "sonarr Test"
        logs = wait_until(lambda: api.get("/hooks/logs", params={
            "notification_id": made.json()["id"]}).json()["logs"], 30, what="run log")
        assert logs[0]["hook_type"] == "notification" and logs[0]["success"] is True
        assert logs[0]["event_id"] == event_id
        assert TOKEN not in again.output()
        assert again.terminate() == 0
    assert integrity(served_data) == {"sublarr.db": "ok", "webhook-journal.db": "ok"}


def test_kill_9_in_the_middle_of_a_replay_loses_nothing(served_data, servers):
    count = 60
    with TestServer() as receiver:
        server = start(served_data)
        servers.append(server)
        api = Api(server)
        made = api.post("/notifications", json={
            "name": "log", "url": f"json://127.0.0.1:{receiver.port}/n/{TOKEN}",
            "events": ["webhook_received"], "retry_count": 10, "body_template": "{{ event_id }}"})
        assert made.status_code == 201, made.text
        for _ in range(count):
            assert api.post("/webhook/sonarr", json={"eventType": "Test"}).status_code == 200
        first = receiver.wait_for(count, timeout=60)
        emitted = [json.loads(r.body)["message"] for r in first]
        assert len(set(emitted)) == count

        receiver.responder = lambda req: Reply(204, delay=0.1)  # slow: the replay is in flight
        resp = api.post(f"/notifications/{made.json()['id']}/replay",
                        json={"since": _hours_ago(1)})
        assert resp.status_code == 202 and resp.json() == {"queued": count}, resp.text
        receiver.wait_for(count + 5, timeout=60)
        server.kill_hard()

        receiver.responder = lambda req: Reply(204)
        again = start(served_data)
        servers.append(again)

        def replayed() -> list[str]:
            # A request the kill cut off arrives without its body; its event is sent again.
            return [json.loads(r.body)["message"] for r in receiver.requests[count:] if r.body]
        wait_until(lambda: set(replayed()) >= set(emitted), 90, what="every replayed event")
        assert set(replayed()) == set(emitted)  # at least once each, nothing else
        assert again.terminate() == 0
    assert integrity(served_data) == {"sublarr.db": "ok", "webhook-journal.db": "ok"}


def _hours_ago(hours: int) -> str:
    moment = datetime.now(timezone.utc) - timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
