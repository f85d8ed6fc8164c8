"""Search → rank → download → save next to the media (or upgrade), with history and events.

:class:`ProviderSearcher` is the ``subtitle_searcher`` component the wanted
pipeline calls (see :mod:`sublarr.wanted.search`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.events.bus import EventBus
from sublarr.providers import blacklist_repo, history_repo
from sublarr.providers.candidate import Candidate, MediaInfo, ProviderQuery
from sublarr.providers.errors import ProviderError, SubtitleFileError
from sublarr.providers.media_hash import movie_hash
from sublarr.providers.pool import PoolResult, ProviderPool
from sublarr.providers.ranking import Ranker, ScoredCandidate
from sublarr.files import mode_like, write_atomically
from sublarr.library.roots import OutsideLibraryRoots
from sublarr.providers.saving import existing_subtitles, subtitle_path_for
from sublarr.providers.subtitle_text import SubtitleFile, subtitle_from_download
from sublarr.wanted.search import SearchRequest, SearchResult

log = logging.getLogger(__name__)
MAX_DOWNLOAD_ATTEMPTS = 5


@dataclass(frozen=True)
class RankedSearch:
    query: ProviderQuery
    media: MediaInfo
    ranked: list[ScoredCandidate]
    pool: PoolResult


@dataclass(frozen=True)
class CurrentSubtitle:
    """The subtitle already on disk for this media/language, and what we know of it."""

    path: Path
    score: int | None  # None: not saved by Sublarr (the user's own file)
    provider: str | None
    first_saved_at: datetime | None


def query_for(request: SearchRequest) -> ProviderQuery:
    """The provider query for a wanted item (hashing the media file when it exists)."""
    return ProviderQuery(
        media_type=request.media_type, title=request.title, language=request.language,
        year=request.year, season=request.season, episode=request.episode,
        release_name=request.release_name or Path(request.media_path).name,
        file_hash=movie_hash(request.media_path), hearing_impaired=request.hearing_impaired,
        forced=request.forced)


class ProviderSearcher:
    """Implements :class:`sublarr.wanted.search.SubtitleSearcher`."""

    def __init__(self, pool: ProviderPool, ranker: Ranker, db: Database, bus: EventBus,
                 settings: Callable[[], Any], confine: Callable[[str], Path]) -> None:
        self.pool = pool
        self._confine = confine  # library roots: raises OutsideLibraryRoots
        self.ranker = ranker
        self._db = db
        self._bus = bus
        self._settings = settings

    def search(self, query: ProviderQuery) -> RankedSearch:
        """Every usable provider at once; candidates ranked best first."""
        media = MediaInfo.from_query(query)
        result = self.pool.search(query)
        ranked = self.ranker.rank(result.candidates, media)
        self._bus.emit("provider_search_complete", {
            "query": query.describe(), "media_type": query.media_type,
            "results_count": len(result.candidates), "providers": result.searched,
            "duration_ms": result.duration_ms})
        return RankedSearch(query, media, ranked, result)

    def search_and_save(self, request: SearchRequest) -> SearchResult:
        try:  # before the media is hashed (read) or anything is searched
            self._confine(request.media_path)
        except OutsideLibraryRoots as exc:
            return SearchResult("failed", error=str(exc))
        if not Path(request.media_path).parent.is_dir():
            return SearchResult("failed", error=f"media folder not found: {request.media_path}")
        search = self.search(query_for(request))
        usable = self._eligible(search.ranked, request)
        if not usable:
            if not search.pool.searched:
                return SearchResult("failed", error=_failure_text(search.pool), no_provider=True)
            if len(search.pool.failures) == len(search.pool.searched):
                return SearchResult("failed", error=_failure_text(search.pool))
            return SearchResult("not_found")
        current = self._current(request)
        if current is not None and current.score is None:
            return SearchResult("found", subtitle_path=str(current.path))  # the user's own file
        errors: list[str] = []
        for scored in usable[:MAX_DOWNLOAD_ATTEMPTS]:
            if not self._worth_saving(scored.score, current):
                break
            saved = self._try_candidate(scored, search.media, request, current, errors)
            if saved is not None:
                return saved
        if current is not None:
            return SearchResult("found", subtitle_path=str(current.path),
                                provider=current.provider, score=current.score)
        return SearchResult("failed", error="; ".join(errors)[:500] or "no candidate could be used")

    def _eligible(self, ranked: list[ScoredCandidate], request: SearchRequest) -> list[ScoredCandidate]:
        minimum = self._settings().provider_min_score
        banned = self.banned_for(request.media_path)
        return [s for s in ranked if s.candidate.language == request.language
                and s.candidate.forced == request.forced and s.score >= minimum
                and (s.candidate.provider, s.candidate.subtitle_id) not in banned]

    def min_score(self) -> int:
        return self._settings().provider_min_score

    def confine(self, path: str) -> Path:
        """The real path inside the library roots, or OutsideLibraryRoots."""
        return self._confine(path)

    def banned_for(self, media_path: str) -> set[tuple[str, str]]:
        """Blacklisted (provider, subtitle id) pairs of this media file."""
        with self._db.session() as session:
            return blacklist_repo.banned_for(session, media_path)

    def _worth_saving(self, score: int, current: CurrentSubtitle | None) -> bool:
        """True without a subtitle; else only a clear upgrade inside the upgrade window."""
        if current is None:
            return True
        settings = self._settings()
        if not settings.upgrade_enabled or current.score is None:
            return False
        first = current.first_saved_at or utcnow()
        if utcnow() - first > timedelta(days=settings.upgrade_window_days):
            return False
        return score >= current.score + settings.upgrade_min_score_delta

    def _try_candidate(self, scored: ScoredCandidate, media: MediaInfo, request: SearchRequest,
                       current: CurrentSubtitle | None, errors: list[str]) -> SearchResult | None:
        candidate = scored.candidate
        try:
            subtitle = self.fetch(candidate, request)
        except ProviderError as exc:
            errors.append(exc.message)
            return None
        except SubtitleFileError as exc:
            log.warning("%s %s: unusable file: %s", candidate.provider, candidate.subtitle_id, exc)
            errors.append(f"{candidate.provider}: {exc}")
            return None
        # The real format is known only now (archives); the ASS bonus follows it.
        score = self.ranker.score(dataclasses.replace(candidate, format=subtitle.format), media)
        if not self._worth_saving(score, current):
            return None
        try:
            path = self._save(scored, score, subtitle, request, current)
        except OSError as exc:  # read-only folder, disk full: this media cannot take a file
            errors.append(f"cannot write next to the media: {exc.strerror or exc}")
            return None
        except OutsideLibraryRoots as exc:  # the folder became a link out of the library
            errors.append(str(exc))
            return None
        return SearchResult("found", subtitle_path=str(path), provider=candidate.provider,
                            score=score)

    def fetch(self, candidate: Candidate, request: SearchRequest) -> SubtitleFile:
        """Download and unpack one candidate (raises ProviderError / SubtitleFileError)."""
        data = self.pool.download(candidate)
        return subtitle_from_download(
            data, self.pool.providers[candidate.provider].file_name_of(candidate),
            self._settings().provider_max_download_bytes, request.episode)

    def save_fetched(self, scored: ScoredCandidate, subtitle: SubtitleFile, media: MediaInfo,
                     request: SearchRequest) -> SearchResult:
        """Save a downloaded candidate whatever is there now (a manual pick): same path,
        history and events as an automatic download.  Raises OSError / OutsideLibraryRoots."""
        score = self.ranker.score(dataclasses.replace(scored.candidate, format=subtitle.format),
                                  media)
        current = self._current(request)
        if current is not None and current.score is None:
            current = None  # the user's own file: written beside, never deleted by a pick
        path = self._save(scored, score, subtitle, request, current)
        return SearchResult("found", subtitle_path=str(path),
                            provider=scored.candidate.provider, score=score)

    def _save(self, scored: ScoredCandidate, score: int, subtitle: SubtitleFile,
              request: SearchRequest, current: CurrentSubtitle | None) -> Path:
        candidate = scored.candidate
        path = subtitle_path_for(request.media_path, request.language, subtitle.format,
                                 hearing_impaired=request.hearing_impaired, forced=request.forced)
        media = self._confine(request.media_path)
        content = subtitle.encoded()
        write_atomically(self._confine(str(path)), content, mode_like(media))
        if current is not None and current.path != path:
            current.path.unlink(missing_ok=True)  # the upgrade changed the format (srt → ass)
        with self._db.session() as session:
            history_repo.record(
                session, action="upgraded" if current else "downloaded",
                media_type=request.media_type, media_path=request.media_path,
                title=request.title, year=request.year, season=request.season,
                episode=request.episode, language=request.language,
                hearing_impaired=request.hearing_impaired, forced=request.forced,
                provider=candidate.provider,
                subtitle_id=candidate.subtitle_id, release_name=candidate.release_name,
                score=score, format=subtitle.format, subtitle_path=str(path),
                old_score=current.score if current else None,
                old_provider=current.provider if current else None,
                content_sha256=hashlib.sha256(content).hexdigest())
        payload = {"media_type": request.media_type, "title": request.title,
                   "season": request.season, "episode": request.episode,
                   "language": request.language, "provider": candidate.provider, "score": score,
                   "format": subtitle.format, "subtitle_path": str(path),
                   "media_path": request.media_path}
        self._bus.emit("subtitle_downloaded", payload)
        if current is not None and current.score is not None:
            self._bus.emit("upgrade_complete", {**payload, "old_score": current.score,
                                                "new_score": score,
                                                "old_provider": current.provider})
        return path

    def _current(self, request: SearchRequest) -> CurrentSubtitle | None:
        found = existing_subtitles(request.media_path, request.language,
                                   hearing_impaired=request.hearing_impaired, forced=request.forced)
        if not found:
            return None
        paths = [str(p) for p in found]
        with self._db.session() as session:
            rows = {p: history_repo.latest_for_subtitle(session, [p]) for p in paths}
            first = history_repo.first_download_at(session, request.media_path, request.language,
                                                   request.hearing_impaired, request.forced)
        if any(row is None for row in rows.values()):
            unknown = next(p for p, row in rows.items() if row is None)
            return CurrentSubtitle(Path(unknown), None, None, None)
        best = max(rows.values(), key=lambda r: r.score)
        return CurrentSubtitle(Path(best.subtitle_path), best.score, best.provider,
                               first or datetime.now(timezone.utc))


def _failure_text(pool: PoolResult) -> str:
    if not pool.searched:
        return "no provider is enabled, configured and available"
    return "; ".join(pool.failures.values())[:500]
