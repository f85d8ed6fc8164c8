"""The local backend: faster-whisper in a child process that can be killed at once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sublarr.whisper.errors import (
    ModelError,
    NoSpeechError,
    TranscriptionError,
)
from sublarr.whisper.model_host import ModelHost
from sublarr.whisper.process import ShouldStop
from sublarr.whisper.settings import WhisperSettings
from sublarr.whisper.srt import Segment, Transcript, build_srt

BACKEND_NAME = "faster-whisper"
_PATH_PREFIXES = ("/", "./", "../", "~")


def resolve_model(value: str) -> str:
    """The model argument for faster-whisper: a local directory, or a name it can fetch.

    A value that looks like a path must be a directory holding ``model.bin``
    (a typo must not turn into a download attempt of a nonsense repo id).
    """
    text = value.strip()
    candidate = Path(text).expanduser()
    looks_like_path = text.startswith(_PATH_PREFIXES) or candidate.is_dir()
    if not looks_like_path:
        return text
    if not (candidate / "model.bin").is_file():
        raise ModelError(f"whisper_model {text!r} is not a model directory "
                         "(no model.bin inside)")
    return str(candidate.resolve())


@dataclass
class ChildReport:
    """What the child said so far (pure: fed one stdout line at a time)."""

    language: str | None = None
    duration: float | None = None
    segments: list[Segment] = field(default_factory=list)
    error_kind: str | None = None
    error: str | None = None
    done: bool = False

    def feed(self, line: str) -> float | None:
        """Record one line; returns the fraction of audio decoded when it advanced."""
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            return None  # stray library output; the protocol lines are JSON
        event = message.get("event")
        if event == "info":
            self.language = message.get("language")
            self.duration = message.get("duration")
        elif event == "segment":
            segment = Segment(float(message["start"]), float(message["end"]),
                              str(message.get("text", "")))
            self.segments.append(segment)
            if self.duration:
                return min(1.0, segment.end / self.duration)
        elif event == "error":
            self.error_kind = message.get("kind")
            self.error = str(message.get("message", "unknown error"))
        elif event == "done":
            self.done = True
        return None


class LocalBackend:
    """Transcribes a WAV with faster-whisper in the worker's :class:`ModelHost` child."""

    name = BACKEND_NAME

    def __init__(self, settings: WhisperSettings, download_root: Path, host: ModelHost) -> None:
        self._settings = settings
        self._download_root = download_root
        self._host = host

    def request_for(self, wav: Path, language: str | None) -> dict[str, Any]:
        s = self._settings
        return {
            "model": resolve_model(s.whisper_model), "model_label": s.whisper_model,
            "device": s.whisper_device, "compute_type": s.whisper_compute_type,
            "cpu_threads": s.whisper_cpu_threads, "beam_size": s.whisper_beam_size,
            "vad_filter": s.whisper_vad_filter, "download_root": str(self._download_root),
            "audio_path": str(wav), "language": language,
        }

    def transcribe(self, wav: Path, language: str | None, should_stop: ShouldStop,
                   on_fraction: Callable[[float], None]) -> Transcript:
        """The SRT of ``wav``; raises a :class:`TranscriptionError` or ``JobStopped``."""
        report = ChildReport()

        def on_line(line: str) -> None:
            fraction = report.feed(line)
            if fraction is not None:
                on_fraction(fraction)

        self._host.run(self.request_for(wav, language), on_line, should_stop)
        if report.error:
            error_type = ModelError if report.error_kind == "model" else TranscriptionError
            raise error_type(report.error)
        srt_text = build_srt(report.segments)
        if not srt_text:
            raise NoSpeechError("no speech was recognised in the audio")
        return Transcript(language=report.language or language, srt_text=srt_text)
