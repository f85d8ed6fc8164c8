"""Run one claimed job: probe, extract audio, transcribe, write the SRT."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from sublarr.whisper.control import JobControl
from sublarr.whisper.errors import TranscriptionError
from sublarr.whisper.local import LocalBackend, resolve_model
from sublarr.whisper.model_host import ModelHost
from sublarr.whisper.media import check_audio_track, extract_audio, probe
from sublarr.whisper.process import ShouldStop
from sublarr.whisper.remote import RemoteBackend
from sublarr.whisper.settings import WhisperSettings
from sublarr.files import mode_like, write_atomically
from sublarr.library.roots import OutsideLibraryRoots
from sublarr.whisper.srt import Transcript, subtitle_path_for


class Backend(Protocol):
    name: str

    def transcribe(self, wav: Path, language: str | None, should_stop: ShouldStop,
                   on_fraction: Callable[[float], None]) -> Transcript: ...


@dataclass(frozen=True)
class JobSpec:
    """What a worker needs to know about a claimed job."""

    id: int
    media_path: str
    language: str | None
    audio_track: int | None


@dataclass(frozen=True)
class Outcome:
    subtitle_path: str
    language: str | None


def backend_for(settings: WhisperSettings, models_dir: Path, host: ModelHost) -> Backend:
    """The backend the settings choose, checked before any audio is extracted."""
    if settings.whisper_backend == "remote":
        backend: Backend = RemoteBackend(settings)
        if not settings.whisper_remote_url:
            raise TranscriptionError(
                "whisper_backend is 'remote' but whisper_remote_url is empty")
        return backend
    resolve_model(settings.whisper_model)  # a bad model path fails before the long extraction
    return LocalBackend(settings, models_dir, host)


def backend_name(settings: WhisperSettings) -> str:
    return RemoteBackend.name if settings.whisper_backend == "remote" else LocalBackend.name


class JobRunner:
    """Turns one media file into ``Name.<lang>.srt`` beside it, or raises why not."""

    def __init__(self, settings: WhisperSettings, work_dir: Path, models_dir: Path,
                 host: ModelHost, confine: Callable[[str], Path]) -> None:
        self._settings = settings
        self._confine = confine
        self._work_dir = work_dir
        self._models_dir = models_dir
        self._host = host

    def run(self, job: JobSpec, control: JobControl) -> Outcome:
        """Raises :class:`TranscriptionError` (clear message) or ``JobStopped``."""
        s = self._settings
        # Checked again at run time (a link may have changed since the job was queued);
        # the resolved file is what gets read.
        media = self._confined(job.media_path)
        info = probe(s.whisper_ffprobe_path, media, control.should_stop)
        track = s.whisper_audio_track if job.audio_track is None else job.audio_track
        check_audio_track(info, track, media)
        backend = backend_for(s, self._models_dir, self._host)
        control.raise_if_stopped()
        self._work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"job{job.id}-", dir=self._work_dir) as tmp:
            wav = Path(tmp) / "audio.wav"
            control.report("extracting", 0.0)
            extract_audio(s.whisper_ffmpeg_path, media, track, wav, info.duration,
                          control.should_stop, lambda f: control.report("extracting", f))
            control.report("transcribing", 0.0)
            transcript = backend.transcribe(wav, job.language, control.should_stop,
                                            lambda f: control.report("transcribing", f))
        language = transcript.language or job.language
        target = self._confined(str(subtitle_path_for(Path(job.media_path), language)))
        control.raise_if_stopped()  # the last moment a cancel can still prevent the file
        control.report("writing", 1.0)
        try:
            write_atomically(target, transcript.srt_text.encode("utf-8"), mode_like(media))
        except OSError as exc:
            raise TranscriptionError(
                f"cannot write the subtitle {target}: {exc.strerror or exc}") from exc
        return Outcome(subtitle_path=str(subtitle_path_for(Path(job.media_path), language)),
                       language=language)

    def _confined(self, path: str) -> Path:
        try:
            return self._confine(path)
        except OutsideLibraryRoots as exc:
            raise TranscriptionError(str(exc)) from None
