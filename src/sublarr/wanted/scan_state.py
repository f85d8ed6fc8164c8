"""What a running wanted scan has done so far: progress, files seen, files not found.

A scan goes through the library a part at a time (one Sonarr series, Radarr's
movies, the watched folders); this holds what must outlive one part: the
paths already decided (as hashes, so a 100,000-file library costs a few MB),
the counters a user watches, the files Sonarr/Radarr list that are not
on this machine, and the files whose probe timed out (not answering).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

from sublarr.library.sources import Listings

MISSING_EXAMPLES = 5  # example paths of each warning
MISSING_HINT = ("Sonarr/Radarr list these files but they do not exist here: check "
                "path_mappings (their path → this machine's path) and that the share is "
                "mounted. No wanted rows are added for them; existing rows are kept.")
NOT_ANSWERING_HINT = ("Reading these files took longer than wanted_probe_timeout_seconds "
                      "({limit:g} s): a network share that stopped answering? They count as "
                      "having no embedded subtitles and are probed again next scan.")


class ScanState:
    """Counters and the set of decided paths of one scan (thread-safe snapshot)."""

    def __init__(self, on_change: Callable[[dict[str, Any]], None] | None = None,
                 probe_timeout: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._on_change = on_change
        self._probe_timeout = probe_timeout  # seconds, for the not-answering hint
        self._started = time.monotonic()
        self.seen: set[int] = set()  # hash(path) of every file a listing gave this scan
        self.series_total = 0
        self.series_done = 0
        self.files_checked = 0
        self.files_probed = 0
        self.added = 0
        self.removed = 0
        self.missing = 0
        self.missing_examples: list[str] = []
        self.not_answering: set[int] = set()  # hash(path) of files whose probe timed out
        self.not_answering_examples: list[str] = []
        self.phase = "listing"

    def first_time(self, path: str) -> bool:
        """Whether ``path`` was not given by a listing before in this scan."""
        key = hash(path)
        if key in self.seen:
            return False
        self.seen.add(key)
        with self._lock:
            self.files_checked += 1
        return True

    def was_listed(self, path: str) -> bool:
        return hash(path) in self.seen

    def not_found(self, path: str) -> None:
        with self._lock:
            self.missing += 1
            if len(self.missing_examples) < MISSING_EXAMPLES:
                self.missing_examples.append(path)

    def timed_out(self, path: str) -> None:
        """``path``'s probe gave no answer in time (counted once per scan)."""
        with self._lock:
            if hash(path) in self.not_answering:
                return
            self.not_answering.add(hash(path))
            if len(self.not_answering_examples) < MISSING_EXAMPLES:
                self.not_answering_examples.append(path)

    def probed(self, count: int = 1) -> None:
        with self._lock:
            self.files_probed += count

    def rows(self, added: int, removed: int) -> None:
        with self._lock:
            self.added += added
            self.removed += removed

    def part_done(self, total: int) -> None:
        with self._lock:
            self.series_done += 1
            self.series_total = max(total, self.series_done)
        self.changed()

    def changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            elapsed = time.monotonic() - self._started
            left = self.series_total - self.series_done
            eta = (round(elapsed / self.series_done * left, 1)
                   if self.series_done and self.phase == "listing" else None)
            return {"phase": self.phase, "series_done": self.series_done,
                    "series_total": self.series_total, "files_checked": self.files_checked,
                    "files_probed": self.files_probed, "rows_added": self.added,
                    "rows_removed": self.removed, "files_not_found": self.missing,
                    "elapsed_seconds": round(elapsed, 1), "eta_seconds": eta}

    def warnings(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        with self._lock:
            if self.missing:
                found.append({"kind": "files_not_found", "count": self.missing,
                              "examples": list(self.missing_examples), "hint": MISSING_HINT})
            if self.not_answering:
                found.append({"kind": "files_not_answering", "count": len(self.not_answering),
                              "examples": list(self.not_answering_examples),
                              "hint": NOT_ANSWERING_HINT.format(limit=self._probe_timeout)})
        return found


class ThrottledProgress:
    """Passes a scan's progress on at most every ``every`` seconds; an update held back
    goes out when its window ends, so the state before a pause (a slow series) is seen."""

    def __init__(self, send: Callable[[dict[str, Any]], None], every: float) -> None:
        self._send = send
        self._every = every
        self._lock = threading.Lock()
        self._sent_at = 0.0
        self._pending: dict[str, Any] | None = None
        self._timer: threading.Timer | None = None
        self._closed = False

    def update(self, data: dict[str, Any]) -> None:
        with self._lock:
            if self._closed:
                return
            wait = self._sent_at + self._every - time.monotonic()
            if wait > 0:
                self._pending = data
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._pending = None
            self._sent_at = time.monotonic()
            self._send(data)

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            data, self._pending = self._pending, None
            if self._closed or data is None:
                return
            self._sent_at = time.monotonic()
            self._send(data)

    def close(self, data: dict[str, Any]) -> None:
        """The last message (nothing held back is sent after it)."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._send(data)


class CountingProbe:
    """An embedded-subtitle probe that counts the files it examined (kept answers
    are not counted: those files were not read again) and the ones that timed out."""

    def __init__(self, probe: Any, state: ScanState) -> None:
        self._probe = probe
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._probe, name)

    def probe_many(self, paths: Any) -> Any:
        before = self._probe.files_probed
        try:
            found = self._probe.probe_many(paths)
        finally:
            self._state.probed(self._probe.files_probed - before)
        for path, result in found.items():
            if result.timed_out:
                self._state.timed_out(path)
        return found


class LocalFiles:
    """Whether listed files exist here, listing each directory once (into ``listings``,
    where the subtitle check finds it again)."""

    def __init__(self, listings: Listings) -> None:
        self._listings = listings
        self._names: dict[str, frozenset[str] | None] = {}

    def exists(self, path: str) -> bool:
        directory, name = os.path.split(path)
        names = self._names.get(directory, ())
        if names == ():
            listed = self._listings.get(directory)
            if listed is None:
                try:
                    listed = self._listings[directory] = os.listdir(directory)
                except OSError:
                    listed = None
            names = self._names[directory] = None if listed is None else frozenset(listed)
        return names is not None and name in names
