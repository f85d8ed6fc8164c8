"""With SUBLARR_REDIS_URL, an event emitted in one process reaches a client of another."""

from __future__ import annotations

import queue
import uuid

import pytest
import requests
import socketio

from tests.support.process import ServerProcess
from tests.support.services import REDIS_URL, require_service

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def test_event_crosses_processes_through_redis(tmp_path):
    require_service("Redis", "127.0.0.1", 6379)
    env = {"SUBLARR_REDIS_URL": REDIS_URL, "SUBLARR_REDIS_CHANNEL": f"sublarr-{uuid.uuid4().hex}"}
    with ServerProcess(tmp_path / "a", env) as first, ServerProcess(tmp_path / "b", env) as second:
        received: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("config_updated", received.put)
        client.connect(first.url, auth={"apikey": first.api_key}, transports=["websocket"],
                       wait_timeout=10)
        try:
            resp = requests.put(f"{second.url}/api/v1/config", json={"hook_workers": 2},
                                headers={"X-Api-Key": second.api_key}, timeout=10)
            assert resp.status_code == 200
            assert received.get(timeout=15) == {"updated_keys": ["hook_workers"]}
        finally:
            client.disconnect()


def test_without_redis_processes_are_isolated(tmp_path):
    with ServerProcess(tmp_path / "a") as first, ServerProcess(tmp_path / "b") as second:
        received: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("config_updated", received.put)
        client.connect(first.url, auth={"apikey": first.api_key}, transports=["websocket"],
                       wait_timeout=10)
        try:
            requests.put(f"{second.url}/api/v1/config", json={"hook_workers": 2},
                         headers={"X-Api-Key": second.api_key}, timeout=10)
            requests.put(f"{first.url}/api/v1/config", json={"hook_workers": 3},
                         headers={"X-Api-Key": first.api_key}, timeout=10)
            # Only the change made in the client's own process arrives.
            assert received.get(timeout=15) == {"updated_keys": ["hook_workers"]}
            with pytest.raises(queue.Empty):
                received.get(timeout=1)
        finally:
            client.disconnect()
