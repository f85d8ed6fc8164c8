"""emit p99 with 100 webhooks with filters on SQLite (SPEC "Subscriptions").

Each webhook listens to two events with two or three payload filters (``in``,
``>``, ``contains``); the emitted events vary so that about a fifth of the
webhooks match each one.  The same run measures 100 webhooks without filters
(every one matches) for comparison: the target is p99 <= 2 ms.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import percentile, print_table
from bench.webhooks import LATENCY_EMITS, add_webhook, emit_latency_and_rss, nginx_receiver, \
    sublarr_app

FILTER_LANGUAGES = ["en", "de", "ja", "fr", "es"]


def filtered_subscription(number: int) -> dict[str, Any]:
    """Webhook ``number`` of the filter case: two events, two or three filters."""
    filters: list[dict[str, Any]] = [
        {"field": "language", "op": "in", "value": FILTER_LANGUAGES[number % 5:][:2] or ["en"]},
        {"field": "score", "op": ">", "value": (number % 10) * 100},
    ]
    if number % 3 == 0:
        filters.append({"field": "title", "op": "contains", "value": "Frieren"})
    return {"events": ["subtitle_downloaded", "upgrade_complete"], "filters": filters}


def emit_latency_with_filters(url: str, emits: int, paced: float) -> dict[str, float]:
    """(f) emit p50/p99 (ms) with 100 filtered webhooks; the events vary so that about a
    third of the webhooks match each one."""
    payload = {"media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
               "language": "en", "provider": "jimaku", "score": 612, "format": "ass",
               "subtitle_path": "/tv/f.en.ass", "media_path": "/tv/f.mkv"}
    with sublarr_app() as (app, services):
        for number in range(100):
            add_webhook(app, services.api_key, url, timeout=30,
                        **filtered_subscription(number))
        subs = services.components["webhooks"].registry.current
        samples, matched = [], 0
        for i in range(emits):
            data = {**payload, "language": FILTER_LANGUAGES[i % 5], "score": (i * 37) % 1000}
            matched += len(subs.targets_for("subtitle_downloaded", data))
            start = time.perf_counter()
            services.bus.emit("subtitle_downloaded", data)
            samples.append((time.perf_counter() - start) * 1000)
            if paced:
                time.sleep(paced)
        return {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99),
                "max_ms": max(samples), "matching_per_emit": matched / emits,
                "deliveries_queued": matched}


def main() -> None:
    if (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    with nginx_receiver() as (url, receiver):
        row = emit_latency_with_filters(url, LATENCY_EMITS, paced=0.1)
        plain = emit_latency_and_rss(url, LATENCY_EMITS, paced=0.1)
    print_table(f"(f) emit latency with 100 webhooks with filters, SQLite (target p99 <= 2 ms; "
                f"receiver: {receiver})", [
                    {"case": "100 filtered webhooks, 10 emits/s", **row},
                    {"case": "same run: 100 webhooks, no filters", "p50_ms": plain["p50_ms"],
                     "p99_ms": plain["p99_ms"], "max_ms": plain["max_ms"],
                     "matching_per_emit": 100, "deliveries_queued": LATENCY_EMITS * 100}])


if __name__ == "__main__":
    main()
