"""Settings → Events & Hooks and the delivery log, driven in a real Chromium."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.http import Reply

pytestmark = pytest.mark.browser


def wait_until(condition, timeout: float = 15.0, message: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def write_script(data_dir: Path, name: str, body: str) -> Path:
    path = data_dir / "hooks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def open_editor(page, kind: str):  # noqa: ANN001, ANN201
    page.click(f"[data-action='add-{kind}']")
    return page.locator(f"form[data-editor='{kind}']")


def test_create_webhook_then_test_button_shows_receiver_answer(ui, page, receiver, client, snap):
    receiver.responder = lambda req: Reply(202, "accepted by receiver")
    ui("settings/events")
    form = open_editor(page, "webhook")
    form.locator("[name=name]").fill("Local receiver")
    form.locator("[name=url]").fill(receiver.url + "/hook")
    form.locator("input[name=events][value=subtitle_downloaded]").check()
    expect(form.locator("input[name=events][value='*']")).not_to_be_checked()
    # The picker explains the chosen event and shows its example payload.
    expect(form.locator(".event-description")).to_contain_text("subtitle file was saved")
    form.locator(".example summary").click()
    expect(form.locator(".example pre")).to_contain_text('"provider"')
    snap(page, "events-webhook-editor")
    form.locator("button[type=submit]").click()

    # The generated secret is shown once, in full.
    secret = page.locator("[data-role=secret]")
    expect(secret).to_contain_text("whsec_")
    shown = secret.inner_text()
    card = page.locator("article.conn-card[data-name='Local receiver']")
    expect(card).to_be_visible()
    card.locator("[data-action=test]").click()
    result = card.locator(".result")
    expect(result).to_contain_text("202")
    expect(result).to_contain_text("accepted by receiver")
    expect(result.locator(".badge-ok")).to_be_visible()
    snap(page, "events-webhook-tested")
    receiver.wait_for(1, timeout=10)
    assert receiver.requests[0].headers.get("X-Sublarr-Event") == "test"

    # After a reload the secret is masked everywhere.
    page.reload()
    expect(page.locator("article.conn-card[data-name='Local receiver']")).to_be_visible()
    assert shown not in page.content()
    [stored] = client.get("/api/v1/webhooks").get_json()["webhooks"]
    assert stored["secret"] == "***configured***"
    assert stored["event_name"] == "subtitle_downloaded"


def test_event_set_and_filters_are_saved_and_applied(ui, page, services, receiver, client, snap):
    ui("settings/events")
    form = open_editor(page, "webhook")
    form.locator("[name=name]").fill("German and Japanese")
    form.locator("[name=url]").fill(receiver.url + "/in")
    form.locator("input[name=events][value=subtitle_downloaded]").check()
    form.locator("input[name=events][value=upgrade_complete]").check()
    expect(form.locator(".event-detail")).to_have_count(2)
    form.locator("[data-action=add-filter]").click()
    row = form.locator("[data-role=filter]").nth(0)
    row.locator("[name=filter-field]").select_option("language")
    row.locator("[name=filter-op]").select_option("in")
    row.locator("[name=filter-value]").fill("de, ja")
    form.locator("[data-action=add-filter]").click()
    row = form.locator("[data-role=filter]").nth(1)
    row.locator("[name=filter-field]").select_option("score")
    row.locator("[name=filter-op]").select_option(">")
    row.locator("[name=filter-value]").fill("high")  # not a number: refused by the API
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=filters]")).to_contain_text("value must be a number")
    assert client.get("/api/v1/webhooks").get_json()["webhooks"] == []
    row.locator("[name=filter-value]").fill("300")
    snap(page, "events-webhook-filters")
    form.locator("button[type=submit]").click()
    card = page.locator("article.conn-card[data-name='German and Japanese']")
    expect(card).to_contain_text("subtitle_downloaded, upgrade_complete · 2 filters")
    [stored] = client.get("/api/v1/webhooks").get_json()["webhooks"]
    assert stored["events"] == ["subtitle_downloaded", "upgrade_complete"]
    assert stored["filters"] == [{"field": "language", "op": "in", "value": ["de", "ja"]},
                                 {"field": "score", "op": ">", "value": 300}]
    data = {"media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
            "language": "en", "provider": "jimaku", "score": 612, "format": "ass",
            "subtitle_path": "/tv/f.en.ass", "media_path": "/tv/f.mkv"}
    for language, score in (("en", 900), ("de", 900), ("ja", 100)):
        services.bus.emit("subtitle_downloaded", {**data, "language": language, "score": score})
    [got] = receiver.wait_for(1, timeout=15)
    assert got.json()["data"]["language"] == "de"
    # Editing shows the stored set and filters again.
    card.locator("[data-action=edit]").click()
    form = page.locator("form[data-editor='webhook']")
    expect(form.locator("input[name=events][value=upgrade_complete]")).to_be_checked()
    expect(form.locator("[name=filter-value]").nth(0)).to_have_value("de, ja")
    time.sleep(0.5)
    assert len(receiver.requests) == 1


BAD_WEBHOOK_INPUT = [
    ("url", "ftp://example.org/x", "http or https"),
    ("url", "not a url", "url"),
    ("url", "", "url"),
    ("timeout_seconds", "99", "less than or equal to 60"),
    ("timeout_seconds", "0", "greater than or equal to 1"),
    ("retry_count", "11", "less than or equal to 10"),
    ("headers", "no colon here", "Name: value"),
    ("headers", "Content-Type: text/plain", "set by Sublarr"),
]


def test_bad_webhook_input_shows_api_message_next_to_field(ui, page, client, snap):
    ui("settings/events")
    form = open_editor(page, "webhook")
    good = {"name": "Broken", "url": "http://127.0.0.1:9/x", "timeout_seconds": "10",
            "retry_count": "3", "headers": ""}
    for field, value, message in BAD_WEBHOOK_INPUT:
        for name, text in {**good, field: value}.items():
            form.locator(f"[name={name}]").fill(text)
        form.locator("button[type=submit]").click()
        error = form.locator(f"[data-error-for={field}]")
        expect(error).to_contain_text(message)
        expect(form.locator(f"[name={field}]")).to_have_class(re.compile(r"\binvalid\b"))
        if field == "timeout_seconds" and value == "99":
            snap(page, "events-webhook-error")
        assert client.get("/api/v1/webhooks").get_json()["webhooks"] == [], (field, value)


def test_hook_script_outside_hooks_dir_is_refused_next_to_field(ui, page, client, tmp_path, snap):
    outside = tmp_path / "outside.sh"
    outside.write_text("#!/bin/sh\necho no\n")
    outside.chmod(0o755)
    ui("settings/events")
    form = open_editor(page, "hook")
    form.locator("[name=name]").fill("Escape")
    form.locator("[name=script_path]").fill(str(outside))
    form.locator("[name=timeout_seconds]").fill("30")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=script_path]")).to_contain_text("hooks")
    snap(page, "events-hook-error")
    form.locator("[name=script_path]").fill("x.sh")
    form.locator("[name=timeout_seconds]").fill("0")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=timeout_seconds]")).to_contain_text("greater than")
    assert client.get("/api/v1/hooks").get_json()["hooks"] == []


def test_hook_test_button_and_live_run_in_delivery_log(ui, page, services, data_dir, client,
                                                       live_connected, snap):
    script = write_script(data_dir, "hello.sh", 'echo "hello from $SUBLARR_EVENT"')
    ui("settings/events")
    form = open_editor(page, "hook")
    form.locator("[name=name]").fill("Say hello")
    form.locator("input[name=events][value=test]").check()
    form.locator("[name=script_path]").fill(str(script))
    form.locator("button[type=submit]").click()
    card = page.locator("article.conn-card[data-name='Say hello']")
    card.locator("[data-action=test]").click()
    result = card.locator(".result")
    expect(result).to_contain_text("hello from test")
    expect(result.locator(".fact-value").first).to_have_text("0")  # exit code
    snap(page, "events-hook-tested")

    page.click(".nav a[data-path='log']")
    expect(page.locator("tr.log-row")).to_have_count(1)  # the Test run
    live_connected()
    services.bus.emit("test", {"message": "hello"})
    # The run arrives without a reload (hook_executed over Socket.IO refreshes the list).
    expect(page.locator("tr.log-row")).to_have_count(2, timeout=15_000)
    newest = page.locator("tr.log-row").first
    expect(newest.locator(".badge-ok")).to_be_visible()
    newest.locator("[data-action=details]").click()
    expect(page.locator("tr.log-detail")).to_contain_text("hello from test")
    snap(page, "log-with-runs")
    logs = client.get("/api/v1/hooks/logs").get_json()
    assert logs["total"] == 2


def test_delivery_log_filters_redeliver_and_clear(ui, page, services, receiver, client, snap):
    webhook = client.post("/api/v1/webhooks", json={
        "name": "Relay", "url": receiver.url + "/in", "event_name": "test"}).get_json()
    write_script(services.settings.current.data_dir, "ok.sh", "exit 3")
    client.post("/api/v1/hooks", json={
        "name": "Failing", "event_name": "test",
        "script_path": str(Path(services.settings.current.data_dir) / "hooks" / "ok.sh")})
    services.bus.emit("test", {"message": "one"})
    wait_until(lambda: client.get("/api/v1/hooks/logs").get_json()["total"] == 2,
               message="two log entries")

    ui("log")
    expect(page.locator("tr.log-row")).to_have_count(2)
    page.select_option("select[name=success]", "false")
    expect(page.locator("tr.log-row")).to_have_count(1)
    expect(page.locator("tr.log-row").first).to_contain_text("Failing")
    page.select_option("select[name=success]", "")
    page.select_option("select[name=webhook_id]", str(webhook["id"]))
    expect(page.locator("tr.log-row")).to_have_count(1)
    row = page.locator("tr.log-row").first
    expect(row).to_contain_text("Relay")
    row.locator("[data-action=details]").click()
    expect(page.locator("tr.log-detail")).to_contain_text("HTTP status")
    snap(page, "log-details")
    page.locator("tr.log-row [data-action=redeliver]").click()
    expect(page.locator(".note-ok")).to_contain_text("Redelivery queued")
    receiver.wait_for(2, timeout=15)
    first, second = receiver.requests[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]

    page.click("[data-action=clear-log]")
    page.click("dialog button:has-text('Clear log')")
    wait_until(lambda: client.get("/api/v1/hooks/logs").get_json()["total"] <= 1,
               message="log cleared")  # the redelivery may land right after the clear


def test_auto_disabled_webhook_shows_banner_and_reenables(ui, page, services, receiver, client,
                                                          snap):
    receiver.responder = lambda req: Reply(410, "gone")
    webhook = client.post("/api/v1/webhooks", json={
        "name": "Old relay", "url": receiver.url, "event_name": "test"}).get_json()
    services.bus.emit("test", {"message": "bye"})
    wait_until(lambda: client.get(f"/api/v1/webhooks/{webhook['id']}").get_json()
               ["disabled_reason"], message="auto-disable")

    ui("settings/events")
    card = page.locator("article.conn-card[data-name='Old relay']")
    banner = card.locator("[data-role=auto-disabled]")
    expect(banner).to_contain_text("410")
    snap(page, "events-auto-disabled")
    receiver.responder = lambda req: Reply(204)  # the user fixed the endpoint
    banner.locator("[data-action=reenable]").click()
    expect(card.locator("[data-role=auto-disabled]")).to_have_count(0)
    expect(card.locator("input.switch")).to_be_checked()
    stored = client.get(f"/api/v1/webhooks/{webhook['id']}").get_json()
    assert stored["enabled"] is True
    assert stored["consecutive_failures"] == 0


def test_toggle_edit_and_delete_a_hook(ui, page, data_dir, client):
    script = write_script(data_dir, "noop.sh", "true")
    hook = client.post("/api/v1/hooks", json={"name": "Noop", "event_name": "*",
                                              "script_path": str(script)}).get_json()
    ui("settings/events")
    card = page.locator("article.conn-card[data-name='Noop']")
    card.locator("input.switch").uncheck()
    wait_until(lambda: client.get(f"/api/v1/hooks/{hook['id']}").get_json()["enabled"] is False,
               message="disabled")
    card.locator("[data-action=edit]").click()
    form = page.locator("form[data-editor=hook]")
    expect(form.locator("[name=script_path]")).to_have_value(str(script))
    form.locator("[name=name]").fill("Renamed")
    form.locator("[name=timeout_seconds]").fill("120")
    form.locator("button[type=submit]").click()
    renamed = page.locator("article.conn-card[data-name='Renamed']")
    expect(renamed).to_be_visible()
    stored = client.get(f"/api/v1/hooks/{hook['id']}").get_json()
    assert (stored["name"], stored["timeout_seconds"], stored["enabled"]) == ("Renamed", 120, False)
    renamed.locator("[data-action=delete]").click()
    page.click("dialog button:has-text('Delete')")
    expect(renamed).to_have_count(0)
    assert client.get("/api/v1/hooks").get_json()["hooks"] == []


def test_replay_button_on_delivery_log_redelivers_past_events(ui, page, services, receiver,
                                                             client, snap):
    webhook = client.post("/api/v1/webhooks", json={
        "name": "Relay", "url": receiver.url + "/in", "events": ["test"]}).get_json()
    sent = [services.bus.emit("test", {"message": f"m{i}"})["id"] for i in range(3)]
    receiver.wait_for(3, timeout=15)
    wait_until(lambda: client.get("/api/v1/hooks/logs").get_json()["total"] == 3,
               message="three deliveries logged")

    ui("log")
    page.click("[data-action=replay]")
    panel = page.locator("form[data-role=replay]")
    panel.locator("[name=replay-target]").select_option(f"/webhooks/{webhook['id']}")
    panel.locator("[name=replay-until]").fill("2020-01-01T00:00")  # before since: refused
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-role=replay-status]")).to_contain_text("until is before since")
    panel.locator("[name=replay-until]").fill("")
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-role=replay-status]")).to_contain_text("Queued 3 events")
    snap(page, "log-replay")
    again = receiver.wait_for(6, timeout=15)[3:]
    assert sorted(r.headers["webhook-id"] for r in again) == sorted(sent)


def test_cards_show_insight_bars_from_the_stats(ui, page, services, receiver, client, snap):
    receiver.responder = lambda req: Reply(500) if req.json()["data"]["message"] == "bad" \
        else Reply(204)
    webhook = client.post("/api/v1/webhooks", json={
        "name": "Watched", "url": receiver.url, "events": ["test"], "retry_count": 0}).get_json()
    for message in ("ok", "ok", "ok", "bad"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: client.get(f"/api/v1/webhooks/{webhook['id']}/stats").get_json()
               ["attempts"] == 4, message="four attempts logged")
    ui("settings/events")
    card = page.locator("article.conn-card[data-name='Watched']")
    day = card.locator("[data-role=insight] .insight-row[data-window='24h']")
    expect(day).to_contain_text("75% of 4")
    expect(card.locator("[data-role=insight] .insight-row[data-window='7d']")).to_contain_text("75% of 4")
    chart = card.locator("[data-role=insight-chart]")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^24 h: 75% of 4 succeeded"))
    success = chart.locator("rect[data-metric=success][data-window='24h']")
    assert success.get_attribute("data-value") == "0.75"
    background = chart.locator("[data-panel=success] rect.ins-bg").first
    assert float(success.get_attribute("height")) == pytest.approx(
        0.75 * float(background.get_attribute("height")), abs=0.1)
    snap(page, "events-insight")


def test_hook_card_chart_reflects_real_run_stats(ui, page, services, data_dir, client):
    script = write_script(data_dir, "half.sh", "grep -q fail-me-please && exit 1; exit 0")
    hook = client.post("/api/v1/hooks", json={"name": "Half", "events": ["test"],
                                              "script_path": str(script)}).get_json()
    for message in ("fine", "fail-me-please"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: client.get(f"/api/v1/hooks/{hook['id']}/stats").get_json()
               ["attempts"] == 2, message="two runs logged")
    ui("settings/events")
    chart = page.locator("article.conn-card[data-name='Half'] [data-role=insight-chart]")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^24 h: 50% of 2 succeeded"))
    bar = chart.locator("rect[data-metric=success][data-window='7d']")
    assert bar.get_attribute("data-value") == "0.5"
    assert bar.get_attribute("class") == "ins-warn"
