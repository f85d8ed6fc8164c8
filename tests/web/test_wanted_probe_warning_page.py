"""The Wanted page's warning for files whose probe timed out (a share not answering):
its own sentence, the hint with the time limit, the paths (real Chromium; the reads
block for real, see ``tests.wanted.hang_support``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sublarr.library.intake import SINK_COMPONENT
from tests.wanted.hang_support import blocked_reads, media_like

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings(media_root: Path):
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe not installed")
    return {"standalone_folders": [str(media_root / "watched")], "wanted_languages": ["ja"],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_search_on_arrival": False, "wanted_probe_timeout_seconds": 1}


def test_wanted_page_shows_files_not_answering(ui, page, services, media_root):  # noqa: ANN001
    hung = media_like(media_root / "watched" / "Hung" / "Hung.mkv")
    with blocked_reads([hung]):
        services.components[SINK_COMPONENT].runner.scan_now()
    ui("wanted")
    warning = page.locator("[data-role=scan-warning][data-kind=files_not_answering]")
    expect(warning).to_contain_text("1 file(s) gave no answer when probed for subtitle tracks")
    expect(warning).to_contain_text("wanted_probe_timeout_seconds (1 s)")
    expect(warning).to_contain_text(str(hung))
    expect(page.locator("[data-role=scan-warning]")).to_have_count(1)
