"""The Connect page's presets (static/js/notification_presets.js), run in Chromium, checked
against apprise's own URL parser: each preset's URL means what its labelled fields say."""

from __future__ import annotations

import json

import apprise
import pytest

from tests.web.test_client_modules import run_module

pytestmark = pytest.mark.browser

# preset id, field values, attributes of the apprise plugin object the URL must give
CASES = [
    ("discord", {"webhook_id": "1234567890", "webhook_token": "a/b?c_d-e"},
     {"webhook_id": "1234567890", "webhook_token": "a/b?c_d-e"}),
    ("discord", {"webhook_id": "https://discord.com/api/webhooks/42/tok-EN_x", "webhook_token": ""},
     {"webhook_id": "42", "webhook_token": "tok-EN_x"}),
    ("telegram", {"bot_token": "123456789:ABCdef-ghi_jk", "chat_id": "-100123"},
     {"bot_token": "123456789:ABCdef-ghi_jk", "targets": [(-100123, None)]}),
    ("ntfy", {"host": "ntfy.sh", "topic": "sublarr_alerts", "token": "", "https": True},
     {"host": "ntfy.sh", "topics": ["sublarr_alerts"], "secure": True, "token": None}),
    ("ntfy", {"host": "127.0.0.1:8080", "topic": "t1", "token": "s3cr@t/x", "https": False},
     {"host": "127.0.0.1", "port": 8080, "topics": ["t1"], "token": "s3cr@t/x", "secure": False}),
    ("gotify", {"host": "https://gotify.example.org/sub", "token": "A.b_c", "https": False},
     {"host": "gotify.example.org", "token": "A.b_c", "secure": True, "fullpath": "/sub/"}),
    ("gotify", {"host": "10.0.0.2:8080", "token": "Atok", "https": False},
     {"host": "10.0.0.2", "port": 8080, "token": "Atok", "secure": False}),
    ("pushover", {"user_key": "u1key", "token": "app2token"},
     {"user_key": "u1key", "token": "app2token"}),
    ("email", {"host": "smtp.example.org", "port": "465", "security": "ssl",
               "user": "me@example.org", "password": "p@ss:w/rd", "to": "you@example.org",
               "from": ""},
     {"host": "smtp.example.org", "port": 465, "user": "me@example.org", "password": "p@ss:w/rd",
      "secure": True, "secure_mode": "ssl", "smtp_host": "smtp.example.org",
      "from_addr": (False, "me@example.org"), "targets": [(False, "you@example.org")]}),
    ("email", {"host": "127.0.0.1", "port": "2525", "security": "none", "user": "bot",
               "password": "pw", "to": "you@example.org", "from": "Sublarr <bot@example.org>"},
     {"host": "127.0.0.1", "port": 2525, "secure": False, "secure_mode": "insecure",
      "from_addr": ("Sublarr", "bot@example.org")}),
    ("homeassistant", {"host": "homeassistant.local:8123", "token": "eyJ.a-b.c_d", "https": True},
     {"host": "homeassistant.local", "port": 8123, "accesstoken": "eyJ.a-b.c_d", "secure": True}),
    ("json", {"url": "https://user:pw@example.org:8443/hooks/in?key=v 1"},
     {"host": "example.org", "port": 8443, "user": "user", "password": "pw", "secure": True,
      "fullpath": "/hooks/in", "params": {"key": "v 1"}}),
    ("json", {"url": "http://127.0.0.1:9000"},
     {"host": "127.0.0.1", "port": 9000, "secure": False}),
]


def built_urls(page, cases):  # noqa: ANN001, ANN201
    pairs = json.dumps([[preset, values] for preset, values, _ in cases])
    return run_module(page, "notification_presets.js",
                      f"return {pairs}.map(([id, v]) => m.buildUrl(id, v));")


def test_every_preset_builds_the_apprise_url_its_fields_describe(ui, page):
    ui("activity")
    urls = built_urls(page, CASES)
    for (preset, _values, expected), url in zip(CASES, urls, strict=True):
        plugin = apprise.Apprise.instantiate(url)
        assert plugin is not None, (preset, url)
        got = {key: getattr(plugin, key, None) for key in expected}
        if "from_addr" in got and isinstance(got["from_addr"], list):
            got["from_addr"] = tuple(got["from_addr"])
        assert got == expected, (preset, url)


def test_presets_name_the_missing_field(ui, page):
    ui("activity")
    errors = run_module(page, "notification_presets.js", """
        const out = [];
        for (const [id, values] of [["discord", {webhook_id: "1"}], ["telegram", {bot_token: "1:a"}],
            ["ntfy", {host: "", topic: "x"}], ["ntfy", {host: "ntfy.sh", topic: "a b"}], ["email", {host: "smtp.x.org", user: "bot",
            password: "p", to: "a@b.c"}], ["json", {url: "ftp://x"}], ["email", {host: "h",
            port: "9x", user: "a@b.c", password: "p", to: "a@b.c"}]]) {
          try { m.buildUrl(id, values); out.push(null); }
          catch (err) { out.push([err instanceof m.PresetError, err.message]); }
        }
        return out;""")
    assert errors == [
        [True, "Webhook token is required"],
        [True, "Chat id is required"],
        [True, "Server is required"],
        [True, "Topic may hold only letters, digits, - and _ (at most 64)"],
        [True, "From is required when the SMTP user is not an address"],
        [True, "URL must start with http:// or https://"],
        [True, "Port must be a number"],
    ]


def test_activity_feed_summarises_a_notification_run(ui, page):
    ui("activity")
    line = run_module(page, "pages/activity.js", """
        return m.summarise("hook_executed", {hook_type: "notification", hook_name: "Phone",
          event_name: "subtitle_downloaded", success: false, status_code: null});""")
    assert line == "Phone for subtitle_downloaded: failed (notification)"
