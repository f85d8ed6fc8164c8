"""The /hooks endpoints: CRUD with script_path checks, test runs and the run log."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sublarr.events.hooks.engine import COMPONENT_KEY
from tests.events.hooks.conftest import wait_for, write_script

BASE = "/api/v1/hooks"


@pytest.fixture
def hooks_dir(data_dir: Path) -> Path:
    return data_dir / "hooks"


@pytest.fixture
def script(hooks_dir: Path) -> Path:
    return write_script(hooks_dir, "notify.sh",
                        "#!/bin/sh\necho \"msg=$SUBLARR_MESSAGE event=$SUBLARR_EVENT\"\n"
                        "echo warn >&2\n")


def create(client, script_path, **extra):
    body = {"name": "Notify", "event_name": "subtitle_downloaded",
            "script_path": str(script_path), **extra}
    return client.post(BASE, json=body)


# --------------------------------------------------------------------------- CRUD


def test_create_get_list_update_delete(client, script, services):
    resp = create(client, script)
    assert resp.status_code == 201
    hook = resp.json
    assert hook["timeout_seconds"] == 30 and hook["enabled"] is True
    assert hook["trigger_count"] == 0 and hook["last_success"] is None
    assert client.get(f"{BASE}/{hook['id']}").json == hook
    assert [h["id"] for h in client.get(BASE).json["hooks"]] == [hook["id"]]

    resp = client.put(f"{BASE}/{hook['id']}", json={"timeout_seconds": 5, "event_name": "*"})
    assert resp.status_code == 200
    assert resp.json["timeout_seconds"] == 5 and resp.json["event_name"] == "*"
    assert resp.json["name"] == "Notify"
    engine = services.components[COMPONENT_KEY]
    assert [s.timeout_seconds for s in engine.hooks_for("test")] == [5]

    assert client.delete(f"{BASE}/{hook['id']}").status_code == 204
    assert client.get(f"{BASE}/{hook['id']}").status_code == 404
    assert engine.hooks_for("test") == ()


def test_relative_script_path_is_accepted(client, script):
    resp = create(client, "notify.sh")
    assert resp.status_code == 201
    assert resp.json["script_path"] == "notify.sh"


def test_put_ignores_read_only_fields_sent_back(client, script):
    hook = create(client, script).json
    resp = client.put(f"{BASE}/{hook['id']}", json={**hook, "trigger_count": 99, "name": "New"})
    assert resp.status_code == 200
    assert resp.json["trigger_count"] == 0 and resp.json["name"] == "New"


def test_huge_ids_are_404_or_422_not_500(client):
    huge = 2**70
    assert client.get(f"{BASE}/{huge}").status_code == 404
    assert client.put(f"{BASE}/{huge}", json={"name": "x"}).status_code == 404
    assert client.delete(f"{BASE}/{huge}").status_code == 404
    assert client.post(f"{BASE}/{huge}/test").status_code == 404
    assert client.get(f"{BASE}/logs?hook_id={huge}").status_code == 422
    assert client.get(f"{BASE}/logs?offset={huge}").status_code == 422
    assert client.delete(f"{BASE}/logs?webhook_id={huge}").status_code == 422


def test_unknown_ids_are_404(client):
    assert client.get(f"{BASE}/999").status_code == 404
    assert client.put(f"{BASE}/999", json={"name": "x"}).status_code == 404
    assert client.delete(f"{BASE}/999").status_code == 404
    assert client.post(f"{BASE}/999/test").status_code == 404


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("body_change, field", [
    ({"event_name": "no_such_event"}, "event_name"),
    ({"timeout_seconds": 0}, "timeout_seconds"),
    ({"timeout_seconds": 3601}, "timeout_seconds"),
    ({"name": "   "}, "name"),
    ({"unknown_field": 1}, "unknown_field"),
    ({"enabled": "maybe"}, "enabled"),
])
def test_invalid_fields_are_422(client, script, body_change, field):
    resp = create(client, script, **body_change)
    assert resp.status_code == 422
    assert field in str(resp.json["error"]["details"])
    assert client.get(BASE).json["hooks"] == []


def test_missing_fields_are_422(client):
    resp = client.post(BASE, json={"name": "x"})
    assert resp.status_code == 422


def test_non_json_body_is_415(client):
    resp = client.post(BASE, data="name=x", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


def test_script_outside_hooks_dir_is_422(client, tmp_path):
    outside = write_script(tmp_path / "elsewhere", "evil.sh", "#!/bin/sh\n")
    resp = create(client, outside)
    assert resp.status_code == 422
    assert "outside the hooks directory" in resp.json["error"]["message"]
    assert resp.json["error"]["details"] == {"field": "script_path"}


def test_dotdot_traversal_is_422(client, hooks_dir, tmp_path):
    write_script(tmp_path, "evil.sh", "#!/bin/sh\n")
    assert create(client, f"{hooks_dir}/../evil.sh").status_code == 422
    assert create(client, "../evil.sh").status_code == 422


def test_symlink_leading_out_is_422(client, hooks_dir, tmp_path):
    target = write_script(tmp_path / "elsewhere", "evil.sh", "#!/bin/sh\n")
    (hooks_dir / "link.sh").symlink_to(target)
    resp = create(client, hooks_dir / "link.sh")
    assert resp.status_code == 422
    assert "outside" in resp.json["error"]["message"]


def test_non_executable_script_is_422(client, hooks_dir):
    write_script(hooks_dir, "plain.sh", "#!/bin/sh\n", mode=0o644)
    resp = create(client, "plain.sh")
    assert resp.status_code == 422
    assert "not executable" in resp.json["error"]["message"]


def test_missing_script_is_422(client):
    resp = create(client, "missing.sh")
    assert resp.status_code == 422
    assert "does not exist" in resp.json["error"]["message"]


def test_nul_in_script_path_is_422_not_500(client):
    assert create(client, "a\u0000b.sh").status_code == 422


def test_put_with_a_bad_path_changes_nothing(client, script, tmp_path):
    hook = create(client, script).json
    outside = write_script(tmp_path / "elsewhere", "evil.sh", "#!/bin/sh\n")
    resp = client.put(f"{BASE}/{hook['id']}", json={"script_path": str(outside), "name": "x"})
    assert resp.status_code == 422
    assert client.get(f"{BASE}/{hook['id']}").json == hook


def test_put_with_an_unknown_event_or_bad_timeout_is_422(client, script):
    hook = create(client, script).json
    assert client.put(f"{BASE}/{hook['id']}", json={"event_name": "nope"}).status_code == 422
    assert client.put(f"{BASE}/{hook['id']}", json={"timeout_seconds": 0}).status_code == 422
    assert client.put(f"{BASE}/{hook['id']}", json=["not", "an", "object"]).status_code == 422
    assert client.get(f"{BASE}/{hook['id']}").json == hook


def test_put_null_is_422(client, script):
    hook = create(client, script).json
    resp = client.put(f"{BASE}/{hook['id']}", json={"timeout_seconds": None})
    assert resp.status_code == 422


# --------------------------------------------------------------------------- test runs


def test_test_run_returns_the_result_and_is_logged(client, script):
    hook = create(client, script).json
    resp = client.post(f"{BASE}/{hook['id']}/test", json={"message": "hello there"})
    assert resp.status_code == 200
    result = resp.json
    assert result["success"] is True and result["exit_code"] == 0
    assert result["stdout"] == "msg=hello there event=test\n"
    assert result["stderr"] == "warn\n"
    assert result["error"] is None and result["event_id"].startswith("evt_")
    logs = client.get(f"{BASE}/logs").json["logs"]
    assert logs[0]["event_name"] == "test" and logs[0]["event_id"] == result["event_id"]
    assert client.get(f"{BASE}/{hook['id']}").json["trigger_count"] == 1


def test_test_run_without_body_uses_a_default_message(client, script):
    hook = create(client, script).json
    resp = client.post(f"{BASE}/{hook['id']}/test")
    assert resp.status_code == 200
    assert resp.json["stdout"].startswith("msg=Test event from Sublarr")


def test_test_run_of_a_failing_script(client, hooks_dir):
    write_script(hooks_dir, "fail.sh", "#!/bin/sh\necho nope >&2\nexit 3\n")
    hook = create(client, "fail.sh").json
    result = client.post(f"{BASE}/{hook['id']}/test", json={}).json
    assert result["success"] is False and result["exit_code"] == 3
    assert result["error"] == "Exit code 3" and result["stderr"] == "nope\n"


def test_test_run_of_a_deleted_script_reports_the_refusal(client, script):
    hook = create(client, script).json
    script.unlink()
    resp = client.post(f"{BASE}/{hook['id']}/test")
    assert resp.status_code == 200
    assert resp.json["success"] is False and "does not exist" in resp.json["error"]


def test_test_run_with_timeout(client, hooks_dir):
    write_script(hooks_dir, "slow.sh", "#!/bin/sh\nsleep 30\n")
    hook = create(client, "slow.sh", timeout_seconds=1).json
    result = client.post(f"{BASE}/{hook['id']}/test").json
    assert result["success"] is False and result["error"] == "Timeout after 1s"


def test_test_run_bad_body_is_422(client, script):
    hook = create(client, script).json
    assert client.post(f"{BASE}/{hook['id']}/test", json={"msg": 1}).status_code == 422


# --------------------------------------------------------------------------- logs


def run_tests(client, hook_id: int, count: int) -> None:
    for _ in range(count):
        assert client.post(f"{BASE}/{hook_id}/test").status_code == 200


def test_logs_filter_and_page(client, hooks_dir):
    write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")
    write_script(hooks_dir, "bad.sh", "#!/bin/sh\nexit 1\n")
    good = create(client, "ok.sh").json
    bad = create(client, "bad.sh").json
    run_tests(client, good["id"], 3)
    run_tests(client, bad["id"], 2)

    page = client.get(f"{BASE}/logs").json
    assert page["total"] == 5 and page["limit"] == 50 and page["offset"] == 0
    ids = [entry["id"] for entry in page["logs"]]
    assert ids == sorted(ids, reverse=True)

    assert client.get(f"{BASE}/logs?hook_id={good['id']}").json["total"] == 3
    assert client.get(f"{BASE}/logs?success=false").json["total"] == 2
    assert client.get(f"{BASE}/logs?success=true&hook_id={bad['id']}").json["total"] == 0
    assert client.get(f"{BASE}/logs?event_name=test").json["total"] == 5
    assert client.get(f"{BASE}/logs?webhook_id=1").json["total"] == 0
    assert client.get(f"{BASE}/logs?hook_type=script").json["total"] == 5

    second = client.get(f"{BASE}/logs?limit=2&offset=2").json
    assert [e["id"] for e in second["logs"]] == ids[2:4]
    assert second["total"] == 5


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "hook_id=abc",
                                   "success=perhaps", "hook_type=ftp"])
def test_bad_log_queries_are_422(client, query):
    assert client.get(f"{BASE}/logs?{query}").status_code == 422


def test_limit_500_is_allowed(client):
    assert client.get(f"{BASE}/logs?limit=500").status_code == 200


def test_clear_logs(client, script):
    hook = create(client, script).json
    run_tests(client, hook["id"], 2)
    resp = client.delete(f"{BASE}/logs")
    assert resp.status_code == 200 and resp.json == {"deleted": 2}
    assert client.get(f"{BASE}/logs").json["total"] == 0


def test_clear_logs_with_a_filter(client, hooks_dir):
    write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")
    write_script(hooks_dir, "bad.sh", "#!/bin/sh\nexit 1\n")
    run_tests(client, create(client, "ok.sh").json["id"], 1)
    run_tests(client, create(client, "bad.sh").json["id"], 1)
    assert client.delete(f"{BASE}/logs?success=false").json == {"deleted": 1}
    assert client.get(f"{BASE}/logs").json["total"] == 1


def test_hooks_endpoints_need_the_api_key(client):
    assert client.raw.get(BASE).status_code == 401
    assert client.raw.get(f"{BASE}/logs").status_code == 401
    assert client.raw.delete(f"{BASE}/logs").status_code == 401


def test_endpoints_are_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/hooks", "/api/v1/hooks/{hook_id}", "/api/v1/hooks/{hook_id}/test",
                 "/api/v1/hooks/logs"):
        assert path in paths, sorted(paths)


def test_binary_output_of_a_test_run_round_trips_as_json(client, hooks_dir):
    write_script(hooks_dir, "bin.py",
                 f"#!{sys.executable}\nimport sys\nsys.stdout.buffer.write(b'\\xff\\x00ok')\n")
    hook = create(client, "bin.py").json
    result = client.post(f"{BASE}/{hook['id']}/test").json
    assert result["stdout"] == "\ufffd\ufffdok"
    assert wait_for(lambda: client.get(f"{BASE}/logs").json["logs"][0]["stdout"]
                    == "\ufffd\ufffdok")
