"""Settings → Scoring in a real Chromium: weights beside defaults, modifiers, reset."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def weights(client):  # noqa: ANN001, ANN201
    return client.get("/api/v1/scoring/weights").get_json()


def test_edit_episode_weight_is_persisted_and_shown_beside_default(ui, page, client, snap):
    ui("settings/scoring")
    form = page.locator("form[data-score-type=episode]")
    hash_input = form.locator("input[name=hash]")
    expect(hash_input).to_have_value("359")
    expect(form.locator("tr:has(input[name=hash]) td.default")).to_have_text("359")
    hash_input.fill("400")
    form.locator("button[type=submit]").click()
    expect(page.locator(".note-ok")).to_contain_text("Saved episode weights")
    assert weights(client)["episode"]["hash"]["value"] == 400
    # Re-rendered from the API: the new value, still next to its default, marked as changed.
    expect(form.locator("input[name=hash]")).to_have_value("400")
    expect(form.locator("tr.changed")).to_have_count(1)
    snap(page, "scoring-changed")
    page.reload()
    expect(page.locator("form[data-score-type=episode] input[name=hash]")).to_have_value("400")

    page.click("[data-action=reset-weights]")
    page.click("dialog button:has-text('Reset')")
    expect(page.locator("form[data-score-type=episode] input[name=hash]")).to_have_value("359")
    assert weights(client)["episode"]["hash"]["value"] == 359


def test_bad_weight_shows_api_message_next_to_field_and_saves_nothing(ui, page, client):
    ui("settings/scoring")
    form = page.locator("form[data-score-type=movie]")
    form.locator("input[name=title]").fill("-5")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=title]")).to_contain_text("greater than or equal to 0")
    assert weights(client)["movie"]["title"]["value"] == 60


def test_provider_modifier_saved_and_reset(ui, page, client):
    ui("settings/scoring")
    section = page.locator("#modifiers")
    first = section.locator("tbody tr").first
    provider = first.get_attribute("data-provider")
    first.locator("input").fill("25")
    section.locator("button[type=submit]").click()
    expect(page.locator(".note-ok")).to_contain_text("Saved provider modifiers")
    stored = client.get("/api/v1/scoring/modifiers").get_json()["modifiers"]
    assert stored[provider]["value"] == 25
    section.locator(f"tr[data-provider='{provider}'] button:has-text('Reset')").click()
    expect(section.locator(f"tr[data-provider='{provider}'] input")).to_have_value("0")
    assert client.get("/api/v1/scoring/modifiers").get_json()["modifiers"][provider]["value"] == 0
