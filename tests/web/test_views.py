"""The page shell and its assets over the Flask test client (no browser)."""

from __future__ import annotations

import re


def test_index_serves_the_shell_with_a_same_origin_policy(client):
    response = client.raw.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    html = response.get_data(as_text=True)
    # Every asset is local: no scheme-qualified or protocol-relative URL in the shell.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'type="module"' in html


def test_static_assets_are_served_and_need_no_key(client):
    for path in ("/static/js/app.js", "/static/js/socket.js", "/static/css/app.css",
                 "/static/favicon.svg"):
        response = client.raw.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-cache"
    assert client.raw.get("/static/js/app.js").mimetype in ("text/javascript",
                                                             "application/javascript")
    assert client.raw.get("/static/../app.py").status_code == 404


def test_no_asset_refers_to_another_origin(client):
    for path in ("/static/js/app.js", "/static/css/app.css", "/static/js/socket.js"):
        text = client.raw.get(path).get_data(as_text=True)
        assert "cdn" not in text.lower(), path
        assert not re.search(r"(import|url\()\s*[\"']?https?://", text), path


def test_settings_meta_needs_the_key_and_never_holds_values(client, app_settings):
    assert client.raw.get("/ui/settings-meta").status_code == 401
    assert client.raw.get("/ui/settings-meta?apikey=wrong").status_code == 401
    body = client.get("/ui/settings-meta").get_json()
    by_name = {s["name"]: s for s in body["settings"]}
    assert by_name["api_key"]["secret"] is True and by_name["api_key"]["bootstrap"] is True
    assert by_name["hook_workers"]["kind"] == "integer"
    assert by_name["hook_workers"]["minimum"] == 1
    assert all("value" not in s and "default" not in s for s in body["settings"])


def test_unknown_ui_paths_are_404_not_the_shell(client):
    assert client.raw.get("/nope").status_code == 404
    assert client.raw.get("/static/js/missing.js").status_code == 404
