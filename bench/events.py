"""emit_event cost with only the Socket.IO bridge subscribed, vs a bare blinker send.

Both are measured in the same run; the ratio is what to compare between runs.
"""

from __future__ import annotations

from blinker import Namespace
from flask import Flask
from flask_socketio import SocketIO

from bench.common import print_table, summary_us, time_calls
from sublarr.events.bridge import connect_bridge
from sublarr.events.bus import EventBus

CALLS = 20_000
PAYLOAD = {
    "media_type": "episode", "title": "Frieren", "season": 1, "episode": 5, "language": "en",
    "provider": "jimaku", "score": 612, "format": "ass",
    "subtitle_path": "/tv/Frieren/S01E05.en.ass", "media_path": "/tv/Frieren/S01E05.mkv",
}


def main() -> None:
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="threading")
    bus = EventBus(strict=False)
    connect_bridge(bus, socketio)

    bare = Namespace().signal("subtitle_downloaded")
    bare.connect(lambda _sender, **kw: None, weak=False)

    for _ in range(2000):  # warm-up
        bus.emit("subtitle_downloaded", PAYLOAD)
        bare.send(None, envelope=PAYLOAD)

    baseline = summary_us(time_calls(lambda: bare.send(None, envelope=PAYLOAD), CALLS))
    ours = summary_us(time_calls(lambda: bus.emit("subtitle_downloaded", PAYLOAD), CALLS))
    rows = [
        {"case": "bare blinker send (1 receiver)", **baseline, "ratio_p50": 1.0},
        {"case": "emit_event + bridge (validate, envelope, socketio)", **ours,
         "ratio_p50": ours["p50_us"] / baseline["p50_us"]},
    ]
    print_table("emit_event cost (µs per call)", rows)


if __name__ == "__main__":
    main()
