"""What the library knows about one media file, and how remote paths become local."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Literal, Protocol

MediaType = Literal["episode", "movie"]
Source = Literal["sonarr", "radarr", "jellyfin", "standalone"]

VIDEO_EXTENSIONS = frozenset({
    ".mkv", ".mp4", ".m4v", ".avi", ".mov", ".wmv", ".ts", ".m2ts", ".webm", ".flv",
    ".mpg", ".mpeg", ".ogm", ".divx", ".vob",
})


@dataclass(frozen=True)
class MediaFile:
    """One video file, with the local path Sublarr can open."""

    path: str
    media_type: MediaType
    title: str
    source: Source
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    # Languages of subtitle tracks inside the file when the source knows them
    # (Sonarr/Radarr mediaInfo); None means "unknown, probe if you can".
    embedded_languages: frozenset[str] | None = field(default=None, compare=False)
    # Sonarr/Radarr tag labels of the series/movie (language profiles may map them).
    tags: frozenset[str] = field(default=frozenset(), compare=False)


class MediaSink(Protocol):
    """Receives media files that just arrived (webhook, watched folder)."""

    def add_media(self, files: list[MediaFile]) -> None: ...


def is_video(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in VIDEO_EXTENSIONS


def _normalise(path: str) -> str:
    return path.replace("\\", "/").rstrip("/")


def map_path(path: str, mappings: Iterable[tuple[str, str]]) -> str:
    """``path`` with the longest matching remote prefix replaced by its local one.

    Prefixes match whole path components only (``/tv`` maps ``/tv/x`` but not
    ``/tvshows/x``); Windows paths from a Windows Sonarr come out with ``/``.
    """
    best: tuple[str, str] | None = None
    clean = _normalise(path)
    for remote, local in mappings:
        prefix = _normalise(remote)
        if clean == prefix or clean.startswith(prefix + "/") or (prefix == "" and clean):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, local)
    if best is None:
        return path
    rest = clean[len(best[0]):].lstrip("/")
    local = _normalise(best[1]) or "/"
    return local if not rest else f"{local.rstrip('/')}/{rest}"


def release_name(path: str) -> str:
    """The file name of a local or Windows-style path."""
    separator = "\\" if "\\" in path and "/" not in path else "/"
    return path.rstrip(separator).rsplit(separator, 1)[-1]


_SXXEYY = re.compile(r"[Ss](\d{1,3})[ ._-]?[Ee](\d{1,4})")
_NXNN = re.compile(r"(?<![\d])(\d{1,2})x(\d{2,3})(?![\d])")
_ABSOLUTE = re.compile(r"(?:^|[ _.])-[ _.]*(\d{1,4})(?:v\d)?(?=[ _.\[(]|$)")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_GROUP = re.compile(r"^\s*\[[^\]]*\]\s*")
_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")


@dataclass(frozen=True)
class QuickGuess:
    title: str
    media_type: MediaType
    season: int | None
    episode: int | None
    year: int | None


def quick_guess(path: str) -> QuickGuess:
    """A fast, rough reading of a release name (the scanner's; guessit is ~100x slower).

    Good enough to label wanted rows; the watched-folder detector uses guessit.
    """
    name = release_name(path)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _GROUP.sub("", stem)
    match = _SXXEYY.search(stem) or _NXNN.search(stem)
    if match:
        title = _clean_title(stem[:match.start()])
        return QuickGuess(title or stem, "episode", int(match.group(1)), int(match.group(2)),
                          None)
    absolute = _ABSOLUTE.search(stem)
    if absolute:
        title = _clean_title(stem[:absolute.start()])
        return QuickGuess(title or stem, "episode", None, int(absolute.group(1)), None)
    year = _YEAR.search(stem)
    if year and year.start() > 0:
        return QuickGuess(_clean_title(stem[:year.start()]) or stem, "movie", None, None,
                          int(year.group(1)))
    return QuickGuess(_clean_title(_BRACKETS.sub(" ", stem)) or stem, "movie", None, None, None)


def _clean_title(text: str) -> str:
    return re.sub(r"[\s._]+", " ", text).strip(" -([")
