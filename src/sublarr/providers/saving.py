"""Where a subtitle goes next to its media, and writing it atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SAVED_FORMATS = ("ass", "ssa", "srt", "vtt")


def subtitle_path_for(media_path: str | Path, language: str, fmt: str, *,
                      hearing_impaired: bool = False, forced: bool = False) -> Path:
    """``Name.<lang>[.hi][.forced].<ext>`` beside ``Name.mkv`` (what Plex/Jellyfin/Bazarr use)."""
    media = Path(media_path)
    tags = [language]
    if hearing_impaired:
        tags.append("hi")
    if forced:
        tags.append("forced")
    return media.with_name(f"{media.stem}.{'.'.join(tags)}.{fmt}")


def sibling_candidates(media_path: str | Path, language: str, *, hearing_impaired: bool = False,
                       forced: bool = False) -> list[Path]:
    """Every path a subtitle for this media/language/flags may already have (any format)."""
    return [subtitle_path_for(media_path, language, fmt, hearing_impaired=hearing_impaired,
                              forced=forced) for fmt in SAVED_FORMATS]


def existing_subtitles(media_path: str | Path, language: str, *, hearing_impaired: bool = False,
                       forced: bool = False) -> list[Path]:
    return [p for p in sibling_candidates(media_path, language, hearing_impaired=hearing_impaired,
                                          forced=forced) if p.is_file()]


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory and ``os.replace`` (never a half file)."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
