"""Wanted, History, General settings and the theme, in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sublarr.library.media import MediaFile
from sublarr.providers import history_repo
from sublarr.wanted import repo as wanted_repo

pytestmark = pytest.mark.browser


def seed_wanted(services, count: int) -> None:  # noqa: ANN001
    files = [(MediaFile(path=f"/tv/Frieren/Season 01/Frieren - S01E{n:02d}.mkv",
                        media_type="episode", title="Frieren", source="sonarr", season=1,
                        episode=n), "en") for n in range(1, count + 1)]
    files.append((MediaFile(path="/movies/Paprika (2006)/Paprika.mkv", media_type="movie",
                            title="Paprika", source="radarr", year=2006), "de"))
    with services.db.session() as session:
        wanted_repo.insert_wanted(session, files)


def seed_history(services) -> None:  # noqa: ANN001
    common = {"media_type": "episode", "title": "Frieren", "season": 1, "language": "en",
              "subtitle_id": "x", "format": "ass"}
    with services.db.session() as session:
        history_repo.record(session, action="downloaded", media_path="/tv/F/e1.mkv", episode=1,
                            provider="jimaku", score=420, subtitle_path="/tv/F/e1.en.ass",
                            **common)
        history_repo.record(session, action="upgraded", media_path="/tv/F/e2.mkv", episode=2,
                            provider="animetosho", score=612, old_score=300,
                            subtitle_path="/tv/F/e2.en.ass", **common)


def test_wanted_list_pages_searches_and_filters(ui, page, services, snap):
    seed_wanted(services, 30)
    ui("wanted")
    rows = page.locator(".list-table tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator(".pager-info")).to_have_text("Page 1 of 2 · 31 total")
    snap(page, "wanted")
    page.click("[data-action=next]")
    expect(rows).to_have_count(6)
    page.fill("input[name=search]", "Paprika")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Paprika")
    page.fill("input[name=search]", "")
    page.select_option("select[name=media_type]", "movie")
    expect(rows).to_have_count(1)
    page.select_option("select[name=media_type]", "")
    page.select_option("select[name=status]", "found")
    expect(page.locator(".list-body .empty")).to_have_text("Nothing matches these filters.")


def test_history_lists_downloads_and_filters_by_action(ui, page, services, snap):
    seed_history(services)
    ui("history")
    rows = page.locator(".list-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Frieren S01E02")
    snap(page, "history")
    page.select_option("select[name=action]", "upgraded")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("animetosho")


def test_missing_endpoints_render_not_available_yet(ui, page):
    for path in ("history", "wanted", "hooks/logs"):
        page.route(f"**/api/v1/{path}?**", lambda route: route.fulfill(
            status=404, content_type="application/json",
            body='{"error": {"code": "not_found", "message": "not found", "details": null}}'))
    ui("history")
    expect(page.locator("[data-role=unavailable]")).to_contain_text("not available yet")
    page.click(".nav a[data-path='wanted']")
    expect(page.locator("[data-role=unavailable]")).to_contain_text("/api/v1/wanted")
    page.click(".nav a[data-path='log']")
    expect(page.locator("[data-role=unavailable]")).to_contain_text("delivery log")


def test_general_settings_show_error_next_to_field_then_save(ui, page, client, snap):
    ui("settings/general")
    workers = page.locator("input[name=hook_workers]")
    expect(workers).to_have_value("4")
    workers.fill("0")
    page.click(".settings-form button[type=submit]")
    expect(page.locator("[data-error-for=hook_workers]")).to_contain_text("greater than")
    assert client.get("/api/v1/config").get_json()["settings"]["hook_workers"] == 4
    workers.fill("6")
    page.fill("input[name=sonarr_api_key]", "s3cret-value")
    page.click(".settings-form button[type=submit]")
    expect(page.locator(".settings-form .note-ok")).to_contain_text("hook_workers")
    settings = client.get("/api/v1/config").get_json()["settings"]
    assert settings["hook_workers"] == 6
    assert settings["sonarr_api_key"] == "***configured***"
    expect(page.locator("input[name=sonarr_api_key]")).to_have_value("")  # never echoed back
    expect(page.locator("input[name=data_dir]")).to_be_disabled()  # bootstrap setting
    snap(page, "settings-general")


def test_general_settings_show_a_key_forgotten_by_a_new_url(ui, page, client):
    client.put("/api/v1/config", json={"sonarr_url": "http://127.0.0.1:8989",
                                       "sonarr_api_key": "s3cret-value"})
    ui("settings/general")
    key = page.locator("input[name=sonarr_api_key]")
    expect(key).to_have_attribute("placeholder", "•••••••• (set — type to replace)")
    page.fill("input[name=sonarr_url]", "http://127.0.0.1:9999")
    page.click(".settings-form button[type=submit]")
    expect(page.locator(".settings-form .note-ok")).to_contain_text("sonarr_api_key")
    expect(key).to_have_attribute("placeholder", "not set")
    assert client.get("/api/v1/config").get_json()["settings"]["sonarr_api_key"] == ""


DARK_BACKGROUND = "rgb(15, 19, 26)"


def body_background(page) -> str:  # noqa: ANN001
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_follows_the_system_and_the_toggle_persists(ui, page, client, receiver, snap):
    client.post("/api/v1/webhooks", json={"name": "Dark relay", "url": receiver.url})
    page.emulate_media(color_scheme="dark")
    ui("settings/events")
    assert body_background(page) == DARK_BACKGROUND  # no choice stored: the system decides
    page.locator("article.conn-card [data-action=test]").click()
    expect(page.locator(".result")).to_contain_text("204")
    snap(page, "dark-events")

    page.emulate_media(color_scheme="light")
    assert body_background(page) != DARK_BACKGROUND
    page.click("#theme-toggle")  # light → dark, remembered
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    page.wait_for_selector(".main .page-head")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert body_background(page) == DARK_BACKGROUND
    page.click(".nav a[data-path='settings/scoring']")
    page.wait_for_selector("form[data-score-type=episode]")
    snap(page, "dark-scoring")


def test_phone_menu_opens_and_navigates(ui, page):
    page.set_viewport_size({"width": 390, "height": 844})
    ui("activity")
    expect(page.locator(".sidebar")).not_to_be_visible()
    page.click(".menu-btn")
    expect(page.locator(".sidebar")).to_be_visible()
    page.click(".nav a[data-path='settings/scoring']")
    expect(page.locator(".main h1")).to_have_text("Scoring")
    expect(page.locator(".sidebar")).not_to_be_visible()
