"""Which subtitle languages a media file already has: files beside it, tracks inside it."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from sqlalchemy.exc import SQLAlchemyError

from sublarr.helper_env import media_tool_environment
from sublarr.library.languages import to_iso639_1
from sublarr.wanted.mediainfo import MediaInfoReader
from sublarr.wanted.probe_cache import NOTHING, TIMED_OUT, FileStamp, ProbeCache, ProbeResult

log = logging.getLogger(__name__)

SUBTITLE_EXTENSIONS = frozenset({".srt", ".ass", ".ssa", ".vtt", ".sub", ".sup", ".idx",
                                 ".smi", ".ttml"})
MAX_TAGS = 4  # "Name.en.hi.forced.default.srt" is as far as naming schemes go
PROBE_TIMEOUT_SECONDS = 30  # default of wanted_probe_timeout_seconds
DEFAULT_WORKERS = 2
MAX_WORKERS = 8
STORE_EVERY = 100  # probe results written to the cache per transaction
# Only the subtitle streams' language tag and forced flag.
PROBE_ENTRIES = "stream=index,codec_type:stream_tags=language:stream_disposition=forced"


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
    """Subtitle tracks inside media files, several files at once.

    Every file is read in-process by MediaInfo (:mod:`sublarr.wanted.mediainfo`);
    files it cannot make sense of (corrupt, truncated, a container it does not
    look inside) or does not answer for within ``timeout()`` seconds, and every
    file when the library cannot be loaded or is set aside (reads stuck), go to
    ffprobe, which gets as long.  Misses run on a small pool of threads
    (at most ``workers()`` at a time); results are kept in ``cache`` (when
    given) by path, size and mtime, so a file is probed once until it changes.
    A probe that fails (corrupt file, timeout, ffprobe missing) answers
    "nothing embedded" (``TIMED_OUT`` when the file did not answer in time: MediaInfo
    gave up and ffprobe timed out too or is missing); each cause is logged once at
    warning level, repeats at debug.  Never an error.
    """

    def __init__(self, executable: str | None = None,
                 workers: Callable[[], int] | int = DEFAULT_WORKERS,
                 cache: ProbeCache | None = None,
                 mediainfo_library: str | None = None,
                 timeout: Callable[[], float] | float = PROBE_TIMEOUT_SECONDS) -> None:
        self.executable = executable if executable is not None else shutil.which("ffprobe")
        self._workers = workers if callable(workers) else (lambda: workers)
        self._timeout = timeout if callable(timeout) else (lambda: timeout)
        self._cache = cache
        self._mediainfo = MediaInfoReader(mediainfo_library, self._timeout,
                                          answering=MAX_WORKERS)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._causes_logged: set[str] = set()
        # What this probe did (progress, benchmarks): files examined, ffprobe children started.
        self.files_probed = 0
        self.ffprobe_runs = 0

    @property
    def available(self) -> bool:
        return not self._stopping.is_set()

    def stop(self) -> None:
        """Start no more probes (shutdown); running ffprobe children finish or time out,
        MediaInfo reads are no longer waited for."""
        self._stopping.set()
        self._mediainfo.stop()

    def languages(self, path: str) -> frozenset[str]:
        """Languages of the full (not forced-only) subtitle tracks inside ``path``."""
        return self.probe_many([path]).get(path, NOTHING).languages

    def probe_many(self, paths: Iterable[str]) -> dict[str, ProbeResult]:
        """Tracks of each file in ``paths`` that exists and is not empty; kept results
        are not probed again, the others are probed concurrently and kept."""
        if not self.available:
            return {}
        stamps: dict[str, FileStamp] = {}
        for path in dict.fromkeys(paths):
            stamp = FileStamp.of(path)
            if stamp is not None and stamp.size > 0:  # empty: a placeholder, nothing to probe
                stamps[path] = stamp
        if not stamps:
            return {}
        found = self._kept(stamps)
        misses = [path for path in stamps if path not in found]
        if misses:
            found.update(self._probe_misses(misses, stamps))
        return found

    def forget_vanished(self, listings: Mapping[str, Iterable[str]]) -> None:
        """Drop kept results of files no longer in these (just listed) directories."""
        if self._cache is not None and listings:
            try:
                self._cache.forget_vanished(listings)
            except SQLAlchemyError as exc:
                self._failed("cache", "the probe cache", str(exc))

    def _kept(self, stamps: dict[str, FileStamp]) -> dict[str, ProbeResult]:
        if self._cache is None:
            return {}
        try:
            return self._cache.lookup(stamps)
        except SQLAlchemyError as exc:
            self._failed("cache", "the probe cache", str(exc))
            return {}

    def _probe_misses(self, misses: list[str],
                      stamps: dict[str, FileStamp]) -> dict[str, ProbeResult]:
        workers = max(1, min(MAX_WORKERS, int(self._workers()), len(misses)))
        found: dict[str, ProbeResult] = {}
        to_keep: dict[str, tuple[FileStamp, ProbeResult]] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embedded-probe") as pool:
            for path, (result, keep) in zip(misses, pool.map(self._run, misses), strict=True):
                found[path] = result
                if keep:
                    to_keep[path] = (stamps[path], result)
                if len(to_keep) >= STORE_EVERY:
                    self._keep(to_keep)
                    to_keep = {}
        self._keep(to_keep)
        return found

    def _keep(self, results: dict[str, tuple[FileStamp, ProbeResult]]) -> None:
        if self._cache is None or not results:
            return
        try:
            self._cache.store(results)
        except SQLAlchemyError as exc:
            self._failed("cache", "the probe cache", str(exc))

    def _run(self, path: str) -> tuple[ProbeResult, bool]:
        """One file: (tracks, whether the answer may be kept)."""
        if self._stopping.is_set():
            return NOTHING, False
        with self._lock:
            self.files_probed += 1
        tracks = self._mediainfo.read(path)
        if tracks is not None and not tracks.timed_out:
            return tracks, True
        if self._mediainfo.unavailable:
            self._failed("mediainfo", "MediaInfo", f"{self._mediainfo.unavailable}; "
                         "reading with ffprobe", counted=False)
        if self._stopping.is_set():
            return NOTHING, False
        if not self.executable:  # not kept: an ffprobe installed later will answer
            return (NOTHING if tracks is None else TIMED_OUT), False  # MediaInfo gave up
        return self._ffprobe(path)

    def _ffprobe(self, path: str) -> tuple[ProbeResult, bool]:
        argv = [self.executable or "ffprobe", "-v", "error", "-select_streams", "s",
                "-show_entries", PROBE_ENTRIES, "-of", "json", "file:" + path]
        limit = float(self._timeout())
        with self._lock:
            self.ffprobe_runs += 1
        try:
            done = subprocess.run(argv, capture_output=True, timeout=limit,
                                  check=False, env=media_tool_environment(os.environ))
        except subprocess.TimeoutExpired:
            self._failed("timeout", path, f"ffprobe gave no answer within {limit:g} s")
            return TIMED_OUT, False  # maybe a slow share: try again next scan
        except OSError as exc:
            self._failed("start", path, f"cannot run {self.executable}: {exc}")
            return NOTHING, False
        if done.returncode != 0:
            # Corrupt or not media: kept, so an unchanged bad file is not probed every scan.
            self._failed("unreadable", path, _last_line(done.stderr) or
                         f"exit status {done.returncode}")
            return NOTHING, True
        return parse_ffprobe_tracks(done.stdout), True

    def _failed(self, cause: str, subject: str, detail: str, counted: bool = True) -> None:
        with self._lock:
            first = cause not in self._causes_logged
            self._causes_logged.add(cause)
        if first:
            log.warning("embedded subtitle probe: %s: %s (%sfurther failures of this kind "
                        "are logged at debug level)", subject, detail,
                        "counted as no embedded subtitles; " if counted else "")
        else:
            log.debug("embedded subtitle probe: %s: %s", subject, detail)


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")[:300]


def parse_ffprobe_tracks(output: bytes) -> ProbeResult:
    """ffprobe's JSON (subtitle streams) into full and forced-only track languages (pure)."""
    try:
        streams = json.loads(output or b"{}").get("streams", [])
    except (ValueError, AttributeError):
        return NOTHING
    full: set[str] = set()
    forced: set[str] = set()
    for stream in streams if isinstance(streams, list) else []:
        if not isinstance(stream, dict) or stream.get("codec_type", "subtitle") != "subtitle":
            continue
        tags = stream.get("tags")
        code = to_iso639_1(tags.get("language", "")) if isinstance(tags, dict) else None
        if not code:
            continue
        disposition = stream.get("disposition")
        is_forced = isinstance(disposition, dict) and disposition.get("forced") == 1
        (forced if is_forced else full).add(code)
    return ProbeResult(frozenset(full), frozenset(forced))
