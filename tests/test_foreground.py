"""Background loops give way to API requests in flight (``sublarr.background.Foreground``)."""

from __future__ import annotations

import threading

from flask import Flask, jsonify

from sublarr.background import FOREGROUND, Foreground


def test_give_way_returns_at_once_when_no_request_runs():
    foreground = Foreground()
    assert not foreground.busy
    foreground.give_way(most=60)  # would hang the test for a minute if it waited


def test_give_way_waits_until_the_last_request_has_left():
    foreground = Foreground()
    foreground.enter()
    foreground.enter()
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (foreground.give_way(most=60), done.set()))
    waiter.start()
    foreground.leave()
    assert foreground.busy  # one request still runs
    foreground.leave()
    waiter.join(30)
    assert done.is_set() and not foreground.busy


def test_give_way_gives_up_after_most_seconds_while_requests_keep_running():
    foreground = Foreground()
    foreground.enter()
    foreground.give_way(most=0.01)  # returns although a request still runs
    assert foreground.busy


def test_api_requests_count_as_foreground_while_they_run(app: Flask, api_key: str):
    seen: list[bool] = []

    @app.get("/api/v1/test-foreground")
    def busy_now():  # noqa: ANN202
        seen.append(FOREGROUND.busy)
        return jsonify({})

    http = app.test_client()
    assert http.get("/api/v1/test-foreground", headers={"X-Api-Key": api_key}).status_code == 200
    assert seen == [True]
    assert not FOREGROUND.busy
    assert http.get("/api/v1/test-foreground").status_code == 401  # refused before the view
    assert not FOREGROUND.busy
    assert http.get("/api/v1/wanted?limit=0", headers={"X-Api-Key": api_key}).status_code == 422  # invalid query
    assert not FOREGROUND.busy
