"""Transcriptions only read media inside the library roots and write SRTs no more readable
than the media. ffprobe/ffmpeg are small scripts set in the environment (as an admin
would), so these tests run without the real tools; the ASR service is the fake server."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from sublarr.app import create_app
from sublarr.library.roots import OUTSIDE_MESSAGE
from sublarr.services import services_of
from sublarr.whisper.models import WhisperJob
from tests.conftest import TEST_ENV, ApiClient
from tests.whisper.support import wait_for_status

TRANSCRIBE = "/api/v1/whisper/transcribe"
FAKE_FFPROBE = """
import json
print(json.dumps({"streams": [{"index": 0, "codec_type": "audio"}],
                  "format": {"duration": "2.0"}}))
"""
FAKE_FFMPEG = """
import sys
with open(sys.argv[-1], "wb") as wav:  # the output WAV is the last argument
    wav.write(b"RIFF" + b"\\0" * 4 + b"WAVE" + b"\\0" * 200)
print("out_time_us=2000000")
print("progress=end")
"""


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


@pytest.fixture
def whisper_app(tmp_path: Path, data_dir: Path, fake_asr) -> Iterator[Flask]:  # noqa: ANN001
    tools = tmp_path / "tools"
    tools.mkdir()
    environ = {**TEST_ENV,
               "SUBLARR_WHISPER_FFPROBE_PATH": str(_script(tools / "ffprobe", FAKE_FFPROBE)),
               "SUBLARR_WHISPER_FFMPEG_PATH": str(_script(tools / "ffmpeg", FAKE_FFMPEG))}
    app = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path / "lib")],
                      "whisper_backend": "remote", "whisper_remote_url": fake_asr[1].url},
                     environ=environ, testing=True)
    yield app
    services_of(app).shutdown()


@pytest.fixture
def api(whisper_app: Flask) -> ApiClient:
    return ApiClient(whisper_app, services_of(whisper_app).api_key)


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib" / "Movies"
    root.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "home-video.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 64)
    (root / "Linked (2001).mkv").symlink_to(outside / "home-video.mkv")
    return root


def _jobs(app: Flask) -> int:
    with services_of(app).db.session() as session:
        return session.scalar(select(func.count()).select_from(WhisperJob))


def test_media_outside_the_roots_is_refused_without_a_job(api, whisper_app, lib, tmp_path,
                                                          fake_asr):  # noqa: ANN001
    answers = [api.post(TRANSCRIBE, json={"media_path": str(path)}) for path in (
        tmp_path / "outside" / "home-video.mkv",   # exists
        tmp_path / "outside" / "not-there.mkv",    # does not
        lib / "Linked (2001).mkv")]                # a link in the library leading out
    for resp in answers:
        assert resp.status_code == 403
        assert resp.json["error"] == {"code": "outside_library_roots",
                                      "message": OUTSIDE_MESSAGE,
                                      "details": resp.json["error"]["details"]}
    assert _jobs(whisper_app) == 0 and fake_asr[0].uploads == []


@pytest.mark.parametrize(("media_mode", "srt_mode"), [(0o600, 0o600), (0o644, 0o644)])
def test_the_srt_is_never_more_readable_than_the_media(api, lib, fake_asr, media_mode,
                                                       srt_mode):  # noqa: ANN001
    media = lib / "Paprika (2006).mkv"
    media.write_bytes(b"\x1a\x45\xdf\xa3" + b"\0" * 64)
    media.chmod(media_mode)
    resp = api.post(TRANSCRIBE, json={"media_path": str(media), "language": "ja"})
    assert resp.status_code == 202, resp.json
    done = wait_for_status(api, resp.json["id"])
    assert done["status"] == "completed", done
    srt = lib / "Paprika (2006).ja.srt"
    assert done["subtitle_path"] == str(srt)
    assert srt.read_text() == fake_asr[0].srt
    assert stat.S_IMODE(os.stat(srt).st_mode) == srt_mode
