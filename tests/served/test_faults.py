"""Faults of the real parts under the real served process (``sublarr serve``).

PostgreSQL stopped and started again, Redis unreachable or restarted while
Socket.IO is bridged through it, SQLite held by another process: the API
answers a JSON 503 (never a 500) while the database cannot be reached, every
event the API accepted is delivered once it can, and everything works again
afterwards.  Each test prints what it measured (``-s`` shows it).
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest
import socketio

from tests.served.faults_support import (
    Api,
    Call,
    PostgresCluster,
    RedisServer,
    SqliteHolder,
    assert_unavailable,
    integrity,
    p99,
    sonarr_test_event,
)
from tests.support.http import Reply, TestServer
from tests.support.process import ServerProcess
from tests.support.waiting import wait_until

# Quick retries and polling: the tests measure recovery, not the default ladder.
FAST = {"SUBLARR_WEBHOOK_RETRY_BASE_SECONDS": "0.2", "SUBLARR_WEBHOOK_POLL_SECONDS": "0.2"}


def report(name: str, **figures: object) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def delivered_by_title(receiver: TestServer) -> dict[str, list[str]]:
    """``data.title`` of each delivered ``webhook_received`` → the ``webhook-id``s seen."""
    seen: dict[str, list[str]] = {}
    for req in receiver.requests:
        body = req.json()
        assert req.headers["webhook-id"] == body["id"]  # the original event id
        if body["event_name"] == "webhook_received":
            seen.setdefault(body["data"]["title"], []).append(req.headers["webhook-id"])
    return seen


def wait_for_deliveries(receiver: TestServer, accepted: list[str], server: ServerProcess,
                        timeout: float) -> None:
    try:
        wait_until(lambda: set(accepted) <= set(delivered_by_title(receiver)), timeout=timeout,
                   interval=0.1, what="every accepted event to be delivered")
    except AssertionError:
        missing = sorted(set(accepted) - set(delivered_by_title(receiver)))
        raise AssertionError(f"{len(missing)} accepted events never delivered: {missing[:10]}\n"
                             f"server log (end):\n{server.output()[-6000:]}") from None


def create_webhook(api: Api, url: str, event_name: str) -> int:
    made = api.post("/webhooks", {"name": "receiver", "url": url, "event_name": event_name,
                                  "retry_count": 10})
    assert made.status == 201, made.body
    return made.body["id"]


# -- PostgreSQL -------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restart_mid_deliveries_loses_nothing(tmp_path: Path) -> None:
    # a slow receiver: deliveries are still queued and in flight when PostgreSQL stops
    with PostgresCluster() as pg, TestServer(lambda _r: Reply(200, delay=0.05)) as receiver, \
            ServerProcess(tmp_path / "data", {**FAST, "SUBLARR_DATABASE_URL": pg.url}) as server:
        api = Api(server, timeout=20)
        create_webhook(api, receiver.url + "/hook", "webhook_received")
        accepted: list[str] = []

        def emit(count: int, phase: str) -> None:
            for i in range(count):
                marker = f"{phase}-{i}"
                if sonarr_test_event(api, marker).status in (200, 202):
                    accepted.append(marker)

        emit(60, "before")
        pg.stop("immediate")  # a crash: sessions cut, no checkpoint
        sent_before_stop = len(receiver.requests)
        down_from = len(api.calls)
        down_until = time.monotonic() + 4.0
        rounds = 0
        while time.monotonic() < down_until and rounds < 200:
            rounds += 1
            emit(1, f"down{rounds}")
            assert_unavailable(api.put("/config", {"hook_workers": 2 + rounds % 3}))
            assert_unavailable(api.post("/webhooks", {"name": "x", "url": receiver.url}))
            assert_unavailable(api.get("/webhooks"))
            assert_unavailable(api.get("/hooks/logs"))
        during = api.statuses(down_from)

        pg.start()
        restarted = time.monotonic()
        wait_until(lambda: api.get("/webhooks").status == 200, timeout=30,
                   what="the API to answer again")
        api_back = time.monotonic() - restarted
        emit(20, "after")
        assert api.put("/config", {"hook_workers": 5}).status == 200
        wait_for_deliveries(receiver, accepted, server, timeout=40)
        all_delivered = time.monotonic() - restarted
        time.sleep(1.0)  # a late duplicate would show up now
        seen = delivered_by_title(receiver)
        duplicates = sum(len(ids) - len(set(ids)) for ids in seen.values())
        wrong_ids = [t for t, ids in seen.items() if len(set(ids)) != 1]
        statuses = api.statuses()
        report("postgres", accepted=len(accepted), sent_before_stop=sent_before_stop,
               scheduler_retries=server.output().count("webhook scheduler"), lost=len(set(accepted) - set(seen)),
               duplicates=duplicates, during_outage=dict(during), api_back_s=round(api_back, 2),
               all_delivered_s=round(all_delivered, 2), status_500=statuses[500])
        assert sent_before_stop < 60
        output = server.output()
        assert "unhandled error" not in output
        # the scheduler retries about once a second while the database is away (no spin)
        scheduler_retries = output.count("webhook scheduler")
        assert scheduler_retries <= 20, scheduler_retries
        assert not wrong_ids  # one event, one webhook-id, however often it was sent
        assert statuses[500] == 0 and statuses[0] == 0
        assert during[503] >= 4 * rounds
        api.close()



@pytest.mark.slow
@pytest.mark.postgres
def test_stopping_while_postgres_is_away_names_the_events_it_could_not_store(tmp_path: Path
                                                                          ) -> None:
    """Events emitted while PostgreSQL is away wait in the process; a stop before it
    comes back cannot keep them, and says so in the log instead of dropping them quietly."""
    with PostgresCluster() as pg, TestServer(lambda _r: Reply(200)) as receiver:
        server = ServerProcess(tmp_path / "data", {**FAST, "SUBLARR_DATABASE_URL": pg.url})
        try:
            server.wait_healthy()
            api = Api(server)
            create_webhook(api, receiver.url + "/hook", "webhook_received")
            pg.stop("fast")
            assert all(sonarr_test_event(api, f"orphan-{i}").status == 200 for i in range(3))
            api.close()
        finally:
            code = server.terminate()
        output = server.output()
        report("postgres away at stop", exit_code=code,
               logged="events that could not be stored" in output)
        assert code == 0, output[-3000:]
        assert "stopping with 3 events that could not be stored" in output, output[-3000:]


# -- Redis (Socket.IO message queue) ------------------------------------------------

class SocketClient:
    """A python-socketio client of one served process, collecting ``config_updated``."""

    def __init__(self, server: ServerProcess) -> None:
        self.received: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("config_updated", self.received.put)
        self.client.connect(server.url, auth={"apikey": server.api_key},
                            transports=["websocket"], wait_timeout=10)

    def drain(self) -> int:
        count = 0
        while True:
            try:
                self.received.get_nowait()
                count += 1
            except queue.Empty:
                return count

    def close(self) -> None:
        self.client.disconnect()


def change_config(api: Api, round_: int) -> Call:
    """A producer: stores a setting and emits ``config_updated`` (Socket.IO + webhooks)."""
    return api.put("/config", {"hook_workers": 2 + round_ % 5})


def first_event_after(api: Api, listener: SocketClient, limit_s: float) -> float:
    """Emit on ``api`` every 0.25 s until ``listener`` hears one; seconds it took."""
    started = time.monotonic()
    round_ = 0
    while time.monotonic() - started < limit_s:
        round_ += 1
        assert change_config(api, round_).status == 200
        try:
            listener.received.get(timeout=0.25)
            return time.monotonic() - started
        except queue.Empty:
            continue
    raise AssertionError(f"no event crossed Redis within {limit_s}s")


def redis_env(redis: RedisServer) -> dict[str, str]:
    return {"SUBLARR_REDIS_URL": redis.url, "SUBLARR_REDIS_CHANNEL": f"s-{uuid.uuid4().hex}"}


@pytest.mark.slow
@pytest.mark.redis
def test_frozen_redis_never_stalls_producers(tmp_path: Path) -> None:
    """Redis accepts connections but answers nothing (SIGSTOP): emits still return at once."""
    with RedisServer() as redis, ServerProcess(tmp_path / "data", redis_env(redis)) as server:
        api = Api(server)
        listener = SocketClient(server)
        try:
            assert change_config(api, 0).status == 200
            assert listener.received.get(timeout=10) == {"updated_keys": ["hook_workers"]}
            redis.freeze()
            frozen_from = len(api.calls)
            deadline = time.monotonic() + 5.0
            rounds = 0
            while time.monotonic() < deadline and rounds < 100:
                rounds += 1
                change_config(api, rounds)
                time.sleep(0.05)
            frozen = api.calls[frozen_from:]
            local = listener.drain()  # clients of this process hear it without Redis
            redis.thaw()
            thawed = time.monotonic()
            time.sleep(0.5)
            listener.drain()
            recovered = first_event_after(api, listener, limit_s=20)
            latency = p99([c.seconds for c in frozen])
            report("redis frozen", calls=len(frozen), statuses=dict(Counter(c.status for c in frozen)),
                   p99_ms=round(latency * 1000), max_ms=round(max(c.seconds for c in frozen) * 1000),
                   local_events=local, recovered_s=round(time.monotonic() - thawed, 2),
                   first_event_s=round(recovered, 2))
            assert all(c.status == 200 for c in frozen), Counter(c.status for c in frozen)
            assert latency < 1.0
            assert local == len(frozen)
        finally:
            listener.close()
            api.close()


@pytest.mark.slow
@pytest.mark.redis
def test_redis_restart_bridge_recovers_across_processes(tmp_path: Path) -> None:
    """Redis stops for a while and comes back on the same port: the API never notices,
    and events from one process reach the other's Socket.IO clients again."""
    with RedisServer() as redis:
        env = redis_env(redis)
        with ServerProcess(tmp_path / "a", env) as first, \
                ServerProcess(tmp_path / "b", env) as second:
            emitter, listener = Api(second), SocketClient(first)
            try:
                first_event_after(emitter, listener, limit_s=15)
                redis.stop()
                down_from = len(emitter.calls)
                deadline = time.monotonic() + 16.0
                rounds = 0
                while time.monotonic() < deadline and rounds < 400:
                    rounds += 1
                    change_config(emitter, rounds)
                    time.sleep(0.05)
                down = emitter.calls[down_from:]
                redis.start()
                listener.drain()
                recovered = first_event_after(emitter, listener, limit_s=30)
                latency = p99([c.seconds for c in down])
                report("redis restart", calls=len(down),
                       statuses=dict(Counter(c.status for c in down)),
                       p99_ms=round(latency * 1000), recovered_s=round(recovered, 2))
                assert all(c.status == 200 for c in down), Counter(c.status for c in down)
                assert latency < 1.0
                # the listener retries at least every few seconds, however long Redis was gone
                assert recovered < 5.0
            finally:
                listener.close()
                emitter.close()


# -- SQLite held by another process ---------------------------------------------------

def sqlite_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("*.db"))


def write_load(api: Api, webhook_id: int, seconds: float, limit: int) -> tuple[list[str], list[Call]]:
    """Producers and writers for ``seconds``: Sonarr events (journalled emits), settings,
    webhook edits; returns the titles of accepted events and every write's answer."""
    accepted: list[str] = []
    writes: list[Call] = []
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline and rounds < limit:
        rounds += 1
        marker = f"load-{uuid.uuid4().hex[:8]}"
        if sonarr_test_event(api, marker).status in (200, 202):
            accepted.append(marker)
        writes.append(change_config(api, rounds))
        writes.append(api.put(f"/webhooks/{webhook_id}", {"name": f"receiver {rounds}"}))
        api.get("/webhooks")
        api.get("/hooks/logs?limit=5")
    return accepted, writes


@pytest.mark.slow
def test_sqlite_readers_and_backups_of_another_process_block_nothing(tmp_path: Path) -> None:
    """A long read transaction and a backup running over and over in other processes:
    WAL lets every write through; nothing fails, nothing is lost, the files stay sound."""
    data = tmp_path / "data"
    with TestServer(lambda _r: Reply(200)) as receiver, ServerProcess(data, FAST) as server:
        api = Api(server)
        webhook_id = create_webhook(api, receiver.url + "/hook", "webhook_received")
        database = data / "sublarr.db"
        with SqliteHolder(database, "read", 8.0) as reader, \
                SqliteHolder(database, "backup", 8.0) as backup:
            accepted, writes = write_load(api, webhook_id, seconds=7.0, limit=300)
            backups = backup.wait(timeout=30)
            reader.wait(timeout=30)
        wait_for_deliveries(receiver, accepted, server, timeout=30)
        statuses = api.statuses()
        report("sqlite readers+backup", calls=len(api.calls), statuses=dict(statuses),
               write_p99_ms=round(p99([c.seconds for c in writes]) * 1000),
               accepted=len(accepted), lost=len(set(accepted) - set(delivered_by_title(receiver))),
               backup_rounds=backups.split()[-1])
        assert statuses[500] == 0 and statuses[0] == 0
        assert set(statuses) <= {200, 201, 202}, statuses
        assert "unhandled error" not in server.output()
        api.close()
    for path in sqlite_files(data):
        assert integrity(path) == "ok", path


@pytest.mark.slow
def test_sqlite_locked_by_another_process_answers_503_then_recovers(tmp_path: Path) -> None:
    """Another process holds an exclusive lock for three busy timeouts: writes wait
    about one busy timeout each (however many queue behind each other), then answer a
    JSON 503 with Retry-After, never a 500; reads and emits go on; once the lock is
    gone every write works and every accepted event is delivered."""
    data = tmp_path / "data"
    hold = 32.0
    with TestServer(lambda _r: Reply(200)) as receiver, ServerProcess(data, FAST) as server:
        api = Api(server)
        webhook_id = create_webhook(api, receiver.url + "/hook", "webhook_received")
        accepted, _ = write_load(api, webhook_id, seconds=0.5, limit=10)
        writes: list[Call] = []

        def keep_writing(write: Callable[[Api, int], Call]) -> None:
            own = Api(server, timeout=60)
            for round_ in range(4):  # about one busy timeout each while locked
                if time.monotonic() > locked_at + hold - 2:
                    break
                writes.append(write(own, round_))
            own.close()

        with SqliteHolder(data / "sublarr.db", "exclusive", hold) as holder:
            locked_at = time.monotonic()
            # settings writes queue behind each other in the server; webhook edits do not
            workers = [threading.Thread(target=keep_writing, args=(change_config,))
                       for _ in range(4)]
            workers += [threading.Thread(target=keep_writing, args=(
                lambda own, r: own.put(f"/webhooks/{webhook_id}", {"name": f"w{r}"}),))
                for _ in range(2)]
            for worker in workers:
                worker.start()
            reads = [api.get("/webhooks") for _ in range(5)]
            emits = [sonarr_test_event(api, f"locked-{i}") for i in range(5)]
            for worker in workers:
                worker.join(90)
            holder.wait(timeout=60)
            released = time.monotonic()
        accepted += [f"locked-{i}" for i, c in enumerate(emits) if c.status in (200, 202)]
        during = Counter(c.status for c in writes)
        after = [change_config(api, 99), api.put(f"/webhooks/{webhook_id}", {"name": "back"})]
        wait_for_deliveries(receiver, accepted, server, timeout=30)
        delivered_s = time.monotonic() - released
        report("sqlite exclusive lock", locked_s=round(released - locked_at, 1),
               writes=len(writes), statuses=dict(during),
               max_write_s=round(max(c.seconds for c in writes), 1),
               read_max_ms=round(max(c.seconds for c in reads) * 1000),
               emit_max_ms=round(max(c.seconds for c in emits) * 1000),
               accepted=len(accepted),
               lost=len(set(accepted) - set(delivered_by_title(receiver))),
               delivered_after_release_s=round(delivered_s, 2))
        assert all(c.status == 200 for c in reads + emits + after)
        assert during[500] == 0 and during[0] == 0, during
        assert during[503] >= 6
        for call in writes:
            if call.status == 503:
                assert_unavailable(call)
            else:
                assert call.status in (200, 202), call
            # at most two busy timeouts (10 s): a turn in the server's queue, then SQLite's
            assert call.seconds < 22.0, (call.path, call.status, call.seconds)
        assert "unhandled error" not in server.output()
        api.close()
    for path in sqlite_files(data):
        assert integrity(path) == "ok", path
