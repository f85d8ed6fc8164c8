"""Background threads lower their own CPU priority; the rest of the process keeps its own."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from sublarr.background import background_thread

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="niceness is per thread only on Linux")


def niceness(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


def test_a_background_thread_runs_nicer_and_leaves_the_caller_alone():
    before = niceness(threading.get_native_id())
    seen: list[int] = []
    thread = background_thread(lambda: seen.append(niceness(threading.get_native_id())),
                               "probe", before + 7)
    thread.start()
    thread.join(10)
    assert seen == [before + 7]
    assert niceness(threading.get_native_id()) == before


def policy_of(batch: bool) -> int:
    seen: list[int] = []
    thread = background_thread(
        lambda: seen.append(os.sched_getscheduler(threading.get_native_id())), "probe", 5,
        batch=batch)
    thread.start()
    thread.join(10)
    return seen[0]


def test_a_batch_thread_takes_the_batch_policy_and_the_caller_keeps_its_own():
    # A batch thread that wakes never preempts the producer that woke it.
    before = os.sched_getscheduler(threading.get_native_id())
    assert policy_of(batch=True) == os.SCHED_BATCH
    assert policy_of(batch=False) == before
    assert os.sched_getscheduler(threading.get_native_id()) == before


def test_the_webhook_scheduler_thread_runs_under_the_batch_policy(services):
    scheduler = next(t for t in threading.enumerate() if t.name == "webhook-scheduler")
    sender = next(t for t in threading.enumerate() if t.name == "webhook-sender-0")
    assert os.sched_getscheduler(scheduler.native_id) == os.SCHED_BATCH
    assert os.sched_getscheduler(sender.native_id) == os.SCHED_OTHER


def test_zero_means_normal_priority():
    before = niceness(threading.get_native_id())
    seen: list[int] = []
    thread = background_thread(lambda: seen.append(niceness(threading.get_native_id())),
                               "probe", 0)
    thread.start()
    thread.join(10)
    assert seen == [before]


def test_the_webhook_scheduler_threads_run_at_the_configured_niceness(services):
    configured = services.settings.current.webhook_thread_nice
    names = ("webhook-scheduler", "webhook-sender-0", "webhook-recorder", "event-maintenance")
    threads = {t.name: t for t in threading.enumerate() if t.name in names}
    assert set(threads) == set(names)
    base = niceness(threading.get_native_id())
    assert {name: niceness(t.native_id) for name, t in threads.items()} == {
        name: max(base, configured) for name in names}
