"""The outbox on its own: claims, leases, crash recovery, retention (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Iterator

import pytest

from sublarr.events.webhooks import repo as webhook_configs
from sublarr.db.base import utcnow
from sublarr.db.engine import Database, database_url_for
from sublarr.owners import new_owner_id, owner_is_gone
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import DELIVERED, FAILED, PENDING, AttemptRecord, NewEvent


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(database_url_for(tmp_path))
        database.upgrade()
        yield database
        database.close()
        return
    pg_url = request.getfixturevalue("pg_url")
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.close()


@pytest.fixture
def webhook_id(db: Database) -> int:
    with db.session() as session:
        row = webhook_configs.create(session, {
            "name": "w", "url": "http://127.0.0.1:1/", "event_name": "*", "secret": "s",
            "headers": {}, "retry_count": 3, "timeout_seconds": 10, "enabled": True})
        return row.id


def fill(outbox: Outbox, webhook_id: int, count: int) -> list[str]:
    ids = []
    for i in range(count):
        ids += outbox.enqueue(f"evt_{i:04d}", "test", "{}", [(webhook_id, 4)])
    return ids


def run_in_threads(target, count: int) -> None:  # noqa: ANN001
    """``target(index)`` on ``count`` threads at once; returns when all are done."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def test_enqueue_stores_pending_rows(db, webhook_id):
    outbox = Outbox(db)
    ids = outbox.enqueue("evt_1", "test", '{"id":"evt_1"}', [(webhook_id, 4), (webhook_id, 2)])
    assert len(set(ids)) == 2 and all(i.startswith("dlv_") for i in ids)
    stored = outbox.get(ids[0])
    assert stored.status == PENDING and stored.event_id == "evt_1" and stored.attempts == 0


def test_concurrent_claims_never_share_a_row(db, webhook_id):
    fill(Outbox(db), webhook_id, 200)
    owners = [Outbox(db) for _ in range(4)]
    taken: list[list[str]] = [[] for _ in owners]

    def claim_all(index: int) -> None:
        while True:
            got = owners[index].claim_due(webhook_id, 7, lease_seconds=60)
            if not got:
                return
            taken[index].extend(c.id for c in got)

    run_in_threads(claim_all, len(owners))
    everything = [i for chunk in taken for i in chunk]
    assert len(everything) == 200 and len(set(everything)) == 200


def test_leased_rows_are_not_claimed_until_the_lease_expires(db, webhook_id):
    fill(Outbox(db), webhook_id, 3)
    first, second = Outbox(db), Outbox(db)
    assert len(first.claim_due(webhook_id, 10, lease_seconds=60)) == 3
    assert second.claim_due(webhook_id, 10, lease_seconds=60) == []
    later = utcnow() + timedelta(seconds=61)
    assert len(second.claim_due(webhook_id, 10, lease_seconds=60, now=later)) == 3


def test_rows_of_a_dead_owner_on_this_host_are_released(db, webhook_id):
    fill(Outbox(db), webhook_id, 2)
    me = new_owner_id()
    host, _, _ = me.rsplit(":", 2)
    dead = Outbox(db, owner=f"{host}:999999:deadbeef0000")  # no such pid
    assert len(dead.claim_due(webhook_id, 10, lease_seconds=3600)) == 2
    restarted = Outbox(db, owner=me)
    assert restarted.claim_due(webhook_id, 10, lease_seconds=60) == []
    assert restarted.release_dead_leases(lambda o: owner_is_gone(o, me)) == (2, 0)
    assert len(restarted.claim_due(webhook_id, 10, lease_seconds=60)) == 2


def test_recorded_attempts_release_the_lease(db, webhook_id):
    outbox = Outbox(db)
    fill(outbox, webhook_id, 3)
    a, b, c = outbox.claim_due(webhook_id, 3, lease_seconds=60)
    now = utcnow()
    retry_at = now + timedelta(seconds=30)
    with outbox.write_session() as session:
        outbox.record_attempts(session, [
            AttemptRecord(a.id, DELIVERED, 1, now, 204, None, now),
            AttemptRecord(b.id, PENDING, 1, retry_at, 503, "HTTP 503", None),
            AttemptRecord(c.id, FAILED, 1, now, 400, "HTTP 400", now),
        ])
    assert outbox.get(a.id).status == DELIVERED
    assert outbox.get(b.id).status == PENDING and outbox.get(b.id).attempts == 1
    assert outbox.get(c.id).status == FAILED
    assert outbox.claim_due(webhook_id, 10, lease_seconds=60) == []  # b is not due yet
    assert [x.id for x in outbox.claim_due(webhook_id, 10, 60, now=retry_at)] == [b.id]


def test_a_foreign_lease_is_not_overwritten(db, webhook_id):
    mine, theirs = Outbox(db), Outbox(db)
    fill(mine, webhook_id, 1)
    [row] = theirs.claim_due(webhook_id, 1, lease_seconds=60)
    now = utcnow()
    with mine.write_session() as session:
        mine.record_attempts(session, [AttemptRecord(row.id, DELIVERED, 1, now, 204, None, now)])
    assert mine.get(row.id).status == PENDING


def test_prune_keeps_pending_rows_and_applies_age_and_count(db, webhook_id):
    outbox = Outbox(db)
    fill(outbox, webhook_id, 6)
    claimed = outbox.claim_due(webhook_id, 5, lease_seconds=60)
    now = utcnow()
    old = now - timedelta(days=30)
    with outbox.write_session() as session:
        outbox.record_attempts(session, [
            AttemptRecord(c.id, DELIVERED, 1, now, 204, None, old if i < 2 else now)
            for i, c in enumerate(claimed)])
    assert outbox.prune_completed(max_age_days=7, max_count=1000) == 2
    assert outbox.count(status=DELIVERED) == 3
    assert outbox.prune_completed(max_age_days=7, max_count=1) == 2
    assert outbox.count(status=DELIVERED) == 1 and outbox.count(status=PENDING) == 1


def test_producer_timestamps_are_stored_like_every_other_timestamp(db, webhook_id):
    """The producer formats its SQLite timestamps itself; claims compare them with
    SQLAlchemy-bound ones, so both forms must be the same text."""
    outbox = Outbox(db)
    at = utcnow().replace(microsecond=0) + timedelta(seconds=30)
    outbox.store(NewEvent("evt_ts", "test", "{}", [(webhook_id, 4)], at))
    assert outbox.claim_due(webhook_id, 1, 60, now=at - timedelta(microseconds=1)) == []
    assert len(outbox.claim_due(webhook_id, 1, 60, now=at)) == 1


def test_producer_timestamps_survive_the_fan_out(db, webhook_id):
    outbox = Outbox(db)
    at = utcnow().replace(microsecond=0) + timedelta(seconds=30)
    outbox.store_event(NewEvent("evt_fts", "test", "{}", [(webhook_id, 4)], at))
    outbox.fan_out(10, set(), 60, lambda _wid: True)
    assert outbox.claim_due(webhook_id, 1, 60, now=at - timedelta(microseconds=1)) == []
    assert len(outbox.claim_due(webhook_id, 1, 60, now=at)) == 1


def second_webhook(db: Database) -> int:
    with db.session() as session:
        return webhook_configs.create(session, {
            "name": "w2", "url": "http://127.0.0.1:2/", "event_name": "*", "secret": "s",
            "headers": {}, "retry_count": 1, "timeout_seconds": 10, "enabled": True}).id


def test_an_emit_stores_one_event_and_the_fan_out_writes_its_rows(db, webhook_id):
    other = second_webhook(db)
    outbox = Outbox(db)
    outbox.store_event(NewEvent("evt_f1", "test", '{"id":"evt_f1"}', [(webhook_id, 4), (other, 2)],
                                utcnow()))
    # Counted as pending before any row exists: nothing is invisible while it waits.
    assert outbox.count(status=PENDING) == 2 and outbox.count(PENDING, webhook_id=other) == 1
    done = outbox.fan_out(10, {webhook_id}, 60, lambda _wid: True)
    assert done.events == 1 and done.queued == {other}
    [mine] = done.adopted
    assert (mine.webhook_id, mine.event_id, mine.max_attempts, mine.attempts) == (
        webhook_id, "evt_f1", 4, 0)
    assert mine.payload == '{"id":"evt_f1"}' and outbox.get(mine.id).status == PENDING
    # The adopted row is leased to us; the other one is claimable by anyone.
    assert outbox.claim_due(webhook_id, 10, 60) == []
    [theirs] = Outbox(db).claim_due(other, 10, 60)
    assert (theirs.event_id, theirs.max_attempts) == ("evt_f1", 2)
    assert outbox.count(status=PENDING) == 2
    assert outbox.fan_out(10, set(), 60, lambda _wid: True).events == 0


def test_fan_out_batches_are_bounded_and_oldest_first(db, webhook_id):
    outbox = Outbox(db)
    start = utcnow()
    for i in range(5):
        outbox.store_event(NewEvent(f"evt_b{i}", "test", "{}", [(webhook_id, 4)],
                                    start + timedelta(milliseconds=i)))
    first = outbox.fan_out(2, {webhook_id}, 60, lambda _wid: True)
    assert [c.event_id for c in first.adopted] == ["evt_b0", "evt_b1"]
    rest = outbox.fan_out(10, {webhook_id}, 60, lambda _wid: True)
    assert [c.event_id for c in rest.adopted] == ["evt_b2", "evt_b3", "evt_b4"]


def test_fan_out_drops_targets_of_deleted_webhooks(db, webhook_id):
    outbox = Outbox(db)
    outbox.store_event(NewEvent("evt_gone", "test", "{}", [(webhook_id, 4), (9999, 4)], utcnow()))
    done = outbox.fan_out(10, set(), 60, lambda wid: wid == webhook_id)
    assert done.events == 1 and done.queued == {webhook_id}
    assert outbox.count(status=PENDING) == 1


def test_prune_keeps_events_still_waiting_for_their_rows(db, webhook_id):
    outbox = Outbox(db)
    outbox.store_event(NewEvent("evt_wait", "test", "{}", [(webhook_id, 4)], utcnow()))
    outbox.prune_completed(max_age_days=0, max_count=0)
    done = outbox.fan_out(10, {webhook_id}, 60, lambda _wid: True)
    assert [c.event_id for c in done.adopted] == ["evt_wait"]


def test_concurrent_fan_outs_write_each_event_once(db, webhook_id):
    outbox = Outbox(db)
    for i in range(120):
        outbox.store_event(NewEvent(f"evt_c{i:03d}", "test", "{}", [(webhook_id, 4)], utcnow()))
    workers = [Outbox(db) for _ in range(3)]
    adopted: list[list[str]] = [[] for _ in workers]

    def drain(index: int) -> None:
        while True:
            done = workers[index].fan_out(7, {webhook_id}, 60, lambda _wid: True)
            adopted[index] += [c.event_id for c in done.adopted]
            if not done.events:
                return

    run_in_threads(drain, len(workers))
    every = [e for ids in adopted for e in ids]
    assert sorted(every) == [f"evt_c{i:03d}" for i in range(120)]
    assert outbox.count(status=PENDING) == 120


def test_webhooks_with_due_rows_are_found_in_one_query(db, webhook_id):
    other, idle = second_webhook(db), second_webhook(db)
    outbox = Outbox(db)
    fill(outbox, webhook_id, 2)
    fill(outbox, other, 1)
    assert outbox.webhooks_with_due([webhook_id, other, idle, 9999]) == {webhook_id, other}
    outbox.claim_due(other, 10, 60)  # leased: not due for anyone else
    assert outbox.webhooks_with_due([webhook_id, other, idle]) == {webhook_id}
    earlier = utcnow() - timedelta(hours=1)  # nothing was due yet then
    assert outbox.webhooks_with_due([webhook_id, other], now=earlier) == set()
    assert outbox.webhooks_with_due([]) == set()
