"""The hook engine in a real app: events from the bus reach real scripts, runs are recorded."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from sublarr.db import hook_log
from sublarr.events.hooks import repo as hook_configs
from sublarr.db.hook_log import LogFilter
from sublarr.events import emit_event
from sublarr.events.hooks.engine import COMPONENT_KEY, HookEngine
from tests.events.hooks.conftest import assert_processes_end, wait_for, write_script

EPISODE = {
    "media_type": "episode", "title": "Frieren: Beyond Journey's End\nPart \"2\"", "season": 1,
    "episode": None, "language": "en", "provider": "jimaku", "score": 612, "format": "ass",
    "subtitle_path": "/tv/Frieren/S01E05.en.ass", "media_path": "/tv/Frieren/S01E05.mkv",
}


@pytest.fixture
def hooks_dir(data_dir: Path) -> Path:
    return data_dir / "hooks"


@pytest.fixture
def engine(services) -> HookEngine:
    return services.components[COMPONENT_KEY]


def add_hook(client, script: Path | str, event_name: str = "subtitle_downloaded", **extra):
    resp = client.post("/api/v1/hooks", json={"name": f"hook {Path(script).name}",
                                              "event_name": event_name,
                                              "script_path": str(script), **extra})
    assert resp.status_code == 201, resp.json
    return resp.json


def log_rows(services, **filters):
    with services.db.session() as session:
        rows, _total = hook_log.list_entries(session, LogFilter(**filters), limit=500)
        return [hook_log.entry_to_dict(r) for r in rows]


def wait_rows(services, count: int, timeout: float = 20.0, **filters):
    assert wait_for(lambda: len(log_rows(services, **filters)) >= count, timeout), \
        log_rows(services, **filters)
    return log_rows(services, **filters)


def collect(services, name: str = "hook_executed") -> list[dict]:
    seen: list[dict] = []
    services.bus.subscribe(seen.append, names=[name])
    return seen


def blocker_script(hooks_dir: Path, marks: Path, name: str = "block.sh") -> Path:
    """Writes ``started`` then waits until ``release`` exists."""
    return write_script(hooks_dir, name, (
        "#!/bin/sh\n"
        f"touch '{marks}/started'\n"
        f"while [ ! -e '{marks}/release' ]; do sleep 0.05; done\n"))


# --------------------------------------------------------------------------- done when


def test_real_event_reaches_the_script_with_exactly_the_spec_environment(
        app, client, services, hooks_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SUBLARR_SECRET_LEAK", "x")
    seen_file = tmp_path / "seen.json"
    script = write_script(hooks_dir, "dump.py", (
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "raw = sys.stdin.buffer.read()\n"
        "seen = {'env': dict(os.environ), 'stdin': raw.decode('utf-8'), 'cwd': os.getcwd()}\n"
        f"open('{seen_file}.tmp', 'w').write(json.dumps(seen))\n"
        f"os.replace('{seen_file}.tmp', '{seen_file}')\n"))
    add_hook(client, script)

    with app.app_context():
        envelope = emit_event("subtitle_downloaded", EPISODE)

    assert wait_for(seen_file.exists)
    seen = json.loads(seen_file.read_text())
    env = seen["env"]
    expected = {
        "PATH": os.environ["PATH"],
        "HOME": seen["cwd"],
        "LANG": "C.UTF-8",
        "SUBLARR_EVENT": "subtitle_downloaded",
        "SUBLARR_EVENT_ID": envelope["id"],
        "SUBLARR_EVENT_VERSION": "1",
        "SUBLARR_EVENT_TIMESTAMP": envelope["timestamp"],
        "SUBLARR_EVENT_DATA": json.dumps(envelope["data"], separators=(",", ":"),
                                         ensure_ascii=False),
        "SUBLARR_MEDIA_TYPE": "episode",
        "SUBLARR_TITLE": "Frieren: Beyond Journey's End\nPart \"2\"",
        "SUBLARR_SEASON": "1",
        "SUBLARR_EPISODE": "",
        "SUBLARR_LANGUAGE": "en",
        "SUBLARR_PROVIDER": "jimaku",
        "SUBLARR_SCORE": "612",
        "SUBLARR_FORMAT": "ass",
        "SUBLARR_SUBTITLE_PATH": "/tv/Frieren/S01E05.en.ass",
        "SUBLARR_MEDIA_PATH": "/tv/Frieren/S01E05.mkv",
    }
    for name, value in expected.items():
        assert env.get(name) == value, name
    assert sorted(env) == sorted(expected)
    assert json.loads(env["SUBLARR_EVENT_DATA"]) == EPISODE
    assert json.loads(seen["stdin"]) == envelope
    assert Path(seen["cwd"]).name.startswith("sublarr-hook-")
    assert wait_for(lambda: not Path(seen["cwd"]).exists())


def test_emit_returns_before_a_10_second_script_finishes(app, client, services, engine,
                                                         hooks_dir, tmp_path):
    script = write_script(hooks_dir, "slow.sh", (
        "#!/bin/sh\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "sleep 10 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "wait\n"))
    add_hook(client, script)
    started = time.monotonic()
    with app.app_context():
        emit_event("subtitle_downloaded", EPISODE)
    assert time.monotonic() - started < 2.0  # generous: the script needs 10 s
    assert wait_for(lambda: (tmp_path / "child.pid").exists())
    assert log_rows(services) == []

    engine.terminate_running(signal.SIGKILL)
    [row] = wait_rows(services, 1)
    assert row["success"] is False
    assert row["error"] == "Killed by signal SIGKILL"
    assert_processes_end(tmp_path, "leader.pid", "child.pid")


def test_timed_out_script_and_its_child_are_gone_and_logged(client, services, hooks_dir,
                                                            tmp_path):
    script = write_script(hooks_dir, "hang.sh", (
        "#!/bin/sh\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "sleep 1000 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "sleep 1000\n"))
    hook = add_hook(client, script, timeout_seconds=1)
    services.bus.emit("subtitle_downloaded", EPISODE)
    [row] = wait_rows(services, 1)
    assert row["error"] == "Timeout after 1s"
    assert row["hook_id"] == hook["id"] and row["hook_type"] == "script"
    assert_processes_end(tmp_path, "leader.pid", "child.pid")


def test_one_megabyte_event_reaches_the_script_through_a_data_file(client, services, hooks_dir,
                                                                   tmp_path):
    copy, report = tmp_path / "data.json", tmp_path / "report.txt"
    script = write_script(hooks_dir, "big.sh", (
        "#!/bin/sh\n"
        f"cp \"$SUBLARR_EVENT_DATA_FILE\" '{copy}'\n"
        f"echo \"${{SUBLARR_EVENT_DATA:-unset}} ${{#SUBLARR_ERROR}} $(wc -c)\" > '{report}'\n"))
    add_hook(client, script, event_name="provider_failed")
    data = {"provider": "opensubtitles", "error": "e" * 1_000_000, "status_code": 500}
    envelope = services.bus.emit("provider_failed", data)
    [row] = wait_rows(services, 1)
    assert row["success"] is True, row
    assert json.loads(copy.read_text()) == data
    inline, error_chars, stdin_bytes = report.read_text().split()
    assert inline == "unset"
    assert error_chars == "4096"
    assert int(stdin_bytes) == len(json.dumps(envelope, separators=(",", ":")).encode())


# --------------------------------------------------------------------------- recording


def test_run_is_logged_counted_and_announced(client, services, hooks_dir):
    announced = collect(services)
    script = write_script(hooks_dir, "ok.sh", "#!/bin/sh\necho \"got $SUBLARR_TITLE\"\n")
    hook = add_hook(client, script)
    envelope = services.bus.emit("subtitle_downloaded", {**EPISODE, "title": "T"})
    [row] = wait_rows(services, 1)
    assert row["success"] is True and row["exit_code"] == 0
    assert row["stdout"] == "got T\n"
    assert row["event_name"] == "subtitle_downloaded" and row["event_id"] == envelope["id"]
    assert row["attempts"] == 1
    assert wait_for(lambda: len(announced) == 1)
    data = announced[0]["data"]
    assert data == {"hook_type": "script", "hook_id": hook["id"], "webhook_id": None,
                    "notification_id": None,
                    "hook_name": hook["name"], "event_name": "subtitle_downloaded",
                    "event_id": envelope["id"], "success": True, "exit_code": 0,
                    "status_code": None, "duration_ms": data["duration_ms"], "attempts": 1}
    stats = client.get(f"/api/v1/hooks/{hook['id']}").json
    assert stats["trigger_count"] == 1 and stats["last_success"] is True
    assert stats["consecutive_failures"] == 0 and stats["last_triggered_at"]


def test_failures_count_up_and_success_resets(client, services, hooks_dir, tmp_path):
    flag = tmp_path / "ok"
    script = write_script(hooks_dir, "flaky.sh", f"#!/bin/sh\n[ -e '{flag}' ] || exit 3\n")
    hook = add_hook(client, script)
    for expected in (1, 2):
        services.bus.emit("subtitle_downloaded", EPISODE)
        wait_rows(services, expected)
        assert wait_for(lambda n=expected: client.get(f"/api/v1/hooks/{hook['id']}")
                        .json["consecutive_failures"] == n)
    flag.touch()
    services.bus.emit("subtitle_downloaded", EPISODE)
    wait_rows(services, 3)
    stats = client.get(f"/api/v1/hooks/{hook['id']}").json
    assert stats["trigger_count"] == 3
    assert stats["consecutive_failures"] == 0 and stats["last_success"] is True


def test_hook_executed_never_triggers_another_hook_executed(client, services, hooks_dir):
    announced = collect(services)
    script = write_script(hooks_dir, "all.sh", "#!/bin/sh\nexit 0\n")
    add_hook(client, script, event_name="*")
    add_hook(client, script, event_name="hook_executed")
    services.bus.emit("subtitle_downloaded", EPISODE)
    rows = wait_rows(services, 3)
    time.sleep(1.0)  # give a (wrong) loop the chance to show up
    rows = log_rows(services)
    assert sorted(r["event_name"] for r in rows) == \
        ["hook_executed", "hook_executed", "subtitle_downloaded"]
    assert len(announced) == 1


def test_wildcard_and_named_hooks_both_run(client, services, engine, hooks_dir):
    script = write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")
    named = add_hook(client, script, event_name="provider_failed")
    wildcard = add_hook(client, script, event_name="*")
    assert [s.id for s in engine.hooks_for("provider_failed")] == [named["id"], wildcard["id"]]
    assert [s.id for s in engine.hooks_for("config_updated")] == [wildcard["id"]]


def test_disabled_hook_is_not_run(client, services, engine, hooks_dir):
    script = write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")
    hook = add_hook(client, script, enabled=False)
    assert engine.hooks_for("subtitle_downloaded") == ()
    client.put(f"/api/v1/hooks/{hook['id']}", json={"enabled": True})
    assert len(engine.hooks_for("subtitle_downloaded")) == 1
    client.put(f"/api/v1/hooks/{hook['id']}", json={"enabled": False})
    services.bus.emit("subtitle_downloaded", EPISODE)
    assert engine.hooks_for("subtitle_downloaded") == ()
    assert log_rows(services) == []


# --------------------------------------------------------------------------- run-time re-check


def test_script_deleted_after_save_is_a_logged_failure(client, services, hooks_dir):
    script = write_script(hooks_dir, "gone.sh", "#!/bin/sh\nexit 0\n")
    hook = add_hook(client, script)
    script.unlink()
    services.bus.emit("subtitle_downloaded", EPISODE)
    [row] = wait_rows(services, 1)
    assert row["success"] is False and row["exit_code"] is None
    assert "does not exist" in row["error"]
    assert wait_for(lambda: client.get(f"/api/v1/hooks/{hook['id']}")
                    .json["consecutive_failures"] == 1)


def test_script_replaced_by_a_link_leading_out_is_refused_at_run_time(client, services,
                                                                     hooks_dir, tmp_path):
    marker = tmp_path / "ran"
    script = write_script(hooks_dir, "swap.sh", "#!/bin/sh\nexit 0\n")
    add_hook(client, script)
    evil = write_script(tmp_path / "evil", "evil.sh", f"#!/bin/sh\ntouch '{marker}'\n")
    script.unlink()
    script.symlink_to(evil)
    services.bus.emit("subtitle_downloaded", EPISODE)
    [row] = wait_rows(services, 1)
    assert "outside the hooks directory" in row["error"]
    assert not marker.exists()


def test_script_made_non_executable_after_save_is_refused(client, services, hooks_dir):
    script = write_script(hooks_dir, "chmod.sh", "#!/bin/sh\nexit 0\n")
    add_hook(client, script)
    script.chmod(0o644)
    services.bus.emit("subtitle_downloaded", EPISODE)
    [row] = wait_rows(services, 1)
    assert "not executable" in row["error"]


# --------------------------------------------------------------------------- queue and shutdown


def make_engine(services, hooks_dir: Path, **kw) -> HookEngine:
    engine = HookEngine(services.db, services.bus, hooks_dir, **kw)
    engine.start()
    return engine


def stored_spec(services, script: Path, name: str = "blocker"):
    with services.db.session() as session:
        hook = hook_configs.create_hook(session, {
            "name": name, "event_name": "test", "script_path": str(script),
            "timeout_seconds": 60, "enabled": False})
        return hook_configs.spec_of(hook)


def envelope_no(number: int) -> dict:
    return {"id": f"evt_{number:026d}", "event_name": "test", "version": 1,
            "timestamp": "2026-01-01T12:00:00.000000Z", "data": {"message": str(number)}}


def test_full_queue_logs_a_failed_run_without_blocking(services, hooks_dir, tmp_path):
    script = blocker_script(hooks_dir, tmp_path)
    spec = stored_spec(services, script)
    engine = make_engine(services, hooks_dir, workers=1, queue_size=1, shutdown_wait=5,
                         kill_grace=1)
    try:
        assert engine.submit(spec, envelope_no(1))
        assert wait_for((tmp_path / "started").exists)
        assert engine.submit(spec, envelope_no(2))
        started = time.monotonic()
        assert engine.submit(spec, envelope_no(3)) is False
        assert time.monotonic() - started < 1.0
        [rejected] = wait_rows(services, 1)
        assert rejected["success"] is False and rejected["attempts"] == 0
        assert "queue is full" in rejected["error"]
        assert rejected["event_id"] == envelope_no(3)["id"]
        (tmp_path / "release").touch()
        rows = wait_rows(services, 3)
        assert sorted(r["success"] for r in rows) == [False, True, True]
    finally:
        (tmp_path / "release").touch()
        engine.shutdown()


def test_shutdown_records_queued_runs_and_stops_running_ones(services, hooks_dir, tmp_path):
    script = write_script(hooks_dir, "stuck.sh", (
        "#!/bin/sh\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "sleep 1000 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "wait\n"))
    spec = stored_spec(services, script)
    engine = make_engine(services, hooks_dir, workers=1, queue_size=10, shutdown_wait=0.5,
                         kill_grace=1)
    for number in range(3):
        assert engine.submit(spec, envelope_no(number))
    assert wait_for((tmp_path / "child.pid").exists)
    started = time.monotonic()
    engine.shutdown()
    assert time.monotonic() - started < 15
    rows = log_rows(services)
    assert len(rows) == 3
    errors = sorted(r["error"] for r in rows)
    assert errors == ["Killed by signal SIGTERM", "Not run: Sublarr was shutting down",
                      "Not run: Sublarr was shutting down"]
    assert_processes_end(tmp_path, "leader.pid", "child.pid")
    started = time.monotonic()
    assert engine.submit(spec, envelope_no(9)) is False
    assert time.monotonic() - started < 1.0


def test_concurrency_is_bounded_by_the_worker_count(services, hooks_dir, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    script = write_script(hooks_dir, "count.sh", (
        "#!/bin/sh\n"
        f"touch '{marks}'/$$\n"
        f"while [ ! -e '{tmp_path}/release' ]; do sleep 0.05; done\n"))
    spec = stored_spec(services, script)
    engine = make_engine(services, hooks_dir, workers=2, queue_size=10, shutdown_wait=5)
    try:
        for number in range(5):
            assert engine.submit(spec, envelope_no(number))
        assert wait_for(lambda: len(list(marks.iterdir())) == 2)
        time.sleep(0.5)
        assert len(list(marks.iterdir())) == 2
        (tmp_path / "release").touch()
        wait_rows(services, 5)
        assert len(list(marks.iterdir())) == 5
    finally:
        (tmp_path / "release").touch()
        engine.shutdown()
