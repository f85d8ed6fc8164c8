"""Wanted list endpoints: list, scan, batch search."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field

from sublarr.api.errors import ConflictError, NotFoundError
from sublarr.api.validation import ApiModel, RowId, documented, parse_body, parse_query
from sublarr.library.intake import SINK_COMPONENT
from sublarr.services import current_services
from sublarr.wanted import repo
from sublarr.wanted.batch import BatchBusyError
from sublarr.wanted.search import SEARCHER_COMPONENT

bp = Blueprint("wanted", __name__, url_prefix="/api/v1")

BATCH_COMPONENT = "wanted_batch"


class Strict(ApiModel):
    model_config = ConfigDict(extra="forbid")


class WantedQuery(Strict):
    status: Literal["wanted", "searching", "found", "not_found", "failed",
                    "dropped"] | None = None
    language: str | None = Field(None, min_length=2, max_length=16)
    media_type: Literal["episode", "movie"] | None = None
    source: Literal["sonarr", "radarr", "jellyfin", "standalone"] | None = None
    search: str | None = Field(None, max_length=500, description="Text in title or path")
    q: str | None = Field(None, max_length=500, description="Same as search")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)
    cursor: str | None = Field(
        None, pattern=r"^[0-9]{1,18}$",
        description="next_cursor of the previous page: seek there (every page costs the "
                    "same); offset, if given, counts on from the cursor")


class WantedItemOut(ApiModel):
    id: int
    media_path: str
    media_type: str
    source: str
    title: str
    year: int | None
    season: int | None
    episode: int | None
    language: str
    status: str
    search_count: int
    attempts: int = Field(description="Searches so far (same as search_count)")
    next_search_at: str | None = Field(
        description="When the search queue searches this row next; null: not again")
    last_result: str | None = Field(description="found | not_found | failed | dropped")
    last_searched_at: str | None
    last_error: str | None
    subtitle_path: str | None
    profile_id: int | None = Field(
        None, description="The language profile the row was added for (null: the default)")
    added_at: str
    updated_at: str


class WantedPage(ApiModel):
    items: list[WantedItemOut]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last page")


class SearchBody(Strict):
    ids: list[RowId] | None = Field(None, max_length=100_000,
                                  description="Wanted row ids; omit for every wanted row")


class BatchStarted(ApiModel):
    batch_id: str
    total: int
    done: int


@bp.get("/wanted")
@documented("The wanted list (files × languages lacking a subtitle), paged and filtered",
            query=WantedQuery, response=WantedPage, tags=["wanted"])
def list_wanted():  # noqa: ANN201
    query = parse_query(WantedQuery)
    filters = repo.WantedFilter(status=query.status, language=query.language,
                                media_type=query.media_type, source=query.source,
                                search=query.search or query.q)
    after = int(query.cursor) if query.cursor is not None else None
    with current_services().db.session() as session:
        items, total = repo.page(session, filters, query.limit + 1, query.offset, after)
        rows = [repo.to_dict(item) for item in items[:query.limit]]
    next_cursor = str(rows[-1]["id"]) if len(items) > query.limit else None
    return jsonify({"items": rows, "total": total, "limit": query.limit,
                    "offset": query.offset, "next_cursor": next_cursor})


@bp.get("/wanted/<int:item_id>")
@documented("One wanted row", response=WantedItemOut, tags=["wanted"])
def get_wanted(item_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        item = repo.get(session, item_id)
        if item is None:
            raise NotFoundError(f"wanted item {item_id} not found")
        return jsonify(repo.to_dict(item))


def _pipeline() -> Any:
    return current_services().components[SINK_COMPONENT]


@bp.post("/wanted/scan")
@documented("Start a wanted scan in the background (wanted_scan_complete when done)",
            status=202, tags=["wanted"])
def start_scan():  # noqa: ANN201
    started = _pipeline().runner.request_scan()
    return jsonify({"status": "started" if started else "already_running"}), 202


@bp.get("/wanted/scan")
@documented("Whether a scan runs and its progress (series done/total, files checked and "
            "probed, ETA), the last scan's counts, source errors and library warnings "
            "(files listed by Sonarr/Radarr that are not here, files whose probe timed out)",
            tags=["wanted"])
def scan_status():  # noqa: ANN201
    services = current_services()
    with services.db.session() as session:
        counts = repo.counts_by_status(session)
    return jsonify({**_pipeline().status(), "counts": counts})


@bp.post("/wanted/search")
@documented("Search subtitles for wanted rows in the background (progress over Socket.IO)",
            body=SearchBody, response=BatchStarted, status=202, tags=["wanted"])
def start_search():  # noqa: ANN201
    body = parse_body(SearchBody)
    services = current_services()
    searcher = services.components.get(SEARCHER_COMPONENT)
    if searcher is None:
        raise ConflictError("no subtitle searcher is available: the providers layer is not "
                            "configured, so wanted items cannot be searched yet",
                            code="no_searcher")
    limit = services.settings.current.wanted_search_batch_limit
    try:
        started = services.components[BATCH_COMPONENT].start(searcher, body.ids, limit)
    except BatchBusyError as exc:
        raise ConflictError(str(exc), code="batch_running") from exc
    return jsonify(started), 202
