"""The sender threads: send one delivery (POST or apprise), hand the result on, follow on
if allowed."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from sublarr.background import background_thread
from sublarr.events.webhooks.outbox_rows import Claimed
from sublarr.events.notifications.delivery import deliver
from sublarr.events.webhooks.request import Endpoint
from sublarr.events.webhooks.sender import AttemptResult, HttpSender

log = logging.getLogger(__name__)

FOLLOW_LIMIT = 16  # rows a worker sends for one webhook before yielding


@dataclass(frozen=True)
class Job:
    claimed: Claimed
    endpoint: Endpoint


# (job, result or None when the send crashed, may follow on) -> the next job or None
Finish = Callable[[Job, "AttemptResult | None", bool], "Job | None"]


class SenderWorkers:
    """``count`` threads sending queued jobs; each result goes to ``submit``, then
    ``finish`` frees the slot or hands the same worker the webhook's next row."""

    def __init__(self, count: int, sender: HttpSender, nice: int, *,
                 submit: Callable[[Claimed, Endpoint, AttemptResult], None],
                 finish: Finish) -> None:
        self.count = count
        self._sender = sender
        self._nice = nice
        self._submit = submit
        self._finish = finish
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.count):
            thread = background_thread(self._work, f"webhook-sender-{index}", self._nice)
            thread.start()
            self._threads.append(thread)

    def put(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self, deadline: float) -> None:
        """Let each worker finish its send, waiting until ``deadline`` (monotonic) at most."""
        for _ in range(self.count):
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.1))

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            follows = 0
            while job is not None:
                result = self._send(job)
                follow = result is not None and follows < FOLLOW_LIMIT
                job = self._finish(job, result, follow)
                follows += 1

    def _send(self, job: Job) -> AttemptResult | None:
        c = job.claimed
        try:
            result = deliver(self._sender, job.endpoint, c.id, c.event_name, c.event_id,
                             c.payload)
        except Exception:  # a bug must not kill the worker; the lease will expire
            log.exception("webhook send crashed for delivery %s", c.id)
            return None
        self._submit(c, job.endpoint, result)
        return result
