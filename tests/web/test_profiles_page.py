"""Settings → Language profiles in a real Chromium: create, validate, assign, delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings():
    return {"wanted_search_on_arrival": False, "wanted_scan_on_start": False,
            "wanted_scan_interval_minutes": 0}


def test_profile_editor_creates_assigns_and_deletes(ui, page, client, snap):
    ui("settings/profiles")
    expect(page.locator("[data-profile=Default] [data-role=languages]")).to_have_text("en")

    page.click("[data-action=new]")
    form = page.locator("[data-role=profile-form]")
    form.locator("input[name=name]").fill("Anime")
    form.locator("[data-role=language] input[name=code]").fill("xx")
    form.locator("[data-action=save]").click()
    expect(form.locator("[data-error-for=languages]")).to_contain_text("ISO 639-1")
    assert len(client.get("/api/v1/language-profiles").get_json()["profiles"]) == 1

    form.locator("[data-role=language] input[name=code]").fill("ja")
    form.locator("[data-action=add-language]").click()
    second = form.locator("[data-role=language]").nth(1)
    second.locator("input[name=code]").fill("en")
    second.locator("input[name=hearing_impaired]").check()
    form.locator("input[name=cutoff]").check()
    form.locator("input[name=tags]").fill("anime, kids")
    snap(page, "profile-editor")
    form.locator("[data-action=save]").click()

    card = page.locator("[data-profile=Anime]")
    expect(card.locator("[data-role=languages]")).to_have_text("ja → en (HI)")
    expect(card).to_contain_text("cutoff")
    [saved] = [p for p in client.get("/api/v1/language-profiles").get_json()["profiles"]
               if p["name"] == "Anime"]
    assert saved["languages"] == [
        {"code": "ja", "hearing_impaired": False, "forced": False},
        {"code": "en", "hearing_impaired": True, "forced": False}]
    assert (saved["cutoff"], saved["tags"]) == (True, ["anime", "kids"])

    assign = page.locator("[data-role=assign-form]")
    assign.locator("input[name=title]").fill("Frieren")
    assign.locator("select[name=profile_id]").select_option(label="Anime")
    assign.locator("[data-action=assign]").click()
    expect(page.locator("[data-role=assignments] tr[data-title=Frieren]")).to_have_count(1)
    snap(page, "profiles")

    card.locator("[data-action=delete]").click()
    page.locator("dialog .btn-danger").click()
    expect(page.locator(".main .form-error").first).to_contain_text("assigned")
    page.locator("[data-role=assignments] [data-action=unassign]").click()
    expect(page.locator("[data-role=assignments] .empty")).to_be_visible()
    page.locator("[data-profile=Anime] [data-action=delete]").click()
    page.locator("dialog .btn-danger").click()
    expect(page.locator("[data-profile=Anime]")).to_have_count(0)
    assert [p["name"] for p in client.get("/api/v1/language-profiles").get_json()["profiles"]] \
        == ["Default"]
