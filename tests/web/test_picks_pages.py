"""Manual pick dialog (Wanted, History), the blacklist button and the Blacklist page, in Chromium."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from sublarr.db.base import utcnow
from sublarr.library.media import MediaFile
from sublarr.wanted import repo as wanted_repo
from tests.picks.support import GOOD, MEDIA_NAME, OTHER, THIRD, MultiSubdl, srt
from tests.wanted.arrival_support import subdl_settings, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def subdl() -> Iterator[MultiSubdl]:
    fake = MultiSubdl(offers=[GOOD, OTHER, THIRD]).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(subdl: MultiSubdl) -> dict[str, Any]:
    return {**subdl_settings(subdl), "wanted_search_on_arrival": False,
            "wanted_scan_on_start": False, "wanted_scan_interval_minutes": 0}


@pytest.fixture
def media(services, media_root: Path) -> Path:
    """A real episode file with a wanted row the queue leaves alone for a day."""
    path = media_root / "Sousou no Frieren" / "Season 1" / MEDIA_NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 2048)
    row = MediaFile(path=str(path), media_type="episode", title="Sousou no Frieren",
                    source="sonarr", season=1, episode=5)
    with services.db.session() as session:
        wanted_repo.insert_wanted(session, [(row, "en")], utcnow() + timedelta(days=1))
    return path


def _text(path: Path) -> bytes:
    return path.read_bytes().replace(b"\r\n", b"\n").strip()


def test_pick_dialog_on_wanted_downloads_the_chosen_candidate(ui, page, media, subdl, snap):
    ui("wanted")
    page.locator(".list-table tbody tr [data-action=pick]").click()
    dialog = page.locator("[data-role=pick-dialog]")
    rows = dialog.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-subtitle-id", GOOD.sub_id)
    expect(rows.first.locator("[data-role=breakdown]")).to_contain_text("release group +14")
    snap(page, "pick-dialog")
    dialog.locator(f"tr[data-subtitle-id='{OTHER.sub_id}'] [data-action=pick]").click()

    expect(dialog).to_have_count(0)
    expect(page.locator(".note-ok")).to_contain_text("Saved subdl subtitle")
    saved = media.with_name(media.stem + ".en.srt")
    assert _text(saved) == srt(OTHER.text).strip()
    assert (subdl.downloads_of(OTHER.sub_id), subdl.downloads_of(GOOD.sub_id)) == (1, 0)
    expect(page.locator(".list-table tbody tr").first).to_contain_text("found")


def test_pick_dialog_shows_a_failed_download_and_stays_open(ui, page, media, subdl):
    subdl.broken = {THIRD.sub_id}
    ui("wanted")
    page.locator(".list-table tbody tr [data-action=pick]").click()
    dialog = page.locator("[data-role=pick-dialog]")
    dialog.locator(f"tr[data-subtitle-id='{THIRD.sub_id}'] [data-action=pick]").click()

    expect(dialog.locator(".form-error")).to_contain_text("download failed")
    assert not media.with_name(media.stem + ".en.srt").exists()
    dialog.locator("[data-action=close]").click()
    expect(dialog).to_have_count(0)


def test_blacklist_button_in_history_and_the_blacklist_page(ui, page, client, media, subdl, snap):
    [row] = client.get("/api/v1/wanted").get_json()["items"]
    assert client.post(f"/api/v1/wanted/{row['id']}/pick",
                       json={"provider": "subdl", "subtitle_id": OTHER.sub_id}).status_code == 200
    saved = media.with_name(media.stem + ".en.srt")
    ui("history")
    page.locator(".list-table tbody tr [data-action=blacklist]").click()
    page.locator("dialog .btn-danger").click()

    expect(page.locator(".note-ok")).to_contain_text("its file was removed")
    # Searched again at once: the best remaining subtitle arrives.
    wait_for(lambda: saved.exists() and _text(saved) == srt(GOOD.text).strip(), "GOOD saved")
    # History's pick dialog marks the blacklisted candidate and refuses it.
    expect(page.locator(".list-table tbody tr")).to_have_count(2)
    page.locator(".list-table tbody tr").first.locator("[data-action=pick]").click()
    banned = page.locator(f"[data-role=pick-dialog] tr[data-subtitle-id='{OTHER.sub_id}']")
    expect(banned).to_contain_text("blacklisted")
    expect(banned.locator("[data-action=pick]")).to_be_disabled()
    page.locator("[data-role=pick-dialog] [data-action=close]").click()

    page.click(".nav a[data-path='blacklist']")
    entries = page.locator(".list-table tbody tr")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text(OTHER.sub_id)
    snap(page, "blacklist")
    entries.first.locator("[data-action=remove]").click()
    page.locator("dialog .btn-danger").click()
    expect(page.locator(".note-ok")).to_contain_text("Removed subdl")
    expect(page.locator(".list-body .empty")).to_have_text("Nothing here yet.")
    assert client.get("/api/v1/blacklist").get_json()["total"] == 0
