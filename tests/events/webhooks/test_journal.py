"""The producers' journal (SQLite): round trip, crash windows, and delivery of what it holds."""

# ruff: noqa: F811
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest

from sublarr.events.webhooks import repo as webhook_configs
from sublarr.db.base import utcnow
from sublarr.db.engine import Database, database_url_for
from sublarr.events.webhooks.journal import FILE_NAME, WebhookJournal
from sublarr.events.webhooks.outbox import Outbox
from sublarr.events.webhooks.outbox_rows import PENDING, NewEvent
from sublarr.events.webhooks.lifecycle import webhooks_of
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
