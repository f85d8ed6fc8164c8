"""Tasks page and the Wanted list's schedule columns, in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sublarr.library.media import MediaFile
from sublarr.wanted import repo as wanted_repo

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings():
    return {"wanted_search_on_arrival": False, "wanted_scan_on_start": False,
            "wanted_scan_interval_minutes": 0}


def test_tasks_page_lists_jobs_and_runs_one_now(ui, page, snap):
    ui("system/tasks")
    rows = page.locator(".tasks-table tbody tr")
    for name in ("wanted_scan", "wanted_search", "upgrade_scan", "provider_resume", "retention"):
        expect(page.locator(f"tr[data-task={name}]")).to_have_count(1)
    retention = page.locator("tr[data-task=retention]")
    expect(retention.locator(".task-last")).to_contain_text("never")
    expect(retention).to_contain_text("every 10 min")
    snap(page, "tasks")
    retention.locator("[data-action=run]").click()
    expect(page.locator(".note-ok")).to_contain_text("started")
    expect(retention.locator(".task-status")).to_contain_text("removed 0 deliveries",
                                                              timeout=15_000)
    expect(retention.locator(".task-last")).not_to_contain_text("never")
    assert rows.count() >= 5


def test_wanted_list_shows_attempts_and_next_search(ui, page, services):
    media = MediaFile(path="/tv/Frieren/Season 01/Frieren - S01E01.mkv", media_type="episode",
                      title="Frieren", source="sonarr", season=1, episode=1)
    with services.db.session() as session:
        wanted_repo.insert_wanted(session, [(media, "en")])
    ui("wanted")
    row = page.locator(".list-table tbody tr").first
    expect(page.locator(".list-table thead")).to_contain_text("Next search")
    expect(page.locator(".list-table thead")).to_contain_text("Attempts")
    expect(row.locator("td[data-label=Attempts]")).to_have_text("0")
    expect(row.locator("td[data-label='Next search']")).not_to_have_text("—")
