"""Login, navigation, theme and the page shell in a real Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_login_with_wrong_key_shows_error_then_right_key_opens_activity(page, live_server,
                                                                          api_key, snap):
    page.goto(live_server.url + "/")
    page.fill("#api-key", "not-the-key")
    page.click("button[type=submit]")
    page.wait_for_selector("#api-key-error:has-text('not accepted')")
    snap(page, "login")
    page.fill("#api-key", api_key)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Activity')")
    assert page.evaluate("localStorage.getItem('sublarr.apiKey')") == api_key
    page.reload()
    page.wait_for_selector("h1:has-text('Activity')")  # the stored key is used again


def test_every_page_renders_at_desktop_and_phone_size(ui, page, snap):
    ui("activity")
    for route, title in [("activity", "Activity"), ("wanted", "Wanted"), ("history", "History"),
                         ("log", "Delivery log"), ("settings/connect", "Connect"),
                         ("settings/events", "Events & Hooks"),
                         ("settings/scoring", "Scoring"), ("settings/general", "General")]:
        page.click(f".nav a[data-path='{route}']")
        page.wait_for_selector(f".main h1:has-text('{title}')")
        page.wait_for_load_state("networkidle")
        snap(page, route.replace("/", "-"))
