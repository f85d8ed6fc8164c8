"""Manual search and pick for a wanted row or a History entry; the blacklist."""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field

from sublarr.api.errors import ConflictError, NotFoundError
from sublarr.api.validation import ApiModel, documented, page_json, parse_body, parse_query
from sublarr.library.intake import SINK_COMPONENT
from sublarr.library.roots import roots_of
from sublarr.providers import blacklist_repo, history_repo, manual
from sublarr.providers.blacklist import blacklist_history_row
from sublarr.providers.searcher import ProviderSearcher
from sublarr.providers.upgrades import request_from_history
from sublarr.profiles.service import PROFILES_COMPONENT
from sublarr.services import current_services
from sublarr.wanted import repo as wanted_repo
from sublarr.wanted.batch import request_for
from sublarr.wanted.search import SEARCHER_COMPONENT, SearchRequest, SearchResult

bp = Blueprint("picks", __name__, url_prefix="/api/v1")


class PickBody(ApiModel):
    model_config = ConfigDict(extra="forbid")
    provider: str = Field(min_length=1, max_length=50)
    subtitle_id: str = Field(min_length=1, max_length=200)


class CandidateList(ApiModel):
    query: str
    language: str
    media_path: str
    candidates: list[dict[str, Any]] = Field(description=(
        "Best first; each with score, matches, breakdown {weights: [{key, points}], "
        "provider_modifier}, blacklisted and below_min_score"))
    providers: list[str]
    failures: dict[str, str]
    duration_ms: int


class PickResult(ApiModel):
    status: str
    subtitle_path: str
    provider: str
    subtitle_id: str
    score: int
    wanted_item_id: Optional[int]


class BlacklistQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class BlacklistPage(ApiModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class BlacklistResult(ApiModel):
    entry: dict[str, Any]
    created: bool = Field(description="False when the subtitle was blacklisted already")
    file: str = Field(description=(
        "removed | missing | kept_replaced (the file on disk is not what Sublarr saved: "
        "the user's file stays, nothing is re-queued) | kept_outside_roots"))
    file_removed: bool
    wanted_item_id: Optional[int] = Field(description="The wanted row searched again now")


def _searcher() -> ProviderSearcher:
    searcher = current_services().components.get(SEARCHER_COMPONENT)
    if searcher is None:
        raise ConflictError("no subtitle searcher is available", code="no_searcher")
    return searcher


def _wanted_request(item_id: int, picking: bool = False) -> SearchRequest:
    profiles = current_services().components.get(PROFILES_COMPONENT)
    book = profiles.book() if profiles is not None else None
    with current_services().db.session() as session:
        item = wanted_repo.get(session, item_id)
        if item is None:
            raise NotFoundError(f"wanted item {item_id} not found")
        if picking and item.status == "searching":
            raise ConflictError(f"wanted item {item_id} is being searched right now; "
                                "try again in a moment", code="item_busy")
        return request_for(item, book)


def _history_request(row_id: int) -> SearchRequest:
    with current_services().db.session() as session:
        row = history_repo.get(session, row_id)
        if row is None:
            raise NotFoundError(f"history entry {row_id} not found")
        return request_from_history(row)


def _after_pick(request: SearchRequest, result: SearchResult, body: PickBody) -> Any:
    """The wanted row of this file × language (if any) is found, as after a search."""
    services = current_services()
    with services.db.session() as session:
        item = wanted_repo.find(session, request.media_path, request.language)
        item_id = item.id if item is not None else None
        if item_id is not None:
            wanted_repo.record_search(session, item_id, "found", result.subtitle_path, None)
    if item_id is not None:
        services.bus.emit("wanted_item_processed", {
            "item_id": item_id, "title": request.title, "language": request.language,
            "status": "found", "subtitle_path": result.subtitle_path})
    return jsonify({"status": "found", "subtitle_path": result.subtitle_path,
                    "provider": body.provider, "subtitle_id": body.subtitle_id,
                    "score": result.score, "wanted_item_id": item_id})


@bp.get("/wanted/<int:item_id>/candidates")
@documented("Every provider's candidates for one wanted row, with score breakdown "
            "(nothing saved)", response=CandidateList, tags=["wanted"])
def wanted_candidates(item_id: int):  # noqa: ANN201
    return jsonify(manual.list_candidates(_searcher(), _wanted_request(item_id)))


@bp.post("/wanted/<int:item_id>/pick")
@documented("Download exactly the chosen candidate for a wanted row (as an automatic "
            "download would). 404 candidate_gone, 409 blacklisted/provider_unavailable, "
            "502 download_failed: the row stays as it was", body=PickBody, response=PickResult,
            tags=["wanted"])
def wanted_pick(item_id: int):  # noqa: ANN201
    body = parse_body(PickBody)
    request = _wanted_request(item_id, picking=True)
    result = manual.pick(_searcher(), request, body.provider, body.subtitle_id)
    return _after_pick(request, result, body)


@bp.get("/history/<int:row_id>/candidates")
@documented("Every provider's candidates for the media file and language of a History "
            "entry (nothing saved)", response=CandidateList, tags=["providers"])
def history_candidates(row_id: int):  # noqa: ANN201
    return jsonify(manual.list_candidates(_searcher(), _history_request(row_id)))


@bp.post("/history/<int:row_id>/pick")
@documented("Download exactly the chosen candidate for a History entry's media file, "
            "replacing the subtitle Sublarr saved", body=PickBody, response=PickResult,
            tags=["providers"])
def history_pick(row_id: int):  # noqa: ANN201
    body = parse_body(PickBody)
    request = _history_request(row_id)
    result = manual.pick(_searcher(), request, body.provider, body.subtitle_id)
    return _after_pick(request, result, body)


@bp.post("/history/<int:row_id>/blacklist")
@documented("Mark a saved subtitle bad: never downloaded again for this file; its file is "
            "removed (unless replaced by hand) and the file × language is searched again now",
            response=BlacklistResult, status=201, tags=["blacklist"])
def blacklist_entry(row_id: int):  # noqa: ANN201
    services = current_services()
    pipeline = services.components.get(SINK_COMPONENT)
    outcome = blacklist_history_row(
        services.db, row_id, roots_of(services).confine,
        pipeline.queue.notify if pipeline is not None else lambda: None)
    if outcome is None:
        raise NotFoundError(f"history entry {row_id} not found")
    return jsonify(outcome.as_dict()), 201 if outcome.created else 200


@bp.get("/blacklist")
@documented("Blacklisted subtitles, newest first", query=BlacklistQuery,
            response=BlacklistPage, tags=["blacklist"])
def list_blacklist():  # noqa: ANN201
    query = parse_query(BlacklistQuery)
    with current_services().db.session() as session:
        rows, total = blacklist_repo.page(session, query.limit, query.offset)
        items = [blacklist_repo.as_dict(row) for row in rows]
    return page_json(items, total, query)


@bp.delete("/blacklist/<int:entry_id>")
@documented("Remove a blacklist entry (the subtitle may be downloaded again)", status=204,
            tags=["blacklist"])
def delete_blacklist(entry_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        if not blacklist_repo.delete(session, entry_id):
            raise NotFoundError(f"blacklist entry {entry_id} not found")
    return "", 204
