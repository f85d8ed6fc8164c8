"""Several scheduler processes on PostgreSQL share one backlog without double sends."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.events.webhooks.test_durability import kill_hard, start_process
from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until
from tests.support.http import Reply, TestServer


@pytest.fixture
def app_settings(pg_url):
    return {**FAST_SETTINGS, "database_url": pg_url}


class ConcurrencyProbe:
    """A responder that answers slowly and remembers the peak of parallel requests."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, req):  # noqa: ANN001, ANN204
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.delay)
        with self._lock:
            self.active -= 1
        return Reply(204)


@pytest.mark.slow
def test_two_processes_share_one_backlog_without_duplicates(client, services, pg_url, tmp_path):
    events = 150
    probe = ConcurrencyProbe(delay=0.03)
    with TestServer(probe) as receiver:
        create_webhook(client, receiver.url, event_name="test", retry_count=0)
        procs = [start_process(str(tmp_path / f"p{i}"), "--database-url", pg_url)
                 for i in range(2)]
        try:
            for i in range(events):
                services.bus.emit("test", {"message": str(i)})
            wait_until(lambda: len(receiver.requests) >= events, timeout=60)
            time.sleep(0.5)  # anything sent twice would show up now
        finally:
            for proc in procs:
                kill_hard(proc)
    deliveries = Counter(r.headers["X-Sublarr-Delivery"] for r in receiver.requests)
    assert len(deliveries) == events
    assert max(deliveries.values()) == 1
    # one process sends at most 2 at once (webhook_max_in_flight_per_endpoint): more
    # parallel requests prove that several processes took rows from the same backlog
    assert probe.peak > 2
