"""Where media files come from: Sonarr, Radarr and watched folders, with health."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator

from sublarr.db.base import utcnow
from sublarr.library.arr import ArrConnection, ArrError, RadarrClient, SonarrClient
from sublarr.library.media import MediaFile, is_video, quick_guess
from sublarr.outbound_http import new_session

if TYPE_CHECKING:  # the settings model is only needed for annotations
    import requests

    from sublarr.config import Settings
    from sublarr.library.series_cache import SeriesCache

log = logging.getLogger(__name__)
# A path outside the known roots asks Sonarr/Radarr for their root folders again, at most
# this often (a stream of refused requests must not become a stream of *arr calls).
ROOT_FOLDERS_REFRESH_SECONDS = 30.0

# Directory path → names of its entries; filled while walking so the subtitle
# check does not list the same directory twice.
Listings = dict[str, list[str]]


@dataclass
class SourceListing:
    """Media files of one source, or the error that prevented listing them.

    :meth:`LibrarySources.iter_units` yields a source in parts (``final`` False: one
    Sonarr series, say) and then its end (``final`` True, no files): only then are
    ``error`` and ``complete`` known for the whole source.
    """

    source: str
    files: list[MediaFile] = field(default_factory=list)
    error: ArrError | None = None
    complete: bool = True  # False: rows of this source must not be removed
    final: bool = True
    # Paths this part (a Sonarr series read again) held at its last read and no more
    gone: list[str] = field(default_factory=list)
@dataclass
class SourceState:
    ok: bool | None = None
    checked_at: datetime | None = None
    error: dict[str, Any] | None = None
    files: int = 0


class LibraryHealth:
    """The last outcome per source, for the API (``GET /library/status``) and logs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, SourceState] = {}
        self._warnings: list[dict[str, Any]] = []

    def record(self, listing: SourceListing, files: int | None = None) -> None:
        with self._lock:
            self._states[listing.source] = SourceState(
                ok=listing.error is None, checked_at=utcnow(),
                error=listing.error.as_dict() if listing.error else None,
                files=len(listing.files) if files is None else files)

    def set_warnings(self, warnings: list[dict[str, Any]]) -> None:
        """Library warnings of the last scan (files Sonarr/Radarr list that are not here,
        files whose probe timed out)."""
        with self._lock:
            self._warnings = list(warnings)

    def warnings(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._warnings)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: {"ok": s.ok, "checked_at": s.checked_at.isoformat()
                           if s.checked_at else None, "error": s.error, "files": s.files}
                    for name, s in self._states.items()}


def new_http_session() -> requests.Session:
    """A pooled session for the *arr clients (connections are reused across calls)."""
    from requests.adapters import HTTPAdapter

    session = new_session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "Sublarr"
    return session


def mappings_of(settings: Settings) -> list[tuple[str, str]]:
    return [(m.remote, m.local) for m in settings.path_mappings]


def arr_connections(settings: Settings) -> list[ArrConnection]:
    """The configured *arr instances (unconfigured ones are left out)."""
    found = [
        ArrConnection("sonarr", settings.sonarr_url, settings.sonarr_api_key,
                      settings.arr_timeout_seconds),
        ArrConnection("radarr", settings.radarr_url, settings.radarr_api_key,
                      settings.arr_timeout_seconds),
    ]
    return [c for c in found if c.configured]


class LibrarySources:
    """Lists every configured source; one failing source never hides the others."""

    def __init__(self, settings: Callable[[], Settings], session: requests.Session,
                 health: LibraryHealth, cache: SeriesCache | None = None) -> None:
        self._settings = settings
        self._session = session
        self.health = health
        # Sonarr series as last read: a re-scan asks only for the changed ones.
        self._cache = cache
        self.last_counts: dict[str, int] = {}  # series read / reused by the last scan
        self.planned = 0  # parts the running iter_units announced so far
        # Path → description of watched-folder files, so rescans skip re-reading names.
        self._described: dict[str, MediaFile] = {}
        # Source → (root folder paths as the *arr sees them, monotonic time of the last ask).
        self._root_folders: dict[str, tuple[list[str], float]] = {}
        self._roots_lock = threading.Lock()

    def iter_units(self, listings: Listings) -> Iterator[SourceListing]:
        """Each source in parts (a Sonarr series, Radarr's movies, the watched folders),
        each part followed by nothing else of it until its final listing.  ``planned``
        counts the parts known so far (for progress)."""
        settings = self._settings()
        self.last_counts = {}
        self.planned = 0
        for conn in arr_connections(settings):
            yield from self._arr_units(conn, settings, listings)
        if settings.standalone_folders:
            self.planned += 1
            listing = list_standalone(settings.standalone_folders, listings, self._described)
            self.health.record(listing)
            yield SourceListing("standalone", listing.files, final=False)
            yield SourceListing("standalone", complete=listing.complete)

    def _arr_units(self, conn: ArrConnection, settings: Settings,
                   listings: Listings) -> Iterator[SourceListing]:
        client: SonarrClient | RadarrClient
        count = 0
        try:
            if conn.source == "sonarr":
                client = SonarrClient(conn, self._session)
                series = client.series_listings(mappings_of(settings), self._cache,
                                                lambda kept: all_listed(kept, listings))
                for index, (_series_id, files, gone) in enumerate(series):
                    if index == 0:
                        self.planned += client.series_total
                    count += len(files)
                    yield SourceListing("sonarr", files, final=False, gone=gone)
                self.last_counts = {"series_read": client.series_read,
                                    "series_reused": client.series_reused}
            else:
                client = RadarrClient(conn, self._session)
                files = client.media_files(mappings_of(settings))
                self.planned += 1
                count = len(files)
                yield SourceListing("radarr", files, final=False)
        except ArrError as exc:
            log.warning("library: %s unavailable (%s): %s; wanted rows kept, retried next scan",
                        conn.source, exc.kind, exc.message)
            failed = SourceListing(conn.source, error=exc, complete=False)
            self.health.record(failed)
            yield failed
            return
        self._fetch_root_folders(client)
        done = SourceListing(conn.source)
        self.health.record(done, files=count)
        yield done

    def arr_root_folders(self, refresh: bool = False) -> list[str]:
        """Root folders of the configured Sonarr/Radarr (their paths, before path_mappings).

        Cached; ``refresh`` asks an instance again when its answer is older than
        ``ROOT_FOLDERS_REFRESH_SECONDS`` (or it was never asked).
        """
        connections = arr_connections(self._settings())
        if refresh:
            now = time.monotonic()
            for conn in connections:
                with self._roots_lock:
                    cached = self._root_folders.get(conn.source)
                if cached is None or now - cached[1] > ROOT_FOLDERS_REFRESH_SECONDS:
                    client_type = SonarrClient if conn.source == "sonarr" else RadarrClient
                    self._fetch_root_folders(client_type(conn, self._session))
        with self._roots_lock:
            return [folder for conn in connections
                    for folder in self._root_folders.get(conn.source, ([], 0.0))[0]]

    def _fetch_root_folders(self, client: SonarrClient | RadarrClient) -> None:
        source = client.connection.source
        with self._roots_lock:
            known = self._root_folders.get(source, ([], 0.0))[0]
            self._root_folders[source] = (known, time.monotonic())  # one ask per period
        try:
            folders = client.root_folders()
        except ArrError as exc:
            log.warning("library: cannot read the root folders of %s (%s); keeping %d known",
                        source, exc.message, len(known))
            return
        with self._roots_lock:
            self._root_folders[source] = (folders, time.monotonic())

    def test_connection(self, source: str) -> dict[str, Any]:
        """``system/status`` of one instance (raises :class:`ArrError`)."""
        settings = self._settings()
        conn = next((c for c in arr_connections(settings) if c.source == source), None)
        if conn is None:
            raise ArrError(source, "not_configured", "URL or API key not set")
        client_type = SonarrClient if source == "sonarr" else RadarrClient
        return client_type(conn, self._session).system_status()


def all_listed(files: list[MediaFile], listings: Listings) -> bool:
    """Whether every file is still in its directory (listing each directory once, into
    ``listings``, where the subtitle check finds it again)."""
    names: set[str] | None = None
    last_directory = None
    for media in files:
        directory, name = os.path.split(media.path)
        if directory != last_directory:
            listed = listings.get(directory)
            if listed is None:
                try:
                    listed = os.listdir(directory)
                except OSError:
                    return False
                listings[directory] = listed
            names, last_directory = set(listed), directory
        if names is None or name not in names:
            return False
    return True


def describe_loose_file(path: str) -> MediaFile:
    guess = quick_guess(path)
    return MediaFile(path=path, media_type=guess.media_type, title=guess.title,
                     source="standalone", year=guess.year, season=guess.season,
                     episode=guess.episode)


def list_standalone(folders: list[str], listings: Listings | None = None,
                    described: dict[str, MediaFile] | None = None) -> SourceListing:
    """Video files under the watched folders (a missing folder makes the listing partial)."""
    files: list[MediaFile] = []
    seen: dict[str, MediaFile] = {}
    cache = described if described is not None else {}
    complete = True
    for folder in folders:
        if not os.path.isdir(folder):
            log.warning("standalone folder %s is not a directory (unmounted?)", folder)
            complete = False
            continue
        for path in walk_videos(folder, listings):
            media = cache.get(path) or describe_loose_file(path)
            seen[path] = media
            files.append(media)
    if described is not None:  # forget files that are gone, keep the cache bounded
        described.clear()
        described.update(seen)
    return SourceListing("standalone", files, complete=complete)


def walk_videos(root: str, listings: Listings | None = None) -> Iterator[str]:
    """Paths of video files under ``root`` (depth first, symlinked dirs not followed)."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as entries:
                names: list[str] = []
                for entry in entries:
                    names.append(entry.name)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif is_video(entry.name):
                        yield entry.path
        except OSError as exc:
            log.warning("cannot list %s: %s", directory, exc)
            continue
        if listings is not None:
            listings[directory] = names
