"""Standalone mode: watched folders for media that no Sonarr/Radarr manages.

A watchdog observer reports file events; a file counts as arrived once its
size stayed the same for ``standalone_debounce_seconds`` (copies in progress
grow).  Release names are read with guessit, anime absolute numbering
included.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable


from sublarr.events.bus import EventBus
from sublarr.library.media import MediaFile, is_video, quick_guess, release_name
from sublarr.library.sources import walk_videos

log = logging.getLogger(__name__)

SinkLookup = Callable[[], Any]


def parse_release(path: str, root: str | None = None) -> MediaFile:
    """A media file described by guessit (folder names help: ``Show/Season 2/...``)."""
    name = os.path.relpath(path, root) if root else release_name(path)
    from guessit import guessit  # its rule tables load on the first file, not at start

    try:
        found = dict(guessit(name))
    except Exception:  # guessit on exotic names: fall back to the quick reading
        log.debug("guessit failed on %r", name, exc_info=True)
        found = {}
    quick = quick_guess(path)
    kind = found.get("type")
    media_type = "episode" if kind == "episode" else "movie" if kind == "movie" else quick.media_type
    title = found.get("title")
    return MediaFile(
        path=path, media_type=media_type,
        title=str(title) if title else quick.title, source="standalone",
        year=_first_int(found.get("year")), season=_first_int(found.get("season")),
        episode=_first_int(found.get("episode")))


def _first_int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class _Pending:
    root: str
    size: int
    changed_at: float


class _Handler:
    """Receives watchdog's events for one watched root (watchdog calls ``dispatch``)."""

    def __init__(self, root: str, note: Callable[[str, str], None],
                 forget: Callable[[str], None]) -> None:
        self._root = root
        self._note = note
        self._forget = forget

    def dispatch(self, event: Any) -> None:
        if event.is_directory:
            return
        kind = event.event_type
        if kind in ("created", "modified", "closed"):
            self._note(self._root, os.fsdecode(event.src_path))
        elif kind == "moved":
            self._note(self._root, os.fsdecode(event.dest_path))
        elif kind == "deleted":
            self._forget(os.fsdecode(event.src_path))


class StandaloneWatcher:
    """Watches the configured folders; reconfigure() swaps them without a restart."""

    def __init__(self, bus: EventBus, sink: SinkLookup,
                 folders: Callable[[], list[str]], debounce: Callable[[], float]) -> None:
        self._bus = bus
        self._sink = sink
        self._folders = folders
        self._debounce = debounce
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._known: set[str] = set()
        self._observer: Any = None
        self._watched: list[str] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._settler: threading.Thread | None = None

    @property
    def watched(self) -> list[str]:
        return list(self._watched)

    def start(self) -> None:
        self._settler = threading.Thread(target=self._settle_loop, name="standalone-settle",
                                         daemon=True)
        self._settler.start()
        self.reconfigure()

    def reconfigure(self) -> None:
        """Watch the folders the settings name now, then scan them."""
        with self._lock:
            self._stop_observer()
            self._watched = []
            folders = [f for f in self._folders() if f]
            watched = [os.path.abspath(f) for f in folders if os.path.isdir(f)]
            for missing in sorted(set(os.path.abspath(f) for f in folders) - set(watched)):
                log.warning("standalone folder %s does not exist; not watched", missing)
            if watched and not self._stop.is_set():
                from watchdog.observers import Observer  # loaded once a folder is watched

                self._observer = Observer()
                for root in watched:
                    self._observer.schedule(_Handler(root, self._note, self._forget), root,
                                           recursive=True)
                self._observer.daemon = True
                self._observer.start()
                self._watched = watched  # only once events can arrive
        if folders:
            self.scan()

    def scan(self) -> dict[str, Any]:
        """Walk every watched folder and count what is new to this process.

        Files found by a walk are not handed to the wanted pipeline one by one:
        the wanted scanner lists the same folders and reconciles them in bulk.
        """
        started = time.perf_counter()
        roots = self.watched
        found: list[tuple[str, str]] = [(root, path) for root in roots
                                        for path in walk_videos(root)]
        with self._lock:
            new = [path for _root, path in found if path not in self._known]
            self._known.update(path for _root, path in found)
        payload = {"folders": roots, "files_found": len(found), "new_files": len(new),
                   "duration_ms": int((time.perf_counter() - started) * 1000)}
        self._bus.emit("standalone_scan_complete", payload)
        return payload

    def _note(self, root: str, path: str) -> None:
        if not is_video(path):
            return
        try:
            size = os.stat(path).st_size
        except OSError:
            return
        with self._lock:
            pending = self._pending.get(path)
            if pending is None or pending.size != size:
                self._pending[path] = _Pending(root, size, time.monotonic())
        self._wake.set()

    def _forget(self, path: str) -> None:
        """A deleted file counts as new again if it comes back."""
        with self._lock:
            self._known.discard(path)
            self._pending.pop(path, None)

    def _settle_loop(self) -> None:
        while not self._stop.is_set():
            interval = max(0.02, min(1.0, self._debounce() / 4))
            self._wake.wait(interval)
            self._wake.clear()
            for root, path in self._settled():
                self._detected(root, path)

    def _settled(self) -> list[tuple[str, str]]:
        """Pending files whose size did not change for the debounce time."""
        now = time.monotonic()
        quiet = self._debounce()
        ready: list[tuple[str, str]] = []
        with self._lock:
            for path, pending in list(self._pending.items()):
                try:
                    size = os.stat(path).st_size
                except OSError:
                    del self._pending[path]  # deleted or moved away before it settled
                    continue
                if size != pending.size:
                    pending.size, pending.changed_at = size, now
                elif now - pending.changed_at >= quiet:
                    del self._pending[path]
                    if path not in self._known:
                        self._known.add(path)
                        ready.append((pending.root, path))
        return ready

    def _detected(self, root: str, path: str) -> None:
        media = parse_release(path, root)
        self._bus.emit("standalone_file_detected", {
            "media_path": media.path, "title": media.title, "season": media.season,
            "episode": media.episode, "media_type": media.media_type})
        self._hand_over([media])

    def _hand_over(self, files: list[MediaFile]) -> None:
        sink = self._sink()
        if sink is None:
            return
        try:
            sink.add_media(files)
        except Exception:
            log.exception("standalone: could not queue %d file(s) for the wanted list",
                          len(files))

    def _stop_observer(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
            self._observer = None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            self._stop_observer()
        if self._settler is not None:
            self._settler.join(timeout=10)
