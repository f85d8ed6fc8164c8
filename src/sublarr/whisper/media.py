"""What is in a media file (ffprobe) and its audio as 16 kHz mono WAV (ffmpeg)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from sublarr.helper_env import media_tool_environment
from sublarr.whisper.errors import (
    JobStopped,
    MediaNotFoundError,
    NoAudioTrackError,
    ToolMissingError,
    UnreadableMediaError,
)
from sublarr.whisper.process import ShouldStop, run_streaming

PROBE_TIMEOUT_SECONDS = 120
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class MediaInfo:
    """The facts a transcription needs: length and how many audio streams."""

    duration: float | None
    audio_streams: int


def parse_probe(output: str) -> MediaInfo:
    """ffprobe's JSON into :class:`MediaInfo` (pure)."""
    data = json.loads(output or "{}")
    streams = data.get("streams") or []
    audio = sum(1 for s in streams if s.get("codec_type") == "audio")
    raw_duration = (data.get("format") or {}).get("duration")
    try:
        duration = float(raw_duration) if raw_duration not in (None, "N/A") else None
    except ValueError:
        duration = None
    if not streams and duration is None:
        raise UnreadableMediaError("ffprobe found no streams: not a media file")
    return MediaInfo(duration=duration, audio_streams=audio)


def probe(ffprobe: str, media: Path, should_stop: ShouldStop) -> MediaInfo:
    """Read ``media``'s streams; typed errors for a missing, unreadable or non-media file.

    Stoppable like every other step: a probe hanging on a dead network share
    must not delay a cancel.
    """
    if not media.is_file():
        raise MediaNotFoundError(f"media file not found: {media}")
    argv = [ffprobe, "-v", "error", "-print_format", "json",
            "-show_entries", "stream=index,codec_type:format=duration", str(media)]
    deadline = time.monotonic() + PROBE_TIMEOUT_SECONDS
    out: list[str] = []
    try:
        done = run_streaming(argv, out.append,
                             lambda: should_stop() or time.monotonic() > deadline,
                             env=media_tool_environment(os.environ))
    except FileNotFoundError as exc:
        raise ToolMissingError(f"ffprobe not found ({ffprobe!r}); install ffmpeg "
                               "or set SUBLARR_WHISPER_FFPROBE_PATH") from exc
    except JobStopped:
        if should_stop():
            raise
        raise UnreadableMediaError(f"ffprobe gave no answer within "
                                   f"{PROBE_TIMEOUT_SECONDS}s for {media.name}") from None
    if done.returncode != 0:
        reason = _last_line(done.stderr_tail) or "unknown error"
        raise UnreadableMediaError(f"cannot read {media.name} as media: {reason}")
    try:
        return parse_probe("\n".join(out))
    except ValueError as exc:
        raise UnreadableMediaError(f"cannot read {media.name} as media: {exc}") from exc


def check_audio_track(info: MediaInfo, track: int, media: Path) -> None:
    """Raise :class:`NoAudioTrackError` unless audio stream ``track`` exists."""
    if info.audio_streams == 0:
        raise NoAudioTrackError(f"{media.name} has no audio track to transcribe")
    if track >= info.audio_streams:
        raise NoAudioTrackError(
            f"audio track {track} does not exist in {media.name} "
            f"(it has {info.audio_streams}; tracks count from 0)")


def extraction_command(ffmpeg: str, media: Path, track: int, wav: Path) -> list[str]:
    """ffmpeg arguments: one audio stream → 16 kHz mono 16-bit WAV, progress on stdout."""
    return [ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-i", str(media),
            "-map", f"0:a:{track}", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "pcm_s16le", "-f", "wav", "-progress", "pipe:1", "-nostats", "-y", str(wav)]


def progress_seconds(line: str) -> float | None:
    """Seconds of output written, from one ``-progress`` line (``None`` for other keys)."""
    key, _, value = line.partition("=")
    if key not in ("out_time_us", "out_time_ms"):  # both are microseconds
        return None
    try:
        return max(0.0, int(value) / 1_000_000)
    except ValueError:
        return None


def extract_audio(ffmpeg: str, media: Path, track: int, wav: Path, duration: float | None,
                  should_stop: ShouldStop, on_fraction: Callable[[float], None]) -> None:
    """Write the chosen audio track of ``media`` to ``wav``; stoppable at any time."""

    def on_line(line: str) -> None:
        done = progress_seconds(line)
        if done is not None and duration:
            on_fraction(min(1.0, done / duration))

    argv: Sequence[str] = extraction_command(ffmpeg, media, track, wav)
    try:
        finished = run_streaming(argv, on_line, should_stop,
                                 env=media_tool_environment(os.environ))
    except FileNotFoundError as exc:
        raise ToolMissingError(f"ffmpeg not found ({ffmpeg!r}); install ffmpeg "
                               "or set SUBLARR_WHISPER_FFMPEG_PATH") from exc
    if finished.returncode != 0:
        reason = _last_line(finished.stderr_tail) or f"exit code {finished.returncode}"
        raise UnreadableMediaError(f"ffmpeg could not extract audio from {media.name}: {reason}")
    if not wav.is_file() or wav.stat().st_size <= 44:  # a bare WAV header holds no samples
        raise UnreadableMediaError(f"the audio track of {media.name} holds no samples")


def _last_line(text: str) -> str:
    """ffmpeg's verdict comes last, after warnings about individual packets."""
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()[:300]
    return ""
