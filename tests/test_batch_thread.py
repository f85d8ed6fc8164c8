"""The batching writer thread shared by the hook and webhook run logs."""

from __future__ import annotations

import threading

from sublarr.background import BatchThread


def test_items_queued_together_are_stored_in_one_batch_and_stop_stores_the_rest():
    stored: list[list[int]] = []
    gate = threading.Event()

    def store(batch: list[int]) -> None:
        gate.wait(10)  # hold the first batch until the others are queued
        stored.append(list(batch))

    writer = BatchThread("test-writer", store, limit=100, linger=0.0, nap=0.0)
    writer.start()
    writer.put(1)
    for item in range(2, 6):
        writer.put(item)
    gate.set()
    writer.stop(10)
    assert sum(stored, []) == [1, 2, 3, 4, 5]
    assert len(stored) <= 2


def test_a_failing_store_is_retried_until_it_succeeds():
    calls: list[list[str]] = []
    stored = threading.Event()

    def store(batch: list[str]) -> None:
        calls.append(list(batch))
        if len(calls) < 3:
            raise RuntimeError("database is locked")
        stored.set()

    writer = BatchThread("test-writer", store, limit=10, linger=0.0, nap=0.0,
                         retry_seconds=0.01)
    writer.start()
    writer.put("run")
    assert stored.wait(10)
    writer.stop(10)
    assert calls == [["run"], ["run"], ["run"]]


def test_store_now_gives_up_after_the_attempts_it_was_given():
    def store(batch: list[str]) -> None:
        raise RuntimeError("database is gone")

    writer = BatchThread("test-writer", store, limit=10, linger=0.0, nap=0.0,
                         retry_seconds=0.0)
    assert writer.store_with_retry(["run"], attempts=3) is False
