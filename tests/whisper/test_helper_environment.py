"""Helper programs (ffprobe, ffmpeg, the whisper child) are not configurable through the API
and start with a minimal environment: no SUBLARR_* secret ever reaches them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from sublarr.app import create_app
from sublarr.db import settings_repo
from sublarr.helper_env import helper_environment, whisper_child_environment
from sublarr.services import services_of
from sublarr.wanted.subtitles import EmbeddedProbe
from sublarr.whisper.model_host import ModelHost
from tests.conftest import TEST_ENV, ApiClient
from tests.whisper.support import wait_for_status

SECRET = "the-api-key-must-not-leak"


def _env_dumper(folder: Path, answer: str = "") -> tuple[Path, Path]:
    """An executable that writes its environment (JSON) to a file, then prints ``answer``."""
    dump = folder / "env.json"
    script = folder / "dump-env"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))\n"
        f"sys.stdout.write({answer!r})\n"
        "sys.stdout.flush()\n"
        "sys.exit(1)\n")
    script.chmod(0o755)
    return script, dump


@pytest.fixture
def secrets_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sublarr's own process environment, as a container would set it."""
    monkeypatch.setenv("SUBLARR_API_KEY", SECRET)
    monkeypatch.setenv("SUBLARR_OPENSUBTITLES_PASSWORD", SECRET)
    monkeypatch.setenv("SUBLARR_DATABASE_URL", f"postgresql://u:{SECRET}@db/x")


def _assert_clean(dump: Path) -> dict[str, str]:
    env = json.loads(dump.read_text())
    assert not [name for name in env if name.startswith("SUBLARR_")], env
    assert SECRET not in json.dumps(env)
    assert env.get("PATH") == os.environ["PATH"]
    return env


@pytest.mark.parametrize("key", ["whisper_ffprobe_path", "whisper_ffmpeg_path"])
def test_media_tool_paths_cannot_be_set_through_the_api(client, key):  # noqa: ANN001
    resp = client.put("/api/v1/config", json={key: "/tmp/anything"})
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "invalid_setting"
    assert resp.json["error"]["details"] == {"read_only_keys": [key]}
    assert client.get("/api/v1/config").json["settings"][key] == key.split("_")[1]


@pytest.fixture
def probe_app(tmp_path: Path, data_dir: Path) -> Iterator[tuple[Flask, Path, Path]]:
    script, dump = _env_dumper(tmp_path)
    environ = {**TEST_ENV, "SUBLARR_WHISPER_FFPROBE_PATH": str(script)}
    app = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path)]},
                     environ=environ, testing=True)
    yield app, script, dump
    services_of(app).shutdown()


def test_ffprobe_set_in_the_environment_runs_without_sublarr_secrets(
        probe_app, tmp_path, secrets_in_environment):  # noqa: ANN001
    app, script, dump = probe_app
    client = ApiClient(app, services_of(app).api_key)
    assert client.get("/api/v1/config").json["settings"]["whisper_ffprobe_path"] == str(script)
    media = tmp_path / "episode.mkv"
    media.write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 64)
    resp = client.post("/api/v1/whisper/transcribe", json={"media_path": str(media)})
    assert resp.status_code == 202, resp.json
    job = wait_for_status(client, resp.json["id"])
    assert job["status"] == "failed" and "cannot read episode.mkv" in job["error"]
    _assert_clean(dump)


def test_the_whisper_child_starts_without_sublarr_secrets(tmp_path, secrets_in_environment,
                                                          monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    script, dump = _env_dumper(tmp_path, answer='{"event": "done"}\n')
    host = ModelHost(keep_seconds=0, python=str(script))
    lines: list[str] = []
    host.run({"model": "tiny"}, lines.append, lambda: False)
    assert lines == ['{"event": "done"}']
    env = _assert_clean(dump)
    assert env["HF_HUB_OFFLINE"] == "1"  # what the model libraries need still passes


def test_the_embedded_subtitle_probe_starts_without_sublarr_secrets(
        tmp_path, secrets_in_environment):  # noqa: ANN001
    script, dump = _env_dumper(tmp_path, answer='{"streams": []}')
    media = tmp_path / "movie.mkv"
    media.write_bytes(b"x" * 10)
    assert EmbeddedProbe(str(script)).languages(str(media)) == frozenset()
    _assert_clean(dump)


def test_helper_environment_keeps_only_the_allowed_names():
    environ = {"PATH": "/bin", "LANG": "C.UTF-8", "HOME": "/h", "SUBLARR_API_KEY": "k",
               "AWS_SECRET_ACCESS_KEY": "x", "HF_HOME": "/m", "PYTHONPATH": "/src"}
    assert helper_environment(environ) == {"PATH": "/bin", "LANG": "C.UTF-8", "HOME": "/h"}
    assert whisper_child_environment(environ) == {
        "PATH": "/bin", "LANG": "C.UTF-8", "HOME": "/h", "HF_HOME": "/m", "PYTHONPATH": "/src"}
    assert helper_environment(environ, keep=["SUBLARR_API_KEY"]) == helper_environment(environ)


def test_a_media_tool_path_stored_by_an_older_version_is_ignored(data_dir, tmp_path):  # noqa: ANN001
    first = create_app({"data_dir": data_dir}, environ=TEST_ENV, testing=True)
    with services_of(first).db.session() as session:
        settings_repo.save_many(session, {"whisper_ffprobe_path": str(tmp_path / "evil")})
    services_of(first).shutdown()
    second = create_app({"data_dir": data_dir}, environ=TEST_ENV, testing=True)
    try:
        assert services_of(second).settings.current.whisper_ffprobe_path == "ffprobe"
    finally:
        services_of(second).shutdown()
