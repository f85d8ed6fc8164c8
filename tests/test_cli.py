"""The command line: help, api-key, db upgrade, and serve as a real process."""

from __future__ import annotations

import sqlite3
import subprocess

import requests
from click.testing import CliRunner

from sublarr.cli import main
from tests.support.process import ServerProcess, sublarr_command


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "api-key", "events"):
        assert command in result.output


def test_serve_help_documents_options():
    result = CliRunner().invoke(main, ["serve", "--help"])
    for option in ("--host", "--port", "--data-dir"):
        assert option in result.output


def test_api_key_is_generated_once_and_stable(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["api-key", "--data-dir", str(tmp_path)], env={"SUBLARR_API_KEY": ""})
    second = runner.invoke(main, ["api-key", "--data-dir", str(tmp_path)], env={"SUBLARR_API_KEY": ""})
    assert first.exit_code == 0
    assert len(first.output.strip()) == 32
    assert first.output == second.output
    assert (tmp_path / "api_key").stat().st_mode & 0o777 == 0o600


def test_api_key_from_environment_wins(tmp_path):
    result = CliRunner().invoke(main, ["api-key", "--data-dir", str(tmp_path)],
                                env={"SUBLARR_API_KEY": "from-env"})
    assert result.output.strip() == "from-env"


def test_db_upgrade_creates_schema(tmp_path):
    result = CliRunner().invoke(main, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "sublarr.db") as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"settings", "hook_configs", "webhook_deliveries", "hook_log"} <= tables


def test_events_command_lists_catalog():
    out = subprocess.run([*sublarr_command(), "events"], capture_output=True, text=True,
                         timeout=60).stdout
    assert "subtitle_downloaded" in out and "hook_executed" in out


def test_serve_answers_health_and_stops_cleanly_on_sigterm(tmp_path):
    server = ServerProcess(tmp_path)
    try:
        server.wait_healthy()
        assert requests.get(f"{server.url}/api/v1/health", timeout=5).json()["status"] == "ok"
        resp = requests.get(f"{server.url}/api/v1/config", headers={"X-Api-Key": server.api_key},
                            timeout=5)
        assert resp.status_code == 200
    finally:
        code = server.terminate()
    output = server.output()
    assert code == 0, output
    assert "Traceback" not in output
    assert server.api_key not in output  # a configured key is never printed
    assert "Werkzeug" not in output and "development server" not in output


def test_key_in_query_string_never_reaches_the_log(tmp_path):
    with ServerProcess(tmp_path) as server:
        requests.get(f"{server.url}/api/v1/config?apikey=wrong-secret-abc", timeout=5)
        requests.get(f"{server.url}/api/v1/config?apikey={server.api_key}", timeout=5)
        output = server.output()
    assert "wrong-secret-abc" not in output
