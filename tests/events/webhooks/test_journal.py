"""The producers' journal (SQLite): round trip, crash windows, and delivery of what it holds."""

# ruff: noqa: F811
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from datetime import timezone
from pathlib import Path

import pytest

from sublarr.app import create_app
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.services import services_of
from sublarr.db.base import utcnow
from sublarr.db.engine import Database, database_url_for
from sublarr.events.webhooks.journal import FILE_NAME, WebhookJournal
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import PENDING, NewEvent
from sublarr.events.webhooks.lifecycle import webhooks_of
from tests.conftest import TEST_ENV
from tests.events.webhooks.conftest import FAST_SETTINGS, create_webhook, wait_until


@pytest.fixture
def app_settings():
    return dict(FAST_SETTINGS)


@pytest.fixture
def db(tmp_path: Path):
    database = Database(database_url_for(tmp_path))
    database.upgrade()
    yield database
    database.close()


def a_webhook(db: Database) -> int:
    with db.session() as session:
        return webhook_configs.create(session, {
            "name": "w", "url": "http://127.0.0.1:1/", "event_name": "*", "secret": "s",
            "headers": {}, "retry_count": 3, "timeout_seconds": 10, "enabled": True}).id


def test_events_come_back_as_they_went_in(tmp_path):
    journal = WebhookJournal(tmp_path)
    at = utcnow()
    journal.append(NewEvent("evt_a", "test", '{"id":"evt_a"}', [(3, 4), (5, 1)], at))
    journal.append(NewEvent("evt_b", "hook_executed", "{}", [(3, 4)], at))
    first, second = journal.oldest(10)
    assert first.event == NewEvent("evt_a", "test", '{"id":"evt_a"}', [(3, 4), (5, 1)], at)
    assert first.event.created_at.tzinfo == timezone.utc
    assert second.event.event_id == "evt_b" and second.position > first.position
    assert journal.targets_waiting() == 3 and journal.targets_waiting(5) == 1
    journal.remove_through(first.position)
    assert [j.event.event_id for j in journal.oldest(10)] == ["evt_b"]
    journal.close()


def test_appends_after_close_are_still_stored(tmp_path):
    journal = WebhookJournal(tmp_path)
    journal.close()
    journal.append(NewEvent("evt_late", "test", "{}", [(1, 4)], utcnow()))
    reopened = WebhookJournal(tmp_path)
    assert [j.event.event_id for j in reopened.oldest(10)] == ["evt_late"]
    reopened.close()


def test_a_copy_interrupted_before_removal_is_not_stored_twice(db, tmp_path):
    """Crash window: the outbox committed the events, the journal still holds them."""
    webhook_id = a_webhook(db)
    outbox = Outbox(db)
    journal = WebhookJournal(tmp_path)
    for i in range(3):
        journal.append(NewEvent(f"evt_{i}", "test", "{}", [(webhook_id, 4)], utcnow()))
    events = [j.event for j in journal.oldest(10)]
    first = outbox.store_fanned(events, set(), 60, lambda _wid: True)
    again = outbox.store_fanned(events, set(), 60, lambda _wid: True)
    assert first.queued == {webhook_id} and again.queued == set()
    assert outbox.count(status=PENDING) == 3
    journal.close()


def test_deliveries_of_a_deleted_webhook_are_dropped_from_journalled_events(db, tmp_path):
    webhook_id = a_webhook(db)
    outbox = Outbox(db)
    event = NewEvent("evt_x", "test", "{}", [(webhook_id, 4), (webhook_id + 100, 4)], utcnow())
    done = outbox.store_fanned([event], set(), 60, lambda wid: wid == webhook_id)
    assert done.events == 1 and done.queued == {webhook_id}
    assert outbox.count(status=PENDING) == 1


def test_events_left_in_the_journal_are_delivered(client, services, receiver, data_dir):
    """What a crashed process journalled but never moved reaches the endpoint:
    another writer's journal entries are found by the scheduler's poll."""
    hook = create_webhook(client, receiver.url, event_name="test")
    envelope = {"id": "evt_01LEFTOVER0000000000000000", "event_name": "test", "version": 1,
                "timestamp": "2026-01-01T00:00:00.000000Z", "data": {"message": "left"}}
    other_writer = WebhookJournal(data_dir)  # as the crashed process left it: the same file
    other_writer.append(NewEvent(envelope["id"], "test", json.dumps(envelope),
                                 [(hook["id"], 4)], utcnow()))
    other_writer.close()
    [request] = receiver.wait_for(1, timeout=10)
    assert json.loads(request.body) == envelope
    assert request.headers["webhook-id"] == envelope["id"]
    wait_until(lambda: not webhooks_of(services).journal.oldest(1))
    assert (data_dir / FILE_NAME).exists()


OLD_JOURNAL_SCHEMA = """CREATE TABLE intake (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    targets TEXT NOT NULL)"""


def old_journal_with(data_dir: Path, events: list[tuple[str, dict, list]]) -> Path:
    """A journal file as earlier releases named and wrote it, left as a kill -9 leaves
    it: the rows only in its -wal, the -shm beside it."""
    scratch = data_dir / "scratch"
    scratch.mkdir()
    conn = sqlite3.connect(scratch / "webhook-intake.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute(OLD_JOURNAL_SCHEMA)
    for event_id, envelope, targets in events:
        conn.execute("INSERT INTO intake (event_id, event_name, payload, created_at, targets) "
                     "VALUES (?, ?, ?, ?, ?)", (event_id, "test", json.dumps(envelope),
                                                utcnow().isoformat(), json.dumps(targets)))
    for suffix in ("", "-wal", "-shm"):  # copied while the connection is open
        shutil.copyfile(scratch / f"webhook-intake.db{suffix}",
                        data_dir / f"webhook-intake.db{suffix}")
    conn.close()
    shutil.rmtree(scratch)
    old = data_dir / "webhook-intake.db"
    assert Path(f"{old}-wal").stat().st_size > 0
    return old


def test_events_in_a_journal_of_the_old_name_are_delivered_after_start(
        tmp_path, migrated_db_template, receiver):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(migrated_db_template, data_dir / "sublarr.db")
    database = Database(database_url_for(data_dir))
    with database.session() as session:
        hook_id = webhook_configs.create(session, {
            "name": "w", "url": receiver.url, "event_name": "test", "secret": "s",
            "headers": {}, "retry_count": 3, "timeout_seconds": 10, "enabled": True}).id
    database.close()
    envelopes = [{"id": f"evt_01OLDNAME{i:017d}", "event_name": "test", "version": 1,
                  "timestamp": "2026-01-01T00:00:00.000000Z", "data": {"message": f"old {i}"}}
                 for i in range(3)]
    old = old_journal_with(data_dir, [(e["id"], e, [[hook_id, 4]]) for e in envelopes])
    os.chmod(old, 0o644)

    app = create_app({"data_dir": data_dir, **FAST_SETTINGS}, environ=TEST_ENV, testing=True)
    try:
        requests = receiver.wait_for(3, timeout=10)
        assert sorted(json.loads(r.body)["id"] for r in requests) == [e["id"] for e in envelopes]
        for suffix in ("", "-wal", "-shm"):
            assert not Path(f"{old}{suffix}").exists()
        new = data_dir / FILE_NAME
        assert stat.S_IMODE(new.stat().st_mode) == 0o600
        assert not webhooks_of(services_of(app)).journal.oldest(10)
    finally:
        services_of(app).shutdown()


def test_a_second_start_after_an_interrupted_move_copies_nothing_twice(tmp_path, db):
    webhook_id = a_webhook(db)
    envelope = {"id": "evt_01TWICE00000000000000000", "event_name": "test"}
    old_journal_with(tmp_path, [(envelope["id"], envelope, [[webhook_id, 4]])])
    WebhookJournal(tmp_path).close()
    # Stopped after the copy, before the old file was removed: it is still there.
    old_journal_with(tmp_path, [(envelope["id"], envelope, [[webhook_id, 4]])])
    journal = WebhookJournal(tmp_path)
    assert [j.event.event_id for j in journal.oldest(10)] == [envelope["id"]]
    assert not (tmp_path / "webhook-intake.db").exists()
    journal.close()


def test_a_journal_of_an_earlier_release_keeps_its_events_in_order(tmp_path):
    """Earlier releases kept the events in an AUTOINCREMENT table named ``intake``
    inside this same file: they come back in their order, and later appends follow them."""
    conn = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    conn.execute(OLD_JOURNAL_SCHEMA)
    for i in range(3):
        conn.execute("INSERT INTO intake (event_id, event_name, payload, created_at, targets) "
                     "VALUES (?, 'test', '{}', ?, '[[1, 4]]')", (f"evt_old{i}", utcnow().isoformat()))
    conn.execute("DELETE FROM intake WHERE event_id = 'evt_old0'")  # positions start past 1
    conn.close()
    journal = WebhookJournal(tmp_path)
    journal.append(NewEvent("evt_new", "test", "{}", [(1, 4)], utcnow()))
    waiting = journal.oldest(10)
    assert [j.event.event_id for j in waiting] == ["evt_old1", "evt_old2", "evt_new"]
    assert [j.position for j in waiting] == [2, 3, 4]
    journal.close()
    reopened = WebhookJournal(tmp_path)  # a second start finds nothing to upgrade
    assert [j.event.event_id for j in reopened.oldest(10)] == ["evt_old1", "evt_old2", "evt_new"]
    reopened.close()
    with sqlite3.connect(tmp_path / FILE_NAME) as check:
        tables = {name for (name,) in check.execute("SELECT name FROM sqlite_master")}
    assert "intake" not in tables and "events" in tables
