"""Markers of running hook scripts: what a crash leaves is found, stopped and logged."""

from __future__ import annotations

import os
import subprocess

from sublarr.events.hooks.run_markers import RunMarker, RunMarkers, stop_leftover
from sublarr.owners import process_start_ticks


def _marker(pgid: int, ticks: int | None) -> RunMarker:
    return RunMarker(pgid, ticks, 7, "notify", "test", "evt_1", "2026-01-01T00:00:00+00:00")


def test_leftovers_are_read_once_and_bad_files_skipped(tmp_path):
    markers = RunMarkers(tmp_path / "hook-runs")
    markers.add(_marker(111, 5))
    markers.add(_marker(222, None))
    markers.remove(222)
    (tmp_path / "hook-runs" / "333.json").write_text("{not json")
    assert markers.take_leftovers() == [_marker(111, 5)]
    assert markers.take_leftovers() == []
    assert oct((tmp_path / "hook-runs").stat().st_mode & 0o777) == "0o700"


def test_a_leftover_script_still_running_is_killed():
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        assert stop_leftover(_marker(proc.pid, process_start_ticks(proc.pid)))
        assert proc.wait(10) == -9
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_reused_pid_is_left_alone():
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        ticks = process_start_ticks(proc.pid)
        assert not stop_leftover(_marker(proc.pid, ticks + 1))  # another program now
        assert proc.poll() is None
        os.kill(proc.pid, 0)
    finally:
        proc.kill()
        proc.wait(10)


def test_a_finished_script_needs_nothing():
    proc = subprocess.Popen(["true"], start_new_session=True)
    proc.wait(10)
    assert not stop_leftover(_marker(proc.pid, None))
