"""Fixtures of the whisper tests: generated media, the tiny model, a fake ASR server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.events.bus import Envelope
from tests.support.http import TestServer
from tests.whisper.support import (
    LONG_TEXT,
    FakeAsr,
    make_corrupt_file,
    make_silent_video,
    make_speech_video,
    missing_tools,
    tiny_model_dir,
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may download a model; the whisper child process inherits this."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="session")
def media_tools() -> None:
    missing = missing_tools()
    if missing:
        pytest.skip(f"missing tools: {', '.join(missing)} (scripts/system-deps.sh installs them)")


@pytest.fixture(scope="session")
def clip_library(tmp_path_factory: pytest.TempPathFactory, media_tools: None) -> dict[str, Path]:
    """Media made once per session; tests copy what they need into their own folder."""
    base = tmp_path_factory.mktemp("whisper-media")
    return {
        "speech": make_speech_video(base / "speech.mkv"),
        "silent": make_silent_video(base / "silent.mkv"),
        "corrupt": make_corrupt_file(base / "corrupt.mkv"),
    }


@pytest.fixture(scope="session")
def long_clip(tmp_path_factory: pytest.TempPathFactory, media_tools: None) -> Path:
    """Nearly three minutes of speech: still being transcribed when the test cancels."""
    base = tmp_path_factory.mktemp("whisper-long")
    return make_speech_video(base / "long.mkv", text=LONG_TEXT, repeat=2,
                             audio_codec="flac")  # encoding minutes of AAC is slow


@pytest.fixture
def media(tmp_path: Path, clip_library: dict[str, Path]):  # noqa: ANN201
    """``media("speech")`` → a private copy in its own folder (the SRT lands beside it)."""

    def copy(kind: str, name: str | None = None) -> Path:
        folder = tmp_path / f"media-{kind}-{len(list(tmp_path.glob('media-*')))}"
        folder.mkdir()
        target = folder / (name or f"{kind}.mkv")
        shutil.copy(clip_library[kind], target)
        return target

    return copy


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return tiny_model_dir()


@pytest.fixture
def local_settings(model_dir: Path) -> dict[str, Any]:
    return {"whisper_backend": "local", "whisper_model": str(model_dir),
            "whisper_compute_type": "int8", "whisper_device": "cpu", "whisper_beam_size": 1}


@pytest.fixture
def fake_asr() -> Iterator[tuple[FakeAsr, TestServer]]:
    asr = FakeAsr()
    with TestServer(asr) as server:
        yield asr, server
        if asr.gate is not None:
            asr.gate.set()


@pytest.fixture
def events(services) -> list[Envelope]:  # noqa: ANN001
    """Every whisper business event the bus emits, in order."""
    seen: list[Envelope] = []
    services.bus.subscribe(seen.append, names=["whisper_complete", "whisper_failed"])
    return seen
