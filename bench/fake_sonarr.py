"""A fake Sonarr v3 on 127.0.0.1 for the library benchmarks: ``series`` series of
``episodes`` files each, generated per request. Subclasses say what a series and
an episode file look like."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

KEY = "bench-sonarr-key-0123456789"


class FakeSonarr(BaseHTTPRequestHandler):
    """Sonarr v3's answers to what the library scan asks, counted per path."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms ACK wait)
    remote = "/tv"
    series = 1
    episodes = 1
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        with self.lock:
            self.counts[url.path] = self.counts.get(url.path, 0) + 1
        if self.headers.get("X-Api-Key") != KEY:
            return self._send(401, {"message": "Unauthorized"})
        series_id = int(parse_qs(url.query).get("seriesId", ["0"])[0] or 0)
        known = 1 <= series_id <= self.series
        body: object
        if url.path == "/api/v3/series":
            body = [self.series_entry(n) for n in range(1, self.series + 1)]
        elif url.path == "/api/v3/episodefile":
            body = [self.file_entry(series_id, e) for e in range(1, self.episodes + 1)] \
                if known else []
        elif url.path == "/api/v3/episode":
            body = [{"id": series_id * 1000 + e, "seriesId": series_id, "seasonNumber": 1,
                     "episodeNumber": e, "episodeFileId": series_id * 1000 + e,
                     "hasFile": True, "monitored": True} for e in range(1, self.episodes + 1)]
        elif url.path == "/api/v3/rootfolder":
            body = [{"id": 1, "path": self.remote, "accessible": True, "freeSpace": 1}]
        elif url.path == "/api/v3/system/status":
            body = {"appName": "Sonarr", "version": "4.0.5.1710"}
        else:
            return self._send(404, {"message": "NotFound"})
        self._send(200, body)

    def series_entry(self, n: int) -> dict:
        raise NotImplementedError

    def file_entry(self, series: int, episode: int) -> dict:
        raise NotImplementedError

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
