"""Segments into SRT text, and where the subtitle goes (pure except the atomic write)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

UNKNOWN_LANGUAGE = "und"


@dataclass(frozen=True)
class Segment:
    """One recognised stretch of speech (times in seconds)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """A finished transcription: the language spoken and the SRT text."""

    language: str | None
    srt_text: str


def format_timestamp(seconds: float) -> str:
    """``HH:MM:SS,mmm`` as SRT wants it."""
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def build_srt(segments: Iterable[Segment]) -> str:
    """Numbered SRT cues; empty segments are skipped, zero-length ones get 1 ms."""
    blocks = []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        end = max(segment.end, segment.start + 0.001)
        number = len(blocks) + 1
        blocks.append(f"{number}\n{format_timestamp(segment.start)} --> "
                      f"{format_timestamp(end)}\n{text}\n")
    return "\n".join(blocks)


def subtitle_path_for(media_path: str | Path, language: str | None) -> Path:
    """``/dir/Name.mkv`` → ``/dir/Name.<lang>.srt`` (``und`` when unknown)."""
    media = Path(media_path)
    return media.with_name(f"{media.stem}.{language or UNKNOWN_LANGUAGE}.srt")


