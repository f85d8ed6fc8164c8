"""Running real scripts: path checks, hostile scripts, process groups, bounded capture.

No Flask and no database: :func:`run_script` and :func:`resolve_script` only.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import pytest

from sublarr.events.hooks.runner import OUTPUT_LIMIT_CHARS, run_script
from sublarr.events.hooks.script_path import ScriptPathError, resolve_script
from tests.events.hooks.conftest import (
    ENVELOPE,
    assert_processes_end,
    process_gone,
    wait_for,
    write_script,
)

def run(script: Path, envelope=ENVELOPE, timeout: float = 20, **kw):
    return run_script(script, envelope, timeout, path_env=os.environ.get("PATH", os.defpath),
                      **kw)


@pytest.fixture
def hooks_dir(tmp_path: Path) -> Path:
    path = tmp_path / "hooks"
    path.mkdir()
    return path


# --------------------------------------------------------------------------- script_path


def test_script_inside_hooks_dir_resolves(hooks_dir):
    script = write_script(hooks_dir, "ok.sh", "#!/bin/sh\nexit 0\n")
    assert resolve_script(str(script), hooks_dir) == str(script.resolve())
    assert resolve_script("ok.sh", hooks_dir) == str(script.resolve())


def test_script_in_subfolder_resolves(hooks_dir):
    script = write_script(hooks_dir / "plex", "refresh.sh", "#!/bin/sh\n")
    assert resolve_script("plex/refresh.sh", hooks_dir) == str(script.resolve())


def test_path_outside_hooks_dir_is_refused(hooks_dir, tmp_path):
    outside = write_script(tmp_path / "elsewhere", "evil.sh", "#!/bin/sh\n")
    with pytest.raises(ScriptPathError, match="outside the hooks directory"):
        resolve_script(str(outside), hooks_dir)


def test_dotdot_traversal_is_refused(hooks_dir, tmp_path):
    write_script(tmp_path, "evil.sh", "#!/bin/sh\n")
    with pytest.raises(ScriptPathError, match="outside"):
        resolve_script(str(hooks_dir / ".." / "evil.sh"), hooks_dir)
    with pytest.raises(ScriptPathError, match="outside"):
        resolve_script("../evil.sh", hooks_dir)


def test_symlink_leading_out_is_refused(hooks_dir, tmp_path):
    target = write_script(tmp_path / "elsewhere", "evil.sh", "#!/bin/sh\n")
    (hooks_dir / "innocent.sh").symlink_to(target)
    with pytest.raises(ScriptPathError, match="outside"):
        resolve_script("innocent.sh", hooks_dir)


def test_symlink_inside_hooks_dir_is_fine(hooks_dir):
    target = write_script(hooks_dir, "real.sh", "#!/bin/sh\n")
    (hooks_dir / "alias.sh").symlink_to(target)
    assert resolve_script("alias.sh", hooks_dir) == str(target.resolve())


def test_non_executable_file_is_refused(hooks_dir):
    write_script(hooks_dir, "plain.sh", "#!/bin/sh\n", mode=0o644)
    with pytest.raises(ScriptPathError, match="not executable"):
        resolve_script("plain.sh", hooks_dir)


def test_missing_file_is_refused(hooks_dir):
    with pytest.raises(ScriptPathError, match="does not exist"):
        resolve_script("nope.sh", hooks_dir)


def test_directory_and_hooks_dir_itself_are_refused(hooks_dir):
    (hooks_dir / "sub").mkdir()
    with pytest.raises(ScriptPathError, match="regular file"):
        resolve_script("sub", hooks_dir)
    with pytest.raises(ScriptPathError):
        resolve_script(str(hooks_dir), hooks_dir)


def test_empty_and_nul_paths_are_refused(hooks_dir):
    for bad in ("", "a\0b"):
        with pytest.raises(ScriptPathError, match="NUL"):
            resolve_script(bad, hooks_dir)


# --------------------------------------------------------------------------- running


def test_exit_code_3_is_a_failure_with_output(hooks_dir):
    script = write_script(hooks_dir, "three.sh", "#!/bin/sh\necho out\necho err >&2\nexit 3\n")
    result = run(script)
    assert result.success is False
    assert result.exit_code == 3
    assert result.error == "Exit code 3"
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert result.duration_ms >= 0


def test_script_reading_stdin_gets_the_envelope(hooks_dir, tmp_path):
    out = tmp_path / "stdin.json"
    script = write_script(hooks_dir, "read.sh", f"#!/bin/sh\ncat > '{out}'\n")
    result = run(script)
    assert result.success, result
    assert json.loads(out.read_text()) == ENVELOPE


def test_script_ignoring_a_large_stdin_does_not_deadlock(hooks_dir):
    big = {**ENVELOPE, "data": {"message": "m" * 2_000_000}}
    script = write_script(hooks_dir, "ignore.sh", "#!/bin/sh\nsleep 0.3\necho done\n")
    result = run(script, envelope=big, timeout=20)
    assert result.success, result
    assert result.stdout == "done\n"


def test_binary_output_is_decoded_with_replacement(hooks_dir):
    script = write_script(hooks_dir, "bin.sh",
                          "#!/bin/sh\nprintf 'ok\\377\\376\\000end'\nprintf '\\200' >&2\n")
    result = run(script)
    assert result.success
    assert result.stdout == "ok\ufffd\ufffd\ufffdend"
    assert result.stderr == "\ufffd"


def test_stdout_and_stderr_floods_keep_4096_chars_and_no_memory(hooks_dir):
    script = write_script(hooks_dir, "flood.sh", (
        "#!/bin/sh\n"
        "yes | head -c 150000000 &\n"
        "yes err | head -c 150000000 >&2\n"
        "wait\n"))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run(script, timeout=120)
    peak_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert result.success, result.error
    assert result.stdout == "y\n" * (OUTPUT_LIMIT_CHARS // 2)
    assert len(result.stderr) == OUTPUT_LIMIT_CHARS
    assert result.stderr.startswith("err\nerr\n")
    assert peak_growth_mb < 64  # 300 MB went through the pipes


def test_multibyte_output_is_cut_at_4096_characters(hooks_dir):
    script = write_script(hooks_dir, "utf.sh",
                          f"#!{sys.executable}\nimport sys\nsys.stdout.write('é' * 10000)\n")
    result = run(script)
    assert result.stdout == "é" * OUTPUT_LIMIT_CHARS


def test_never_ending_script_and_its_background_child_are_killed(hooks_dir, tmp_path):
    script = write_script(hooks_dir, "forever.sh", (
        "#!/bin/sh\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "sleep 1000 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "while true; do sleep 1; done\n"))
    result = run(script, timeout=1, kill_grace=2)
    assert result.success is False
    assert result.error == "Timeout after 1s"
    assert result.exit_code is None
    assert_processes_end(tmp_path, "leader.pid", "child.pid")


def test_script_ignoring_term_is_killed(hooks_dir, tmp_path):
    script = write_script(hooks_dir, "stubborn.sh", (
        "#!/bin/sh\n"
        "trap '' TERM\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "sleep 1000 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "while true; do sleep 1; done\n"))
    started = time.monotonic()
    result = run(script, timeout=1, kill_grace=1)
    assert result.error == "Timeout after 1s"
    assert time.monotonic() - started < 30
    assert_processes_end(tmp_path, "leader.pid", "child.pid")


def test_background_child_left_after_a_normal_exit_is_terminated(hooks_dir, tmp_path):
    script = write_script(hooks_dir, "leaves.sh", (
        "#!/bin/sh\n"
        "sleep 1000 &\n"
        f"echo $! > '{tmp_path}/child.pid'\n"
        "echo bye\n"))
    result = run(script)
    assert result.success, result
    assert result.stdout == "bye\n"
    assert_processes_end(tmp_path, "child.pid")


def test_script_without_shebang_fails_to_start(hooks_dir):
    script = write_script(hooks_dir, "noshebang", "\x7fELF garbage")
    result = run(script)
    assert result.success is False
    assert result.error.startswith("Could not start the script")


def test_private_home_and_cwd_are_removed_afterwards(hooks_dir, tmp_path):
    report = tmp_path / "where.txt"
    script = write_script(hooks_dir, "where.sh",
                          f"#!/bin/sh\npwd > '{report}'\necho \"$HOME\" >> '{report}'\n"
                          "touch \"$HOME/leftover\"\n")
    assert run(script).success
    cwd, home = report.read_text().split()
    assert cwd == home
    assert Path(home).name.startswith("sublarr-hook-")
    assert not Path(home).exists()


def test_big_payload_arrives_in_a_data_file(hooks_dir, tmp_path):
    copy = tmp_path / "data.json"
    flags = tmp_path / "flags.txt"
    script = write_script(hooks_dir, "big.sh", (
        "#!/bin/sh\n"
        f"cp \"$SUBLARR_EVENT_DATA_FILE\" '{copy}'\n"
        f"echo \"inline=${{SUBLARR_EVENT_DATA:-unset}}\" > '{flags}'\n"
        f"cat > /dev/null\n"))
    data = {"message": "m" * 1_000_000}
    result = run(script, envelope={**ENVELOPE, "data": data})
    assert result.success, result
    assert json.loads(copy.read_text()) == data
    assert flags.read_text().strip() == "inline=unset"


def test_own_environment_does_not_leak(hooks_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SUBLARR_SECRET_LEAK", "x")
    monkeypatch.setenv("SUBLARR_API_KEY", "do-not-leak")
    dump = tmp_path / "env.json"
    script = write_script(hooks_dir, "env.py", (
        f"#!{sys.executable}\nimport json, os\n"
        f"open('{dump}', 'w').write(json.dumps(dict(os.environ)))\n"))
    assert run(script).success
    seen = json.loads(dump.read_text())
    assert "SUBLARR_SECRET_LEAK" not in seen
    assert "SUBLARR_API_KEY" not in seen
    assert "do-not-leak" not in json.dumps(seen)
    assert seen["PATH"] == os.environ["PATH"]


# --------------------------------------------------------------------------- private dirs


def test_each_run_gets_a_fresh_private_dir_removed_afterwards(tmp_path, monkeypatch):
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    script = write_script(tmp_path / "hooks", "pwd.sh", (
        "#!/bin/sh\npwd\nstat -c %a .\nls -A | wc -l\necho junk > left-behind\n"))
    seen = []
    for _ in range(3):
        result = run(script)
        assert result.success, result
        workdir, mode, entries = result.stdout.split()
        assert Path(workdir).parent == temp_root and mode == "700" and entries == "0"
        seen.append(workdir)
    assert len(set(seen)) == 3
    assert os.listdir(temp_root) == []


def test_script_closing_its_pipes_still_times_out(hooks_dir, tmp_path):
    script = write_script(hooks_dir, "quiet.sh", (
        "#!/bin/sh\n"
        f"echo $$ > '{tmp_path}/leader.pid'\n"
        "exec >&- 2>&- <&-\n"
        "sleep 1000\n"))
    result = run(script, timeout=1, kill_grace=1)
    assert result.error == "Timeout after 1s"
    pid = int((tmp_path / "leader.pid").read_text())
    assert wait_for(lambda: process_gone(pid), timeout=10)


def test_escaped_daemon_holding_the_pipes_does_not_hold_the_run(hooks_dir, tmp_path):
    """A child that leaves the group on purpose (setsid) survives; we stop reading its pipes."""
    script = write_script(hooks_dir, "daemon.sh", (
        "#!/bin/sh\n"
        f"setsid sh -c 'echo $$ > \"{tmp_path}/daemon.pid\"; exec sleep 1000' &\n"
        f"while [ ! -s '{tmp_path}/daemon.pid' ]; do sleep 0.01; done\n"  # it has left
        "echo started\n"))
    started = time.monotonic()
    result = run(script, timeout=30)
    try:
        assert result.success, result
        assert result.stdout == "started\n"
        assert time.monotonic() - started < 15
    finally:
        assert wait_for((tmp_path / "daemon.pid").exists)
        os.kill(int((tmp_path / "daemon.pid").read_text()), 9)


def test_endless_flood_ignoring_term_is_killed_with_bounded_capture(hooks_dir):
    script = write_script(hooks_dir, "endless.sh", "#!/bin/sh\ntrap '' TERM\nexec yes\n")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run(script, timeout=1, kill_grace=1)
    assert result.error == "Timeout after 1s"
    assert result.stdout == "y\n" * (OUTPUT_LIMIT_CHARS // 2)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 64
