"""Manual search and pick (Bazarr's interactive search) for one media file × language.

:func:`list_candidates` shows every provider's candidates with their score
and its breakdown; :func:`pick` downloads exactly the chosen one through the
searcher's save path (same file name, history row and events as an automatic
download).  A pick searches the providers again and downloads the candidate
only if it is still offered, so no state is kept between the two calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sublarr.api.errors import ApiError, ConflictError, NotFoundError
from sublarr.providers.errors import ProviderError, SubtitleFileError
from sublarr.providers.searcher import ProviderSearcher, RankedSearch, query_for
from sublarr.wanted.search import SearchRequest, SearchResult


class BadGateway(ApiError):
    status = 502
    code = "download_failed"


def _search(searcher: ProviderSearcher, request: SearchRequest) -> RankedSearch:
    searcher.confine(request.media_path)  # 403 before the media file is hashed (read)
    if not Path(request.media_path).is_file():
        raise ConflictError(f"media file not found: {request.media_path}", code="media_missing")
    return searcher.search(query_for(request))


def list_candidates(searcher: ProviderSearcher, request: SearchRequest) -> dict[str, Any]:
    """Every candidate in the wanted language, best first, with score breakdown."""
    found = _search(searcher, request)
    banned = searcher.banned_for(request.media_path)
    minimum = searcher.min_score()
    candidates = []
    for scored in found.ranked:
        candidate = scored.candidate
        if candidate.language != request.language or candidate.forced != request.forced:
            continue
        candidates.append({
            **scored.public(found.media),
            "breakdown": searcher.ranker.breakdown(candidate, found.media),
            "blacklisted": (candidate.provider, candidate.subtitle_id) in banned,
            "below_min_score": scored.score < minimum,
        })
    return {"query": found.query.describe(), "language": request.language,
            "media_path": request.media_path, "candidates": candidates,
            "providers": found.pool.searched, "failures": found.pool.failures,
            "duration_ms": found.pool.duration_ms}


def pick(searcher: ProviderSearcher, request: SearchRequest, provider: str,
         subtitle_id: str) -> SearchResult:
    """Download and save the chosen candidate; an :class:`ApiError` leaves everything as it was."""
    if provider not in searcher.pool.providers:
        raise NotFoundError(f"unknown provider {provider!r}", code="unknown_provider")
    if (provider, subtitle_id) in searcher.banned_for(request.media_path):
        raise ConflictError(f"{provider} subtitle {subtitle_id} is blacklisted for this file",
                            code="blacklisted")
    found = _search(searcher, request)
    if provider not in found.pool.searched:
        raise ConflictError(f"provider {provider} cannot be asked now (disabled, unconfigured "
                            "or paused)", code="provider_unavailable")
    if provider in found.pool.failures:
        raise BadGateway(f"{provider} failed: {found.pool.failures[provider]}",
                         code="provider_failed")
    chosen = next((s for s in found.ranked if s.candidate.provider == provider
                   and s.candidate.subtitle_id == subtitle_id
                   and s.candidate.language == request.language), None)
    if chosen is None:
        raise NotFoundError(f"{provider} no longer offers subtitle {subtitle_id} for this file",
                            code="candidate_gone")
    try:
        subtitle = searcher.fetch(chosen.candidate, request)
    except ProviderError as exc:
        raise BadGateway(f"download failed: {exc.message}") from exc
    except SubtitleFileError as exc:
        raise BadGateway(f"{provider}: unusable subtitle file: {exc}",
                         code="unusable_subtitle") from exc
    try:
        return searcher.save_fetched(chosen, subtitle, found.media, request)
    except OSError as exc:
        raise ConflictError(f"cannot write next to the media: {exc.strerror or exc}",
                            code="cannot_write") from exc
