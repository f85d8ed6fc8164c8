"""Subtitle tracks of a media file read in-process by MediaInfo (pymediainfo).

pymediainfo's wheels bundle libmediainfo; both are imported and loaded on the
first probe, so an idle process maps neither.  MediaInfo reads the container
headers (Matroska, MP4, AVI, MPEG-TS, …) in a few milliseconds without a child
process, and ctypes releases the GIL while it works, so a pool of threads reads
several files at once.  An answer is used only when it looks complete: a
recognised container, at least one stream, not flagged truncated; anything else
(and a library that cannot be loaded) is left to the caller's ffprobe.
"""

from __future__ import annotations

import json
import threading
from typing import Callable

from sublarr.library.languages import to_iso639_1
from sublarr.wanted.probe_cache import ProbeResult

# Container headers only (ParseSpeed 0); raw values ("ja", "Yes") as JSON.
PARSE_OPTIONS = {"parse_speed": 0, "full": False, "output": "JSON"}


class MediaInfoReader:
    """Loads pymediainfo on first use; :meth:`read` answers or returns None."""

    def __init__(self, library_file: str | None = None) -> None:
        self._library_file = library_file  # None: the bundled library, else the system's
        self._lock = threading.Lock()
        self._parse: Callable[[str], str] | None = None
        self.unavailable: str | None = None  # why the library cannot be used, once known

    def _loaded(self) -> Callable[[str], str] | None:
        with self._lock:
            if self._parse is None and self.unavailable is None:
                try:
                    from pymediainfo import MediaInfo
                    if not MediaInfo.can_parse(self._library_file):
                        raise OSError(f"libmediainfo cannot be loaded "
                                      f"({self._library_file or 'bundled or system library'})")
                except (ImportError, OSError) as exc:
                    self.unavailable = f"pymediainfo unavailable: {exc}"
                else:
                    library = self._library_file
                    self._parse = lambda path: MediaInfo.parse(
                        path, library_file=library, **PARSE_OPTIONS)
            return self._parse

    def read(self, path: str) -> ProbeResult | None:
        """Full and forced-only subtitle languages of ``path``, or None when MediaInfo is
        unavailable, cannot open the file, or gives an answer not to be trusted."""
        parse = self._loaded()
        if parse is None:
            return None
        try:
            output = parse(path)
        except (OSError, RuntimeError, ValueError):
            return None  # unreadable or vanished: ffprobe decides and reports
        return tracks_of(output)


def tracks_of(output: str) -> ProbeResult | None:
    """MediaInfo's JSON into full and forced-only track languages, or None when it does
    not describe a parsed container (pure)."""
    try:
        tracks = json.loads(output or "{}").get("media", {}).get("track", [])
    except (ValueError, AttributeError):
        return None
    if not isinstance(tracks, list):
        return None
    general = next((t for t in tracks if isinstance(t, dict) and t.get("@type") == "General"),
                   None)
    streams = [t for t in tracks if isinstance(t, dict) and t.get("@type") != "General"]
    if general is None or not general.get("Format") or not streams:
        return None  # not recognised, or a container MediaInfo does not look inside
    extra = general.get("extra")
    if isinstance(extra, dict) and extra.get("IsTruncated") == "Yes":
        return None
    full: set[str] = set()
    forced: set[str] = set()
    for track in streams:
        if track.get("@type") != "Text":
            continue
        code = to_iso639_1(str(track.get("Language") or ""))
        if not code:
            continue
        # "Yes / No": MP4 timed text flags forced in two places; either counts.
        is_forced = "Yes" in str(track.get("Forced") or "").split(" / ")
        (forced if is_forced else full).add(code)
    return ProbeResult(frozenset(full), frozenset(forced))
