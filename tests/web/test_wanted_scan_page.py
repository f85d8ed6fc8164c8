"""The Wanted page during a scan: the progress line and rows of finished series while a
later series is still being listed, then the files-not-found warning (real Chromium,
fake Sonarr over HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.library.fakes import fake_server, sonarr_library
from tests.wanted.test_scan_parts import KEY, GatedSonarr

pytestmark = pytest.mark.browser

SHOWS = {"Aria": 3, "Bocchi": 2, "Chihayafuru": 2, "Dorohedoro": 1}  # ids 1–4


@pytest.fixture
def sonarr(media_root: Path):
    fake = GatedSonarr(sonarr_library("/data/tv", media_root / "tv", SHOWS))
    (media_root / "tv" / "Dorohedoro").rename(media_root / "tv" / "elsewhere")
    fake.gate_series = 3
    with fake_server(fake) as server:
        yield fake, server
    fake.release.set()


@pytest.fixture
def app_settings(sonarr, media_root: Path):
    return {"sonarr_url": sonarr[1].url, "sonarr_api_key": KEY, "wanted_languages": ["en"],
            "path_mappings": [{"remote": "/data/tv", "local": str(media_root / "tv")}],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_probe_embedded": False, "wanted_search_on_arrival": False}


def test_wanted_page_shows_scan_progress_rows_and_the_warning(ui, page, sonarr,
                                                              live_connected):
    fake, _server = sonarr
    ui("wanted")
    live_connected()
    page.get_by_role("button", name="Scan now").click()
    assert fake.reached.wait(30), "the scan never asked for series 3"
    progress = page.locator("[data-role=scan-progress]")
    expect(progress).to_contain_text("Scanning: 2 / 4 series, 5 files checked")
    rows = page.locator(".list-table tbody tr")
    expect(rows).to_have_count(5)  # Aria and Bocchi, listed while the scan still runs

    fake.release.set()
    expect(rows).to_have_count(7)
    expect(progress).to_be_hidden()
    warning = page.locator("[data-role=scan-warning]")
    expect(warning).to_contain_text("1 file(s) listed by Sonarr/Radarr were not found here")
    expect(warning).to_contain_text("path_mappings")
    expect(warning).to_contain_text("Dorohedoro")
