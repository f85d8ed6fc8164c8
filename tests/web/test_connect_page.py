"""Settings → Connect (notification channels over apprise), driven in a real Chromium against
the real backend and real local receivers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.http import Reply, TestServer
from tests.web.test_events_hooks_page import wait_until

pytestmark = pytest.mark.browser

MASK = "***configured***"


def add_channel(page, name: str, preset: str, values: dict[str, Any],  # noqa: ANN001
                events: tuple[str, ...] = ("test",)) -> Any:
    """Fill the editor for a new channel; returns the form (not yet submitted)."""
    page.click("[data-action='add-notification']")
    form = page.locator("form[data-editor='notification']")
    form.locator("[name=name]").fill(name)
    form.locator("[name=preset]").select_option(preset)
    for key, value in values.items():
        control = form.locator(f"[name='preset-{key}']")
        if isinstance(value, bool):
            control.set_checked(value)
        elif control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    for event in events:
        form.locator(f"input[name=events][value='{event}']").check()
    return form


def save_and_capture(page, form) -> dict:  # noqa: ANN001
    """Submit the editor and wait for the saved list; returns the JSON body the browser sent."""
    with page.expect_response(lambda r: r.request.method in ("POST", "PUT")
                              and "/api/v1/notifications" in r.url) as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.ok, answer.value.text()
    expect(form).to_have_count(0)  # the editor closes once the list is reloaded
    return answer.value.request.post_data_json


def stored(client, name: str) -> dict:  # noqa: ANN001
    [channel] = [c for c in client.get("/api/v1/notifications").get_json()["notifications"]
                 if c["name"] == name]
    return channel


# Presets whose service lives on the internet: the URL is what apprise's docs give, and the
# channel is stored (its URL masked).  Delivery is tested with the self-hostable ones below.
REMOTE_PRESETS = [
    ("discord", {"webhook_id": "1234567890", "webhook_token": "tok/en"},
     "discord://1234567890/tok%2Fen"),
    ("telegram", {"bot_token": "123456:ABC-def", "chat_id": "-100987"},
     "tgram://123456%3AABC-def/-100987"),
    ("pushover", {"user_key": "ukey", "token": "atoken"}, "pover://ukey@atoken"),
    ("email", {"host": "smtp.example.org", "port": "465", "security": "ssl",
               "user": "me@example.org", "password": "p@ss w", "to": "you@example.org"},
     "mailtos://me%40example.org:p%40ss%20w@smtp.example.org:465"
     "?to=you%40example.org&from=me%40example.org&mode=ssl"),
]


@pytest.mark.parametrize(("preset", "values", "url"), REMOTE_PRESETS,
                         ids=[p[0] for p in REMOTE_PRESETS])
def test_remote_preset_builds_apprise_url_and_channel_is_stored(ui, page, client, preset, values,
                                                                url):
    ui("settings/connect")
    form = add_channel(page, f"My {preset}", preset, values)
    preview = form.locator("[data-role=url-preview]")
    expect(preview).to_have_value(re.compile(r"^[a-z]+://"))
    for secret in ("tok/en", "ABC-def", "atoken", "p@ss w"):
        assert secret not in preview.input_value()  # typed secrets show as •••
    body = save_and_capture(page, form)
    assert body["url"] == url
    expect(page.locator(f"article.conn-card[data-name='My {preset}']")).to_be_visible()
    channel = stored(client, f"My {preset}")
    assert channel["url"] == MASK
    assert channel["events"] == ["test"]


def fake_service(kind: str, receiver: TestServer) -> tuple[dict[str, Any], Any]:
    """Field values pointing the preset at ``receiver``, and a check of what it received."""
    host = f"127.0.0.1:{receiver.port}"
    if kind == "json":
        return {"url": f"{receiver.url}/notify?src=sublarr"}, lambda req: (
            req.path == "/notify" and req.query == {"src": ["sublarr"]}
            and "Test event from Sublarr" in req.json()["message"])
    if kind == "ntfy":
        return {"host": host, "topic": "sublarr", "token": "tk_secret", "https": False}, \
            lambda req: (req.headers["Authorization"] == "Bearer tk_secret"
                         and req.json()["topic"] == "sublarr")
    if kind == "gotify":
        return {"host": host, "token": "AppTok", "https": False}, lambda req: (
            req.path == "/message" and "AppTok" in (req.headers.get("X-Gotify-Key", "")
                                                    + str(req.query)))
    return {"host": host, "token": "ha.long.lived", "https": False}, lambda req: (
        req.headers["Authorization"] == "Bearer ha.long.lived"
        and "persistent_notification" in req.path)


@pytest.mark.parametrize("preset", ["json", "ntfy", "gotify", "homeassistant"])
def test_self_hosted_preset_channel_delivers_the_test_notification(ui, page, receiver, client,
                                                                   preset, snap):
    receiver.responder = lambda req: Reply(200, {"id": 1, "success": True})
    values, received_right = fake_service(preset, receiver)
    ui("settings/connect")
    form = add_channel(page, f"Local {preset}", preset, values)
    if preset == "json":
        snap(page, "connect-editor")
    save_and_capture(page, form)
    card = page.locator(f"article.conn-card[data-name='Local {preset}']")
    card.locator("[data-action=test]").click()
    expect(card.locator(".result .badge-ok")).to_be_visible()
    expect(card.locator("[data-role=rendered]")).to_contain_text("Test event from Sublarr")
    if preset == "json":
        snap(page, "connect-tested")
    [got] = receiver.wait_for(1, timeout=10)
    assert received_right(got), (got.path, got.query, got.headers, got.body)
    assert stored(client, f"Local {preset}")["url"] == MASK


def test_editing_keeps_the_url_unless_a_new_service_is_picked(ui, page, receiver, client):
    channel = client.post("/api/v1/notifications", json={
        "name": "Relay", "url": f"json://127.0.0.1:{receiver.port}/first",
        "events": ["test"]}).get_json()
    ui("settings/connect")
    card = page.locator("article.conn-card[data-name='Relay']")
    card.locator("[data-action=edit]").click()
    form = page.locator("form[data-editor='notification']")
    expect(form.locator("[name=preset]")).to_have_value("keep")
    expect(form.locator("[name=url]")).to_have_value("")
    assert "/first" not in page.content()  # the stored URL never reaches the page
    form.locator("[name=name]").fill("Relay renamed")
    body = save_and_capture(page, form)
    assert "url" not in body
    renamed = page.locator("article.conn-card[data-name='Relay renamed']")
    renamed.locator("[data-action=test]").click()
    expect(renamed.locator(".result .badge-ok")).to_be_visible()
    assert receiver.wait_for(1, timeout=10)[0].path == "/first"

    renamed.locator("[data-action=edit]").click()
    form.locator("[name=preset]").select_option("json")
    form.locator("[name='preset-url']").fill(f"{receiver.url}/second")
    assert save_and_capture(page, form)["url"] == f"json://127.0.0.1:{receiver.port}/second"
    renamed.locator("[data-action=test]").click()
    expect(renamed.locator(".result .badge-ok")).to_be_visible()
    assert receiver.wait_for(2, timeout=10)[1].path == "/second"
    assert client.get(f"/api/v1/notifications/{channel['id']}").get_json()["url"] == MASK


def test_refused_url_and_template_are_explained_next_to_their_fields(ui, page, client, snap):
    ui("settings/connect")
    form = add_channel(page, "Broken", "custom", {})
    form.locator("[name=url]").fill("nosuchservice://whatever")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=url]")).to_contain_text("apprise")
    form.locator("[name=preset]").select_option("ntfy")
    form.locator("[name='preset-topic']").fill("a b")  # refused by the preset itself
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=url]")).to_contain_text("Topic may hold only")
    form.locator("[name='preset-topic']").fill("ok")
    form.locator("[name=title_template]").fill("{{ data.title")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=title_template]")).to_contain_text(
        "title_template does not compile")
    form.locator("[name=title_template]").fill("")
    form.locator("[name=body_template]").fill("{{ data.title }}")  # the test event has no title
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=body_template]")).to_contain_text(
        "body_template does not render for test")
    expect(form.locator("[name=body_template]")).to_have_class(re.compile(r"\binvalid\b"))
    form.locator("[name=body_template]").fill("")
    form.locator("[name=title_template]").fill("{{ data.title")
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-error-for=title_template]")).to_contain_text("does not compile")
    snap(page, "connect-template-error")
    assert client.get("/api/v1/notifications").get_json()["notifications"] == []
    form.locator("[name=title_template]").fill("New: {{ event_name }}")
    form.locator("button[type=submit]").click()
    expect(page.locator("article.conn-card[data-name='Broken']")).to_be_visible()
    assert stored(client, "Broken")["title_template"] == "New: {{ event_name }}"


def test_filter_editor_saves_a_filter_the_api_reports(ui, page, receiver, client):
    ui("settings/connect")
    form = add_channel(page, "German only", "json", {"url": receiver.url + "/in"},
                       events=("subtitle_downloaded",))
    form.locator("[data-action=add-filter]").click()
    row = form.locator("[data-role=filter]").nth(0)
    row.locator("[name=filter-field]").select_option("language")
    row.locator("[name=filter-op]").select_option("in")
    row.locator("[name=filter-value]").fill("de, ja")
    save_and_capture(page, form)
    card = page.locator("article.conn-card[data-name='German only']")
    expect(card).to_contain_text("subtitle_downloaded · 1 filter")
    channel = stored(client, "German only")
    assert channel["events"] == ["subtitle_downloaded"]
    assert channel["filters"] == [{"field": "language", "op": "in", "value": ["de", "ja"]}]


def test_replay_from_the_card_resends_past_events_with_progress_in_activity(
        ui, page, services, receiver, client, live_connected, snap):
    channel = client.post("/api/v1/notifications", json={
        "name": "Replayed", "url": f"json://127.0.0.1:{receiver.port}/r",
        "events": ["test"]}).get_json()
    for i in range(3):
        services.bus.emit("test", {"message": f"m{i}"})
    receiver.wait_for(3, timeout=15)
    ui("settings/connect")
    live_connected()
    card = page.locator("article.conn-card[data-name='Replayed']")
    card.locator("[data-action=replay]").click()
    panel = page.locator("form[data-role=replay]")
    expect(panel.locator("[name=replay-target]")).to_have_value(f"/notifications/{channel['id']}")
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-role=replay-status]")).to_contain_text("Queued 3 events")
    snap(page, "connect-replay")
    again = receiver.wait_for(6, timeout=15)[3:]
    assert sorted(r.json()["message"] for r in again) == sorted(
        r.json()["message"] for r in receiver.requests[:3])
    page.click(".nav a[data-path='activity']")
    progress = page.locator(".progress-item[data-stream=replay_progress]")
    expect(progress).to_contain_text("Replay to Replayed")
    expect(progress).to_contain_text("3 / 3", timeout=15_000)
    expect(progress).to_have_class(re.compile(r"\bis-finished\b"))


def test_card_chart_reflects_real_delivery_stats(ui, page, services, receiver, client, snap):
    receiver.responder = lambda req: Reply(500) if "bad" in req.json()["message"] else Reply(200)
    channel = client.post("/api/v1/notifications", json={
        "name": "Charted", "url": f"json://127.0.0.1:{receiver.port}/c", "events": ["test"],
        "retry_count": 0, "body_template": "{{ data.message }}"}).get_json()
    attempts = lambda: client.get(  # noqa: E731
        f"/api/v1/notifications/{channel['id']}/stats").get_json()["attempts"]
    for message in ("ok", "ok", "ok"):
        services.bus.emit("test", {"message": message})
    wait_until(lambda: attempts() == 3, message="three attempts logged")
    services.bus.emit("test", {"message": "bad"})  # last, so the card's last result is a failure
    wait_until(lambda: attempts() == 4, message="four attempts logged")
    ui("settings/connect")
    card = page.locator("article.conn-card[data-name='Charted']")
    chart = card.locator("[data-role=insight-chart]")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^24 h: 75% of 4 succeeded"))
    for window in ("24h", "7d"):
        bar = chart.locator(f"rect[data-metric=success][data-window='{window}']")
        assert bar.get_attribute("data-value") == "0.75"
        assert float(bar.get_attribute("height")) == pytest.approx(0.75 * 52, abs=0.1)
    stats = client.get(f"/api/v1/notifications/{channel['id']}/stats").get_json()
    p95 = chart.locator("rect[data-metric=p95][data-window='24h']")
    assert p95.get_attribute("data-value") == str(stats["latency_ms"]["p95"])
    expect(card.locator(".facts")).to_contain_text("failed: ")  # the last delivery failed
    snap(page, "connect-insight")

    page.click(".nav a[data-path='log']")
    rows = page.locator("tr.log-row")
    expect(rows).to_have_count(4)
    expect(rows.first.locator(".badge").first).to_have_text("notification")
    expect(rows.first).to_contain_text("Charted")


def test_delivery_log_filters_redelivers_and_replays_notifications(ui, page, services, receiver,
                                                                   client):
    channel = client.post("/api/v1/notifications", json={
        "name": "Logged", "url": f"json://127.0.0.1:{receiver.port}/l", "events": ["test"],
        "body_template": "{{ data.message }}"}).get_json()
    client.post("/api/v1/webhooks", json={"name": "Other", "url": receiver.url + "/w",
                                          "events": ["test"]})
    messages = {services.bus.emit("test", {"message": m})["id"]: m for m in ("one", "two")}
    receiver.wait_for(4, timeout=15)
    wait_until(lambda: client.get("/api/v1/hooks/logs").get_json()["total"] == 4,
               message="four deliveries logged")
    ui("log")
    expect(page.locator("tr.log-row")).to_have_count(4)
    page.select_option("select[name=notification_id]", str(channel["id"]))
    rows = page.locator("tr.log-row")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("Logged")
        expect(rows.nth(i).locator(".badge").first).to_have_text("notification")
    log_id = int(rows.first.get_attribute("data-id"))
    [entry] = [e for e in client.get("/api/v1/hooks/logs").get_json()["logs"] if e["id"] == log_id]
    rows.first.locator("[data-action=redeliver]").click()
    expect(page.locator(".note-ok")).to_contain_text("Redelivery queued")
    [again] = receiver.wait_for(5, timeout=15)[4:]
    assert again.path == "/l" and again.json()["message"] == messages[entry["event_id"]]

    page.click("[data-action=replay]")
    panel = page.locator("form[data-role=replay]")
    expect(panel.locator("[name=replay-target]")).to_have_value(f"/notifications/{channel['id']}")
    expect(panel.locator("optgroup")).to_have_count(2)  # webhooks and notifications
    panel.locator("button[type=submit]").click()
    expect(panel.locator("[data-role=replay-status]")).to_contain_text("Queued 2 events")
    replayed = receiver.wait_for(7, timeout=15)[5:]
    assert sorted(r.json()["message"] for r in replayed) == ["one", "two"]
    assert {r.path for r in replayed} == {"/l"}
