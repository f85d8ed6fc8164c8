"""Which subtitle languages a media file already has: files beside it, tracks inside it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Iterable

from sublarr.helper_env import media_tool_environment
from sublarr.library.languages import to_iso639_1

log = logging.getLogger(__name__)

SUBTITLE_EXTENSIONS = frozenset({".srt", ".ass", ".ssa", ".vtt", ".sub", ".sup", ".idx",
                                 ".smi", ".ttml"})
MAX_TAGS = 4  # "Name.en.hi.forced.default.srt" is as far as naming schemes go
PROBE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class ExternalSubtitle:
    language: str
    forced: bool


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name[:dot], name[dot:].lower()) if dot > 0 else (name, "")


def index_external(names: Iterable[str]) -> dict[str, list[ExternalSubtitle]]:
    """Subtitle files of one directory keyed by the media stem they belong to.

    ``Show.S01E01.en.forced.srt`` is filed under ``Show.S01E01`` (and, since a
    stem may itself contain dots, under every shorter stem the tags allow).
    Files without a recognisable language tag are ignored.
    """
    index: dict[str, list[ExternalSubtitle]] = {}
    for name in names:
        base, ext = _split_ext(name)
        if ext not in SUBTITLE_EXTENSIONS:
            continue
        parts = base.split(".")
        deepest = min(MAX_TAGS, len(parts) - 1)
        tags = [t.lower() for t in parts[len(parts) - deepest:]]
        codes = [to_iso639_1(t) for t in tags]
        for cut in range(1, deepest + 1):
            language = next((c for c in codes[deepest - cut:] if c), None)
            if language is None:
                continue
            forced = "forced" in tags[deepest - cut:]
            index.setdefault(".".join(parts[:-cut]), []).append(ExternalSubtitle(language, forced))
    return index


def external_languages(media_name: str, index: dict[str, list[ExternalSubtitle]]) -> set[str]:
    """Languages with a full (not forced-only) subtitle next to ``media_name``."""
    stem, _ext = _split_ext(media_name)
    return {sub.language for sub in index.get(stem, ()) if not sub.forced}


def forced_languages(media_name: str, index: dict[str, list[ExternalSubtitle]]) -> set[str]:
    """Languages with a forced subtitle next to ``media_name``."""
    stem, _ext = _split_ext(media_name)
    return {sub.language for sub in index.get(stem, ()) if sub.forced}


class EmbeddedProbe:
    """Subtitle track languages inside a file via ffprobe; cached by (size, mtime).

    Without ffprobe on PATH every answer is "nothing embedded" (the check is
    skipped, never an error).
    """

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable if executable is not None else shutil.which("ffprobe")
        self._cache: dict[tuple[str, int, int], frozenset[str]] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return bool(self.executable)

    def languages(self, path: str) -> frozenset[str]:
        if not self.executable:
            return frozenset()
        try:
            stat = os.stat(path)
        except OSError:
            return frozenset()
        if stat.st_size == 0:  # nothing to probe (placeholder or still being created)
            return frozenset()
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = self._run(path)
        with self._lock:
            self._cache[key] = found
        return found

    def _run(self, path: str) -> frozenset[str]:
        argv = [self.executable, "-v", "error", "-select_streams", "s",
                "-show_entries", "stream_tags=language", "-of", "json", "file:" + path]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS,
                                  check=False, env=media_tool_environment(os.environ))
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("ffprobe failed for %s: %s", path, exc)
            return frozenset()
        return parse_ffprobe_languages(done.stdout)


def parse_ffprobe_languages(output: bytes) -> frozenset[str]:
    try:
        streams = json.loads(output or b"{}").get("streams", [])
    except (ValueError, AttributeError):
        return frozenset()
    found = set()
    for stream in streams if isinstance(streams, list) else []:
        tags = stream.get("tags") if isinstance(stream, dict) else None
        code = to_iso639_1(tags.get("language", "")) if isinstance(tags, dict) else None
        if code:
            found.add(code)
    return frozenset(found)
