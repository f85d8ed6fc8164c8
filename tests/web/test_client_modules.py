"""The UI's own ES modules, exercised inside Chromium (pure functions, the socket client)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def run_module(page, module: str, body: str):  # noqa: ANN001, ANN201
    """Evaluate ``body`` with ``m`` bound to the imported module."""
    return page.evaluate(f"(async () => {{ const m = await import('/static/js/{module}');"
                         f" {body} }})()")


def test_api_errors_map_to_fields(ui, page):
    ui("activity")
    pydantic = run_module(page, "api.js", """
        return m.fieldErrors({message: "request validation failed", details: [
            {loc: ["url"], msg: "Value error, url must use http or https"},
            {loc: ["headers", "X"], msg: "bad header"},
            {loc: ["nested", "thing"], msg: "odd"}]}, ["url", "headers"]);""")
    assert pydantic == {"url": "url must use http or https", "headers": "bad header",
                        "_form": "nested.thing: odd"}
    hinted = run_module(page, "api.js", """
        return m.fieldErrors({message: "not inside hooks dir", details: {field: "script_path"}},
                             ["name", "script_path"]);""")
    assert hinted == {"script_path": "not inside hooks dir"}
    listed = run_module(page, "api.js", """
        return m.fieldErrors({message: "these fields cannot be null",
                              details: {fields: ["name"]}}, ["name", "url"]);""")
    assert listed == {"name": "these fields cannot be null"}
    named = run_module(page, "api.js", """
        return m.fieldErrors({message: "timeout_seconds is too big", details: null},
                             ["timeout_seconds"]);""")
    assert named == {"timeout_seconds": "timeout_seconds is too big"}


def test_progress_payloads_of_every_stream_normalise(ui, page):
    ui("activity")
    out = run_module(page, "activity_store.js", """
        const n = (s, d) => { const r = m.normaliseProgress(s, d);
          return [r.key, r.fraction, r.finished, r.failed]; };
        return [
          n("batch_progress", {batch_id: 1, total: 4, done: 2, percent: 50}),
          n("job_update", {id: 3, status: "failed", percent: 20}),
          n("whisper_progress", {job_id: 5, status: "completed", percent: null}),
          n("wanted_batch_progress", {batch_id: "b", current: 10, total: 10}),
          n("retranslation_progress", {job_id: 2, percent: 150}),
        ];""")
    assert out == [
        ["batch_progress:1", 0.5, False, False],
        ["job_update:3", 0.2, True, True],
        ["whisper_progress:5", 1, True, False],
        ["wanted_batch_progress:b", 1, True, False],
        ["retranslation_progress:2", 1, True, False],  # 100 % without a status: done
    ]


def test_scoring_shapes_normalise(ui, page):
    ui("activity")
    out = run_module(page, "pages/scoring.js", """
        return [
          m.normaliseWeights({episode: {hash: {value: 400, default: 359}}, movie: {}}).episode,
          m.normaliseWeights({episode: {hash: 1}, movie: {}, defaults: {episode: {hash: 2}}}).episode,
          m.normaliseModifiers({modifiers: {jimaku: {value: 5, default: 0}}}),
          m.normaliseModifiers({subdl: -3}),
        ];""")
    assert out[0] == {"current": {"hash": 400}, "defaults": {"hash": 359}}
    assert out[1] == {"current": {"hash": 1}, "defaults": {"hash": 2}}
    assert out[2] == {"jimaku": {"value": 5, "default": 0}}
    assert out[3] == {"subdl": {"value": -3, "default": 0}}


def test_socket_reconnects_after_the_server_drops_it(ui, page, services, live_connected):
    ui("activity")
    live_connected()
    server = services.socketio.server
    for sid, _eio_sid in list(server.manager.get_participants("/", None)):
        server.disconnect(sid)
    # The client notices, backs off briefly, reconnects with its key and gets events again.
    page.wait_for_function("() => window.sublarr.socket.state !== 'connected'", timeout=15_000)
    live_connected()
    services.bus.emit("test", {"message": "after reconnect"})
    expect(page.locator("#feed")).to_contain_text("after reconnect")


def test_wrong_stored_key_leads_back_to_login_and_socket_is_refused(page, live_server):
    page.add_init_script("localStorage.setItem('sublarr.apiKey', 'stale-key');")
    page.goto(live_server.url + "/#/activity")
    expect(page.locator("#api-key")).to_be_visible()
    # The raw socket protocol refuses a wrong key with a CONNECT_ERROR packet.
    answer = page.evaluate("""() => new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/socket.io/?EIO=4&transport=websocket`);
        ws.onmessage = (m) => {
          if (m.data[0] === '0') ws.send('40' + JSON.stringify({apikey: 'stale-key'}));
          else { resolve(m.data.slice(0, 2)); ws.close(); }
        };
    })""")
    assert answer == "44"
