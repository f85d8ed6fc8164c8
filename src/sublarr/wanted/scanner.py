"""The wanted scanner: reconcile the wanted list with what is on disk.

One row per media file × wanted language that has no subtitle.  Rows are
removed when the subtitle appeared, the language is no longer wanted, or a
source that listed completely no longer has the file; a source that failed
(Sonarr down, folder unmounted) keeps its rows untouched.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable

from sublarr.background import FOREGROUND
from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.library.media import MediaFile
from sublarr.library.sources import LibrarySources, Listings
from sublarr.profiles.book import Profile, ProfileBook, fixed_book
from sublarr.wanted import repo
from sublarr.wanted.scan_state import CountingProbe, LocalFiles, ScanState
from sublarr.wanted.probe_cache import NOTHING, ProbeResult
from sublarr.wanted.schedule import first_search_at
from sublarr.wanted.subtitles import (
    EmbeddedProbe,
    external_languages,
    forced_languages,
    index_external,
)

if TYPE_CHECKING:  # the settings model is only needed for annotations
    from sublarr.config import Settings

log = logging.getLogger(__name__)

YIELD_EVERY = 200  # files checked between two GIL hand-overs to request threads
PART_FILES = 500  # most files reconciled in one write transaction
SWEEP_ROWS = 2000  # rows read per page by the end-of-scan sweep


@dataclass
class ScanReport:
    scanned: int = 0
    added: int = 0
    removed: int = 0
    duration_ms: int = 0
    errors: list[dict] = field(default_factory=list)
    finished_at: datetime | None = None
    # Sonarr series asked for their files (series_read) or kept unchanged (series_reused)
    series: dict[str, int] = field(default_factory=dict)
    files_probed: int = 0
    # Library warnings: files Sonarr/Radarr list that do not exist here, files not answering
    warnings: list[dict] = field(default_factory=list)

    def event_payload(self) -> dict[str, int]:
        return {"scanned": self.scanned, "added": self.added, "removed": self.removed,
                "duration_ms": self.duration_ms}


class PresenceChecker:
    """Languages already covered for media files, listing each directory once.

    Embedded tracks count for files the source has no media info for: they are
    probed with ``probe`` (a group at once through :meth:`prefetch`, else one
    by one when first needed) and remembered for this checker's life.
    """

    def __init__(self, probe: EmbeddedProbe | None, listings: Listings | None = None) -> None:
        self._probe = probe if probe is not None and probe.available else None
        self._listings: Listings = listings if listings is not None else {}
        self._indexes: dict[str, dict] = {}
        self._listed: dict[str, list[str]] = {}  # directories that could be listed
        self._embedded: dict[str, ProbeResult] = {}

    def _index(self, directory: str) -> dict:
        index = self._indexes.get(directory)
        if index is None:
            names = self._listings.get(directory)
            if names is None:
                try:
                    names = os.listdir(directory)
                except OSError:
                    names = None
            if names is not None:
                self._listed[directory] = names
            index = self._indexes[directory] = index_external(names or [])
        return index

    def prefetch(self, files: Iterable[MediaFile], book: ProfileBook) -> None:
        """Probe, concurrently, the files among ``files`` whose embedded tracks the checks
        will need (no media info, a language not beside the file); forget kept probe
        results of files gone from their directories."""
        if self._probe is None:
            return
        need: list[str] = []
        directories: set[str] = set()
        for media in files:
            directory = os.path.dirname(media.path)
            directories.add(directory)
            if media.embedded_languages is None and media.path not in self._embedded \
                    and self._needs_probe(media, book.for_media(media.media_type, media.title,
                                                                media.tags)):
                need.append(media.path)
        # Forget first: a file that appeared after its directory was listed keeps its answer.
        self._probe.forget_vanished({d: self._listed[d] for d in directories
                                     if d in self._listed})
        found = self._probe.probe_many(need)
        for path in need:
            self._embedded[path] = found.get(path, NOTHING)

    def _needs_probe(self, media: MediaFile, profile: Profile) -> bool:
        directory, name = os.path.split(media.path)
        index = self._index(directory)
        full = {p.code for p in profile.languages if not p.forced}
        forced = {p.code for p in profile.languages if p.forced}
        return bool(full - external_languages(name, index)
                    or forced - forced_languages(name, index))

    def _tracks(self, media: MediaFile) -> ProbeResult:
        """Embedded tracks of a file without media info (probed now if not prefetched)."""
        if self._probe is None or media.embedded_languages is not None:
            return NOTHING
        result = self._embedded.get(media.path)
        if result is None:
            result = self._embedded[media.path] = self._probe.probe_many(
                [media.path]).get(media.path, NOTHING)
        return result

    def present(self, media: MediaFile, wanted: Iterable[str]) -> set[str]:
        """Languages with a full subtitle beside the file or a full track inside it."""
        directory, name = os.path.split(media.path)
        found = external_languages(name, self._index(directory))
        missing = set(wanted) - found
        if not missing:
            return found
        if media.embedded_languages is not None:
            return found | set(media.embedded_languages)
        return found | self._tracks(media).languages

    def present_forced(self, media: MediaFile, wanted: Iterable[str] = ()) -> set[str]:
        """Languages with a forced subtitle beside the file (or a forced track inside it
        when one of ``wanted`` is not beside it)."""
        directory, name = os.path.split(media.path)
        found = forced_languages(name, self._index(directory))
        if set(wanted) - found:
            found |= self._tracks(media).forced
        return found

    def satisfied(self, media: MediaFile, profile: Profile) -> set[str]:
        """The profile's languages this file has (forced ones need a forced subtitle)."""
        have = self.present(media, [p.code for p in profile.languages if not p.forced])
        wanted_forced = [p.code for p in profile.languages if p.forced]
        forced = self.present_forced(media, wanted_forced) if wanted_forced else set()
        return {p.code for p in profile.languages
                if (p.code in forced if p.forced else p.code in have)}


def wanted_codes(profile: Profile, have: set[str]) -> list[str]:
    """The profile's languages still missing; none once the cutoff language is there."""
    if profile.cutoff and profile.languages and profile.languages[0].code in have:
        return []
    return [code for code in profile.codes if code not in have]


def missing_pairs(files: Iterable[MediaFile], book: ProfileBook, checker: PresenceChecker,
                  profile_ids: dict[str, int] | None = None) -> dict[tuple[str, str], MediaFile]:
    """(path, language) → file for every language a file's profile wants and it lacks;
    ``profile_ids`` receives the profile each file follows."""
    files = list(files)
    checker.prefetch(files, book)  # embedded-track probes of the whole group, concurrently
    wants: dict[tuple[str, str], MediaFile] = {}
    for count, media in enumerate(files, start=1):
        if count % YIELD_EVERY == 0:
            FOREGROUND.give_way()  # let API requests of this process run first
        profile = book.for_media(media.media_type, media.title, media.tags)
        if profile_ids is not None:
            profile_ids[media.path] = profile.id
        for language in wanted_codes(profile, checker.satisfied(media, profile)):
            wants[(media.path, language)] = media
    return wants


class WantedScanner:
    """Runs scans (one at a time) and adds rows for files that just arrived."""

    def __init__(self, db: Database, settings: Callable[[], Settings],
                 sources: LibrarySources, probe: EmbeddedProbe,
                 profiles: Callable[[], ProfileBook] | None = None) -> None:
        self._db = db
        self._profiles = profiles or (lambda: fixed_book(settings().wanted_languages))
        self._settings = settings
        self._sources = sources
        self._probe = probe
        # One writer reconciles at a time; webhooks and scans share it.
        self._write_lock = threading.Lock()
        self.last_report: ScanReport | None = None
        self.state: ScanState | None = None  # of the running (or last) scan

    def _checker(self, listings: Listings | None = None) -> PresenceChecker:
        probe = self._probe if self._settings().wanted_probe_embedded else None
        return PresenceChecker(probe, listings)

    def scan(self, progress: Callable[[dict], None] | None = None) -> ScanReport:
        """Reconcile the wanted list a part of the library at a time (one Sonarr series,
        Radarr's movies, the watched folders): each part's rows are written in a short
        transaction as soon as it is checked, so rows appear while the scan runs and
        only one part is held in memory.  Rows of files no listing gave are swept at
        the end (removed only when their source listed completely).  ``progress``
        receives :meth:`ScanState.snapshot` after each part."""
        started = time.perf_counter()
        began_at = utcnow()
        settings = self._settings()
        state = ScanState(progress, settings.wanted_probe_timeout_seconds)
        self.state = state
        book = self._profiles()
        probe = CountingProbe(self._probe, state) if settings.wanted_probe_embedded else None
        due = self._first_search_at()
        listings: Listings = {}
        complete: set[str] = set()
        errors: list[dict] = []
        for unit in self._sources.iter_units(listings):
            if unit.final:
                if unit.error is not None:
                    errors.append(unit.error.as_dict())
                elif unit.complete:
                    complete.add(unit.source)
                continue
            for start in range(0, len(unit.files), PART_FILES):
                self._reconcile_listed(unit.files[start:start + PART_FILES], book,
                                       PresenceChecker(probe, listings), listings, state, due)
            gone = [path for path in unit.gone if not state.was_listed(path)]
            if gone:  # files the series had and no more: its listing was complete
                with self._write_lock, self._db.session() as session:
                    state.rows(0, repo.delete_gone(session, gone, unit.source, began_at))
            listings.clear()  # one part's directories at a time
            state.part_done(self._sources.planned)
        state.phase = "sweeping"
        state.changed()
        self._sweep(began_at, complete, book, state)
        state.phase = "done"
        report = ScanReport(
            scanned=state.files_checked, added=state.added, removed=state.removed,
            duration_ms=int((time.perf_counter() - started) * 1000), errors=errors,
            finished_at=utcnow(), series=dict(self._sources.last_counts),
            files_probed=state.files_probed, warnings=state.warnings())
        self._sources.health.set_warnings(report.warnings)
        if state.missing:
            log.warning("wanted scan: %d file(s) listed by Sonarr/Radarr do not exist here, "
                        "e.g. %s; check path_mappings and mounts", state.missing,
                        state.missing_examples[0])
        if state.not_answering:
            log.warning("wanted scan: %d file(s) gave no answer within "
                        "wanted_probe_timeout_seconds, e.g. %s; probed again next scan",
                        len(state.not_answering), state.not_answering_examples[0])
        self.last_report = report
        return report

    def _reconcile_listed(self, files: list[MediaFile], book: ProfileBook,
                          checker: PresenceChecker, listings: Listings, state: ScanState,
                          due: datetime) -> None:
        """Rows of listed files: add the missing languages, drop the covered ones."""
        FOREGROUND.give_way()  # API requests of this process run first
        local = LocalFiles(listings)
        wants: dict[tuple[str, str], MediaFile] = {}
        profile_ids: dict[str, int] = {}
        present: list[MediaFile] = []
        for media in files:
            if not state.first_time(media.path):
                continue  # Sonarr/Radarr data wins over a watched folder listing it too
            if not local.exists(media.path):
                state.not_found(media.path)  # wrong path_mappings or unmounted: keep rows
                continue
            present.append(media)
        checker.prefetch(present, book)  # embedded-track probes of the part, concurrently
        for media in present:
            profile = book.for_media(media.media_type, media.title, media.tags)
            profile_ids[media.path] = profile.id
            for language in wanted_codes(profile, checker.satisfied(media, profile)):
                wants[(media.path, language)] = media
        if not profile_ids:
            return
        FOREGROUND.give_way()
        with self._write_lock, self._db.session() as session:
            existing = repo.rows_for_paths(session, list(profile_ids))
            have = {(path, lang) for _id, path, lang, _profile in existing}
            removed = repo.delete_ids(session, sorted(
                row_id for row_id, path, lang, _profile in existing if (path, lang) not in wants))
            repo.set_profiles(session, {row_id: profile_ids[path]
                                        for row_id, path, _lang, profile in existing
                                        if profile != profile_ids[path]})
            added = repo.insert_wanted(
                session, [(media, lang) for (path, lang), media in wants.items()
                          if (path, lang) not in have], due, profile_ids)
        state.rows(added, removed)

    def _sweep(self, began_at: datetime, complete: set[str], book: ProfileBook,
               state: ScanState) -> None:
        """Rows of files no listing gave, a page at a time: removed when the language is
        no longer wanted, or their source listed completely (rows added during this scan
        stay); rows of a failed source or of webhooks only are removed when subtitled."""
        after = 0
        checker = self._checker()
        while True:
            with self._db.session() as session:
                keys = repo.row_keys_after(session, began_at, after, SWEEP_ROWS)
            if not keys:
                return
            after = keys[-1].id
            stale = []
            for key in keys:
                if state.was_listed(key.media_path):
                    continue
                profile = _profile_of(key, book)
                if key.language not in profile.codes:
                    stale.append(key.id)  # the user stopped wanting this language
                elif key.source in complete:
                    if key.added_before:
                        stale.append(key.id)  # gone from a source that listed completely
                elif _now_subtitled(key, profile, checker):
                    stale.append(key.id)
            if stale:
                with self._write_lock, self._db.session() as session:
                    state.rows(0, repo.delete_ids(session, stale))
            FOREGROUND.give_way()

    def _first_search_at(self) -> datetime:
        settings = self._settings()
        return first_search_at(utcnow(), settings.wanted_search_on_arrival, settings)

    def add_media(self, files: list[MediaFile]) -> int:
        """Add rows for newly arrived files (webhook, watched folder); rows of files that
        arrived again (re-import, upgrade) become due again.  Returns rows added or re-armed."""
        if not files:
            return 0
        profile_ids: dict[str, int] = {}
        wants = missing_pairs(files, self._profiles(), self._checker(), profile_ids)
        due = self._first_search_at()
        with self._write_lock, self._db.session() as session:
            have = repo.keys_for_paths(session, sorted({m.path for m in files}))
            new = [(media, lang) for key, media in wants.items() if key not in have
                   for lang in [key[1]]]
            again = sorted({path for (path, lang) in wants if (path, lang) in have})
            rearmed = repo.rearm_paths(session, again, due) if again else 0
            return repo.insert_wanted(session, new, due, profile_ids) + rearmed

    def forget_paths(self, paths: list[str]) -> int:
        """Drop rows of deleted files (EpisodeFileDelete/MovieFileDelete)."""
        with self._write_lock, self._db.session() as session:
            return repo.delete_paths(session, paths)

    def forget_folder(self, folder: str) -> int:
        """Drop rows of a deleted series/movie folder."""
        with self._write_lock, self._db.session() as session:
            return repo.delete_under(session, folder)


def _profile_of(key: repo.RowKey, book: ProfileBook) -> Profile:
    return book.for_media(key.media_type, key.title, stored_id=key.profile_id)


def _now_subtitled(key: repo.RowKey, profile: Profile, checker: PresenceChecker) -> bool:
    """A row no listing covers (source down, webhook-only): is its language there now?"""
    if not os.path.exists(key.media_path):
        return False  # maybe unmounted: keep the row
    media = MediaFile(key.media_path, key.media_type, key.title, "standalone")  # type: ignore[arg-type]
    return key.language not in wanted_codes(profile, checker.satisfied(media, profile))
