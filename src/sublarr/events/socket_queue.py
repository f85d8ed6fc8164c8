"""Socket.IO across processes through Redis, without Redis ever holding up an emit.

python-socketio's own ``RedisManager`` publishes inside ``emit``, in the
thread of whoever emits (a request, a webhook worker, a job): a Redis that
stops answering made each of them wait for the socket timeout, twice.  Its
listener waits up to a minute between reconnects, so after a Redis restart
other processes' events stayed away that long.

:class:`RedisMessageQueue` is a python-socketio client manager (the
documented way to add a backend) that keeps the local part of an emit as it
is (this process's clients are served at once, Redis or not), hands the
message for the other processes to one publisher thread through a bounded
queue, and reconnects the listener every second or so.  Socket.IO is a live
stream: a message that cannot be published (Redis gone, or the queue full)
is dropped and counted, never retried later out of date.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any, Iterator

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from socketio.pubsub_manager import PubSubManager

log = logging.getLogger(__name__)

MAX_PENDING = 10_000          # messages waiting for the publisher at most
IO_TIMEOUT_SECONDS = 2.0      # connect and command timeout of the publisher
RETRY_SECONDS = 1.0           # pause after a failure (publisher and listener)
POLL_SECONDS = 1.0            # the listener looks at its stop flag this often


class _ListenerClosed(BaseException):
    """Ends the listener thread after :meth:`RedisMessageQueue.close` (the library's
    loop would log it and call ``_listen`` again, so it is no Exception)."""


class RedisMessageQueue(PubSubManager):
    """Publishes on a thread of its own; the emitter only enqueues."""

    name = "redis"

    def __init__(self, url: str, channel: str, max_pending: int = MAX_PENDING) -> None:
        super().__init__(channel=channel)
        self.url = url
        self.dropped = 0                 # messages other processes never got
        self._pending: queue.Queue[Any] = queue.Queue(max_pending)
        self._stop = threading.Event()
        self._publisher: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._down_since: float | None = None   # publisher side, for one log line per outage
        self._quiet_until = 0.0
        self._client(read_timeout=None).close()  # a malformed URL fails here, at start

    # -- python-socketio hooks -------------------------------------------------
    def _publish(self, data: Any) -> None:
        """Called inside ``emit``: never waits.  (The server initialises its manager
        only when a first client connects, so the publisher starts here, when the
        first message needs it.)"""
        if self._publisher is None:
            with self._start_lock:
                if self._publisher is None and not self._stop.is_set():
                    thread = threading.Thread(target=self._publish_forever,
                                              name="socketio-redis-publisher", daemon=True)
                    thread.start()
                    self._publisher = thread
        try:
            self._pending.put_nowait(data)
        except queue.Full:
            self._drop(1, "the publish queue is full")

    def _thread(self) -> None:
        """The listener thread (started by ``initialize``): the library's loop over
        :meth:`_listen`, until :meth:`close`."""
        try:
            super()._thread()
        except _ListenerClosed:
            return

    def _listen(self) -> Iterator[bytes]:
        """Messages of the channel; reconnects every RETRY_SECONDS while Redis is away."""
        channel = self.channel.encode("utf-8")
        down_since: float | None = None
        while not self._stop.is_set():
            client = self._client(read_timeout=None)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                if down_since is not None:
                    log.warning("Socket.IO: listening on Redis again after %.1fs",
                                time.monotonic() - down_since)
                    down_since = None
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=POLL_SECONDS)
                    if message and message["type"] == "message" and message["channel"] == channel:
                        yield message["data"]
            except Exception as exc:  # noqa: BLE001 - whatever it was, retry at this pace
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning("Socket.IO: lost the Redis subscription (%s); "
                                "retrying every %.0fs", exc, RETRY_SECONDS)
                self._stop.wait(RETRY_SECONDS)
            finally:
                _close_quietly(pubsub)
                _close_quietly(client)
        raise _ListenerClosed()

    # -- publisher thread ---------------------------------------------------------
    def _publish_forever(self) -> None:
        client: redis.Redis | None = None
        while True:
            data = self._pending.get()
            if data is None:
                break
            if time.monotonic() < self._quiet_until:
                self._drop(1, "Redis is unreachable")
                continue
            try:
                if client is None:
                    client = self._client(read_timeout=IO_TIMEOUT_SECONDS)
                client.publish(self.channel, self.json.dumps(data))
            except (redis.RedisError, OSError) as exc:
                _close_quietly(client)
                client = None
                self._quiet_until = time.monotonic() + RETRY_SECONDS
                self._drop(1, f"Redis is unreachable ({exc})")
                continue
            except Exception:  # a bad message must not end the thread
                self.dropped += 1
                log.exception("Socket.IO: a message could not be published; dropped")
                continue
            if self._down_since is not None:
                log.warning("Socket.IO: publishing to Redis again after %.1fs "
                            "(%d messages dropped so far)",
                            time.monotonic() - self._down_since, self.dropped)
                self._down_since = None
        _close_quietly(client)

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning("Socket.IO: messages for other processes are dropped: %s", reason)

    def _client(self, read_timeout: float | None) -> redis.Redis:
        # no retries of redis-py's own: a failure is handled here, once
        return redis.Redis.from_url(self.url, socket_timeout=read_timeout,
                                    socket_connect_timeout=IO_TIMEOUT_SECONDS,
                                    socket_keepalive=True, retry=Retry(NoBackoff(), 0))

    def close(self, timeout: float = 2.0) -> None:
        """Stop both threads (queued messages still go out if Redis answers quickly)."""
        with self._start_lock:
            self._stop.set()
        if self._publisher is None:
            return
        try:
            self._pending.put(None, timeout=timeout)
        except queue.Full:
            return
        self._publisher.join(timeout)


def _close_quietly(resource: Any) -> None:
    if resource is None:
        return
    try:
        resource.close()
    except (redis.RedisError, OSError):
        pass
