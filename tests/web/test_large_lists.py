"""Wanted and History with 75,000 rows each, in a real Chromium: the pages search,
filter and page on the server (the browser only ever holds one page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from sublarr.db.base import utcnow
from sublarr.providers.models import SubtitleHistory
from sublarr.wanted.models import WantedItem

pytestmark = pytest.mark.browser

ROWS = 75_000
PER_SHOW = 100


def _title(n: int) -> str:
    return f"Show {n // PER_SHOW:04d}"


def seed(services) -> None:  # noqa: ANN001
    now = utcnow()
    wanted = [{"media_path": f"/tv/{_title(n)}/Season 1/{_title(n)} - S01E{n % PER_SHOW:02d}.mkv",
               "media_type": "episode", "source": "sonarr", "title": _title(n), "season": 1,
               "episode": n % PER_SHOW, "language": "en" if n % 3 else "de",
               "status": "not_found" if n % 5 == 0 else "wanted", "search_count": 0,
               "added_at": now, "updated_at": now} for n in range(ROWS)]
    history = [{"action": "upgraded" if n % 4 == 0 else "downloaded", "media_type": "episode",
                "media_path": f"/tv/{_title(n)}/e{n}.mkv", "title": _title(n), "season": 1,
                "episode": n % PER_SHOW, "language": "en", "hearing_impaired": False,
                "forced": False, "provider": "jimaku" if n % 2 else "animetosho",
                "subtitle_id": str(n), "score": 300, "format": "ass",
                "subtitle_path": f"/tv/{_title(n)}/e{n}.en.ass",
                "created_at": now - timedelta(seconds=ROWS - n)} for n in range(ROWS)]
    with services.db.session() as session:
        for start in range(0, ROWS, 5000):
            session.execute(insert(WantedItem.__table__), wanted[start:start + 5000])
            session.execute(insert(SubtitleHistory.__table__), history[start:start + 5000])


def test_wanted_page_with_75000_rows_searches_filters_and_pages(ui, page, services):
    seed(services)
    ui("wanted")
    rows = page.locator(".list-table tbody tr")
    info = page.locator(".pager-info")
    expect(rows).to_have_count(25)
    expect(info).to_have_text(f"Page 1 of 3000 · {ROWS} total")
    page.click("[data-action=next]")
    expect(info).to_have_text(f"Page 2 of 3000 · {ROWS} total")
    expect(rows.first).to_contain_text("Show 0000 S01E25")

    page.fill("input[name=search]", "show 0700")  # server-side, case-insensitive
    expect(info).to_have_text("Page 1 of 4 · 100 total")
    expect(rows.first).to_contain_text("Show 0700 S01E00")
    page.select_option("select[name=status]", "not_found")
    expect(info).to_have_text("Page 1 of 1 · 20 total")
    expect(rows).to_have_count(20)
    page.fill("input[name=language]", "de")
    expect(info).to_have_text("Page 1 of 1 · 7 total")


def test_history_page_with_75000_rows_searches_and_pages_newest_first(ui, page, services):
    seed(services)
    ui("history")
    rows = page.locator(".list-table tbody tr")
    info = page.locator(".pager-info")
    expect(info).to_have_text(f"Page 1 of 3000 · {ROWS} total")
    expect(rows.first).to_contain_text("Show 0749 S01E99")  # the newest row
    page.fill("input[name=search]", "Show 0042")
    expect(info).to_have_text("Page 1 of 4 · 100 total")
    expect(rows.first).to_contain_text("Show 0042 S01E99")
    page.select_option("select[name=action]", "upgraded")
    expect(info).to_have_text("Page 1 of 1 · 25 total")
    expect(rows).to_have_count(25)
