"""Catalog events reach real Socket.IO clients; progress streams stay off the bus."""

from __future__ import annotations

import queue

import pytest
import requests
import socketio

from sublarr.events.bridge import UnknownStreamError


def connect_client(url: str, key: str) -> tuple[socketio.Client, "queue.Queue[tuple[str, object]]"]:
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, data: received.put((event, data)))
    client.connect(url, auth={"apikey": key}, transports=["websocket"], wait_timeout=10)
    return client, received


def next_event(received: queue.Queue, name: str, timeout: float = 10.0):
    while True:
        event, data = received.get(timeout=timeout)
        if event == name:
            return data


def test_client_receives_config_updated_after_put(live_server, api_key):
    client, received = connect_client(live_server.url, api_key)
    try:
        resp = requests.put(f"{live_server.url}/api/v1/config", json={"hook_workers": 3},
                            headers={"X-Api-Key": api_key}, timeout=10)
        assert resp.status_code == 200
        assert next_event(received, "config_updated") == {"updated_keys": ["hook_workers"]}
    finally:
        client.disconnect()


def test_client_with_query_string_key_is_accepted(live_server, api_key, services):
    client = socketio.Client(reconnection=False)
    received: queue.Queue = queue.Queue()
    client.on("test", lambda data: received.put(("test", data)))
    client.connect(f"{live_server.url}?apikey={api_key}", transports=["websocket"],
                   wait_timeout=10)
    try:
        services.bus.emit("test", {"message": "via query key"})
        assert next_event(received, "test") == {"message": "via query key"}
    finally:
        client.disconnect()


def test_wrong_key_is_refused(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, auth={"apikey": "wrong"}, transports=["websocket"],
                       wait_timeout=10)
    assert not client.connected


def test_missing_key_is_refused(live_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, transports=["websocket"], wait_timeout=10)


def test_every_bus_event_is_bridged_with_data_as_message(live_server, api_key, services):
    client, received = connect_client(live_server.url, api_key)
    try:
        example = {"scanned": 3, "added": 1, "removed": 0, "duration_ms": 12}
        services.bus.emit("wanted_scan_complete", example)
        assert next_event(received, "wanted_scan_complete") == example
    finally:
        client.disconnect()


def test_progress_stream_goes_to_socketio_but_not_the_bus(live_server, api_key, services):
    on_bus: list = []
    services.bus.subscribe(on_bus.append)
    client, received = connect_client(live_server.url, api_key)
    try:
        services.progress.emit("job_update", {"job_id": 1, "percent": 50})
        assert next_event(received, "job_update") == {"job_id": 1, "percent": 50}
        assert on_bus == []
    finally:
        client.disconnect()


def test_unknown_progress_stream_raises(services):
    with pytest.raises(UnknownStreamError):
        services.progress.emit("subtitle_downloaded", {})
