"""Activity in a real Chromium: catalog events and progress streams over Socket.IO."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_live_event_arrives_in_activity_feed(ui, page, services, live_connected, snap):
    ui("activity")
    live_connected()
    services.bus.emit("test", {"message": "hello"})
    item = page.locator("#feed .feed-item[data-event=test]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("hello")
    expect(item.locator(".badge")).to_have_text("Test")  # the catalog label
    services.bus.emit("config_updated", {"updated_keys": ["hook_workers"]})
    expect(page.locator("#feed .feed-item").first).to_contain_text("hook_workers")
    snap(page, "activity-events")


def test_progress_streams_render_as_bars(ui, page, services, live_connected, snap):
    ui("activity")
    live_connected()
    services.progress.emit("batch_progress", {"batch_id": 7, "total": 4, "done": 1,
                                              "succeeded": 1, "failed": 0, "percent": 25.0})
    services.progress.emit("wanted_batch_progress", {
        "batch_id": "b1", "item_id": 3, "current": 3, "total": 10, "found": 2, "not_found": 1,
        "failed": 0, "skipped": 0})
    services.progress.emit("whisper_progress", {"job_id": 5, "media_path": "/m/Paprika.mkv",
                                                "status": "running", "percent": 40.0})
    services.progress.emit("job_update", {"id": 9, "status": "running", "percent": 60.0,
                                          "source_path": "/tv/Show.en.ass"})
    services.progress.emit("webhook_completed", {"source": "sonarr", "event_type": "Download",
                                                 "files": 1, "success": True, "error": None,
                                                 "duration_ms": 12})
    bars = page.locator("#progress .progress-item")
    expect(bars).to_have_count(4)
    # Operational notices are neither catalog events nor progress: not in the feed.
    expect(page.locator("#feed .feed-item")).to_have_count(0)
    batch = page.locator("#progress [data-stream=batch_progress]")
    expect(batch.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "25")
    expect(batch).to_contain_text("1 / 4")
    expect(page.locator("#progress [data-stream=wanted_batch_progress] [role=progressbar]")
           ).to_have_attribute("aria-valuenow", "30")
    expect(page.locator("#progress [data-stream=whisper_progress]")).to_contain_text("Paprika")
    # A later update of the same job replaces its bar instead of adding one.
    services.progress.emit("batch_progress", {"batch_id": 7, "total": 4, "done": 4,
                                              "succeeded": 4, "failed": 0, "percent": 100.0})
    expect(batch.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(bars).to_have_count(4)
    snap(page, "activity-progress")


def test_feed_keeps_events_received_on_other_pages(ui, page, services, live_connected):
    ui("settings/general")
    live_connected()
    services.bus.emit("test", {"message": "while away"})
    page.wait_for_function("() => window.sublarr.activity.events.length === 1")
    page.click(".nav a[data-path='activity']")
    expect(page.locator("#feed .feed-item")).to_contain_text("while away")
