"""The pure cores: verdicts, Retry-After, the retry ladder, settling and tallies."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from sublarr.events.webhooks.request import Endpoint, request_headers
from sublarr.events.webhooks.sender import AttemptResult
from sublarr.retry import parse_retry_after
from sublarr.events.webhooks.outbox_rows import DELIVERED, FAILED, PENDING, Claimed
from sublarr.events import runlog
from sublarr.events.webhooks.outcomes import run_of, settle
from sublarr.events.webhooks.policy import (
    Verdict,
    classify,
    parse_webhook_retry_after,
    retry_delay,
    should_retry,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("status,verdict", [
    (200, Verdict.SUCCESS), (204, Verdict.SUCCESS), (299, Verdict.SUCCESS),
    (None, Verdict.RETRY), (429, Verdict.RETRY), (500, Verdict.RETRY), (503, Verdict.RETRY),
    (599, Verdict.RETRY), (410, Verdict.GONE), (400, Verdict.FINAL), (401, Verdict.FINAL),
    (404, Verdict.FINAL), (301, Verdict.FINAL), (302, Verdict.FINAL), (308, Verdict.FINAL),
    (100, Verdict.FINAL),
])
def test_classify(status, verdict):
    assert classify(status) is verdict


def test_retry_after_forms_and_cap():
    assert parse_webhook_retry_after("7") == 7.0
    assert parse_webhook_retry_after("999999") == 3600.0
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=90), usegmt=True),
                             now=NOW) == pytest.approx(90.0)
    assert parse_retry_after(format_datetime(NOW - timedelta(seconds=90), usegmt=True),
                             now=NOW) == 0.0
    for junk in (None, "", "soon", "-5", "1.5e3", "Mon, 99 Foo"):
        assert parse_retry_after(junk, now=NOW) is None


def test_ladder_doubles_with_bounded_jitter():
    rng = random.Random(7)
    for attempts, base in ((1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0)):
        for _ in range(50):
            assert base * 0.8 <= retry_delay(attempts, 2.0, rng=rng) <= base * 1.2
    assert retry_delay(40, 2.0, rng=rng) == 3600.0
    assert retry_delay(1, 2.0, retry_after=30.0) == 30.0  # the receiver's word wins


def test_should_retry_respects_attempts():
    assert should_retry(Verdict.RETRY, 1, 4) and should_retry(Verdict.RETRY, 3, 4)
    assert not should_retry(Verdict.RETRY, 4, 4)
    assert not should_retry(Verdict.FINAL, 1, 4) and not should_retry(Verdict.GONE, 1, 4)


def endpoint(retry_count: int = 3, headers: tuple = ()) -> Endpoint:
    return Endpoint(7, "Relay", "http://127.0.0.1:1/x", "*", "s3cret", headers, retry_count, 10,
                    True)


def claimed(attempts: int = 0, event_name: str = "test") -> Claimed:
    return Claimed("dlv_1", 7, "evt_1", event_name, "{}", attempts, 4, NOW + timedelta(minutes=2))


def test_settle_success_retry_and_exhaustion():
    ok = settle(claimed(), endpoint(), AttemptResult(204, None, None, 5), 2.0, NOW)
    assert ok.record.status == DELIVERED and ok.final and ok.record.completed_at == NOW
    busy = settle(claimed(), endpoint(), AttemptResult(503, "x", "HTTP 503", 5), 2.0, NOW,
                  random.Random(1))
    assert busy.record.status == PENDING and not busy.final and busy.record.attempts == 1
    assert NOW + timedelta(seconds=1.6) <= busy.record.next_attempt_at <= NOW + timedelta(seconds=2.4)
    last = settle(claimed(attempts=3), endpoint(), AttemptResult(503, "x", "HTTP 503", 5), 2.0, NOW)
    assert last.record.status == FAILED and last.record.attempts == 4
    gone = settle(claimed(), endpoint(), AttemptResult(410, None, "HTTP 410", 5), 2.0, NOW)
    assert gone.final and gone.gone and gone.record.status == FAILED


def test_settle_uses_the_current_retry_count():
    result = AttemptResult(None, None, "Timeout after 10s", 10000)
    assert settle(claimed(), endpoint(retry_count=0), result, 2.0, NOW).record.status == FAILED


def test_settle_honours_retry_after():
    result = AttemptResult(429, None, "HTTP 429", 3, retry_after=120.0)
    assert settle(claimed(), endpoint(), result, 2.0, NOW).record.next_attempt_at == \
        NOW + timedelta(seconds=120)


def test_tally_counts_the_streak_after_the_last_success():
    def final(code):  # noqa: ANN001, ANN202
        item = settle(claimed(attempts=3), endpoint(), AttemptResult(code, None, None, 1), 2.0,
                      NOW)
        return run_of(item, NOW)

    [t] = runlog.tally([final(500), final(204), final(400), final(500)])
    assert t.count == 4 and t.saw_success and t.trailing_failures == 2
    assert t.last_status_code == 500
    [t] = runlog.tally([final(400), final(400)])
    assert not t.saw_success and t.trailing_failures == 2


def test_log_entry_and_hook_executed_payload():
    item = settle(claimed(attempts=1), endpoint(), AttemptResult(204, "ok", None, 12), 2.0, NOW)
    entry = runlog.log_row(run_of(item, NOW))
    assert entry["hook_type"] == "webhook" and entry["attempts"] == 2
    assert entry["webhook_id"] == 7 and entry["delivery_id"] == "dlv_1"
    payload = runlog.hook_executed_payload(run_of(item, NOW))
    assert payload["hook_name"] == "Relay" and payload["success"] is True
    assert runlog.announces(run_of(item, NOW))
    loop = settle(claimed(event_name="hook_executed"), endpoint(),
                  AttemptResult(204, None, None, 1), 2.0, NOW)
    assert not runlog.announces(run_of(loop, NOW))


def test_run_log_triggered_at_is_when_the_attempt_started():
    started = NOW - timedelta(seconds=9)
    item = settle(claimed(), endpoint(), AttemptResult(204, None, None, 9000, None, started),
                  2.0, NOW)
    assert runlog.log_row(run_of(item, NOW))["triggered_at"] == started
    [t] = runlog.tally([run_of(item, NOW)])
    assert t.last_at == started


def test_user_headers_never_replace_ours():
    ep = endpoint(headers=(("Authorization", "Bearer t"), ("x-sublarr-signature", "forged"),
                           ("Content-Type", "text/plain")))
    headers = request_headers(ep, "dlv_1", "test", "evt_1", b"{}", 1700000000)
    assert headers["Authorization"] == "Bearer t"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Sublarr-Signature"].startswith("sha256=")
    assert "x-sublarr-signature" not in headers
    assert headers["webhook-id"] == "evt_1" and headers["webhook-timestamp"] == "1700000000"
