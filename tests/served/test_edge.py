"""The served process under hostile connections: no key, no manners."""

from __future__ import annotations

import socket
import time

import pytest
import requests
import websocket

from tests.served.conftest import start

pytestmark = pytest.mark.slow


def _health_seconds(url: str) -> float:
    began = time.monotonic()
    resp = requests.get(f"{url}/api/v1/health", timeout=10)
    assert resp.status_code == 200
    return time.monotonic() - began


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass  # an error answer may come first; then the close
        return True
    except (socket.timeout, TimeoutError):
        return False
    except OSError:
        return True


def test_half_sent_and_idle_connections_do_not_stall_the_server(served_data, servers):
    threads = 8
    server = start(served_data, {"SUBLARR_SERVER_THREADS": str(threads)})
    servers.append(server)
    held = []
    try:
        for i in range(2 * threads):
            sock = socket.create_connection(("127.0.0.1", server.port))
            if i % 2 == 0:  # headers never finished
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            else:  # a body announced but never sent
                sock.sendall(b"POST /api/v1/webhook/sonarr HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
            held.append(sock)
        held += [socket.create_connection(("127.0.0.1", server.port)) for _ in range(threads)]
        assert _health_seconds(server.url) < 2.0
        # Unfinished requests are dropped after the head timeout, not held forever.
        assert _closed_within(held[0], 30.0)
        assert _closed_within(held[1], 30.0)
    finally:
        for sock in held:
            sock.close()


def _ws_url(server) -> str:  # noqa: ANN001
    return f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"


def test_a_websocket_that_never_authenticates_is_closed(served_data, servers):
    server = start(served_data)
    servers.append(server)
    ws = websocket.create_connection(_ws_url(server), timeout=30)
    try:
        assert ws.recv().startswith("0{")  # Engine.IO open packet; no Socket.IO CONNECT sent
        began = time.monotonic()
        with pytest.raises(websocket.WebSocketException):
            while time.monotonic() - began < 30:
                message = ws.recv()
                if message == "2":  # answer pings: only the missing CONNECT may close it
                    ws.send("3")
        assert time.monotonic() - began < 30
    finally:
        ws.close()


def test_cross_origin_websockets_are_refused_unless_configured(served_data, servers):
    server = start(served_data, {"SUBLARR_SOCKETIO_ALLOWED_ORIGINS":
                                 '["https://dash.example.org"]'})
    servers.append(server)
    with pytest.raises(websocket.WebSocketException):
        websocket.create_connection(_ws_url(server), timeout=10,
                                    origin="http://evil.example.com").recv()
    for origin in (server.url, "https://dash.example.org"):
        ws = websocket.create_connection(_ws_url(server), timeout=10, origin=origin)
        try:
            assert ws.recv().startswith("0{")
        finally:
            ws.close()
