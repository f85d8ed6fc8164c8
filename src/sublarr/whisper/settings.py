"""Settings of the whisper subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from sublarr.settings_base import bootstrap


class WhisperSettings(BaseModel):
    """Settings owned by the whisper subsystem. Keys are flat and prefixed by topic."""

    whisper_backend: Literal["local", "remote"] = Field(
        "local", description="local: faster-whisper in a child process; "
                             "remote: a whisper-asr-webservice/subgen server")
    whisper_workers: int = Field(
        1, ge=1, le=8, description="Transcriptions that run at the same time")
    whisper_model: str = Field(
        "small", min_length=1, max_length=1000,
        description="A model size (tiny, base, small, medium, large-v3…), a Hugging Face "
                    "repo id, or the path of a local CTranslate2 model directory")
    whisper_model_keep_seconds: int = Field(
        300, ge=0, le=86400,
        description="Keep the local model loaded this long after a job (0: unload each time)")
    whisper_compute_type: str = Field(
        "int8", pattern=r"^[a-z0-9_]+$", description="CTranslate2 compute type (int8, float16…)")
    whisper_device: str = Field("cpu", pattern=r"^(cpu|cuda|auto)$")
    whisper_cpu_threads: int = Field(0, ge=0, le=256, description="0: the library's default")
    whisper_beam_size: int = Field(5, ge=1, le=20)
    whisper_vad_filter: bool = Field(
        False, description="Skip silence with the Silero VAD (fewer hallucinations)")
    whisper_audio_track: int = Field(
        0, ge=0, le=99, description="Audio track to transcribe (0 = first audio stream)")
    whisper_remote_url: str = Field(
        "", max_length=2000, pattern=r"^(|https?://.+)$",
        description="Base URL of whisper-asr-webservice or subgen, e.g. http://subgen:9000")
    whisper_remote_timeout_seconds: int = Field(7200, ge=10, le=86400)
    # Environment only: a program settable through the API would run with whatever
    # rights Sublarr has (a way around the hooks-dir rule).
    whisper_ffmpeg_path: str = bootstrap(
        "ffmpeg", min_length=1,
        description="ffmpeg program (a name looked up on PATH or a path); environment only")
    whisper_ffprobe_path: str = bootstrap(
        "ffprobe", min_length=1,
        description="ffprobe program (a name looked up on PATH or a path), also used to find "
                    "embedded subtitle tracks; environment only")
