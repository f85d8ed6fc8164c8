"""Where a subtitle goes next to its media, and writing it atomically."""

from __future__ import annotations

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


