"""Provider status, manual search and download history endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field

from sublarr.api.errors import ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, documented, parse_body, parse_query
from sublarr.library.roots import roots_of
from sublarr.providers import history_repo
from sublarr.providers.candidate import ProviderQuery
from sublarr.providers.lifecycle import POOL_COMPONENT, UPGRADES_COMPONENT
from sublarr.providers.media_hash import movie_hash
from sublarr.providers.pool import ProviderPool
from sublarr.providers.searcher import ProviderSearcher
from sublarr.services import current_services
from sublarr.wanted.search import SEARCHER_COMPONENT

bp = Blueprint("providers", __name__, url_prefix="/api/v1")


class ProviderView(ApiModel):
    name: str
    enabled: bool
    configured: bool
    state: str = Field(description="ok | paused | disabled | unconfigured")
    consecutive_failures: int
    paused_until: Optional[str]
    last_error: Optional[str]
    last_status_code: Optional[int]
    last_success_at: Optional[str]
    last_failure_at: Optional[str]
    quota_remaining: Optional[int] = Field(description="Downloads left (when the provider says)")


class ProviderList(ApiModel):
    providers: list[ProviderView]


class ManualSearch(ApiModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=500)
    media_type: Literal["episode", "movie"] = "episode"
    language: str = Field(pattern="^[a-z]{2}$")
    year: Optional[int] = Field(None, ge=1870, le=2200)
    season: Optional[int] = Field(None, ge=0, le=10_000)
    episode: Optional[int] = Field(None, ge=0, le=100_000)
    media_path: Optional[str] = Field(
        None, max_length=4096,
        description="Hashed for OpenSubtitles; must lie inside the library roots")
    release_name: Optional[str] = Field(None, max_length=1000)
    hearing_impaired: bool = False
    forced: bool = False


class ManualSearchResult(ApiModel):
    query: str
    candidates: list[dict[str, Any]]
    providers: list[str]
    failures: dict[str, str]
    duration_ms: int


class UpgradeStatus(ApiModel):
    running: bool
    last: Optional[dict[str, int]]


class HistoryQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)
    provider: Optional[str] = Field(None, max_length=50)
    language: Optional[str] = Field(None, max_length=16)
    action: Optional[Literal["downloaded", "upgraded"]] = None
    media_type: Optional[Literal["episode", "movie"]] = None
    media_path: Optional[str] = Field(None, max_length=4096)
    q: Optional[str] = Field(None, max_length=500, description="Text in the title or media path")
    cursor: Optional[str] = Field(
        None, pattern=r"^-?[0-9]{1,20}\.[0-9]{1,18}$",
        description="next_cursor of the previous page: seek there (every page costs the "
                    "same); offset, if given, counts on from the cursor")


class HistoryPage(ApiModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next_cursor: Optional[str] = Field(
        description="Pass as cursor for the next page; null on the last page")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _pool() -> ProviderPool:
    return current_services().components[POOL_COMPONENT]


def _provider_view(pool: ProviderPool, name: str) -> dict[str, Any]:
    provider = pool.providers[name]
    health = provider.http.health.snapshot()
    enabled = name in current_services().settings.current.providers_enabled
    return {
        "name": name, "enabled": enabled, "configured": provider.is_configured(),
        "state": pool.state_of(provider), "consecutive_failures": health.consecutive_failures,
        "paused_until": _iso(health.paused_until), "last_error": health.last_error,
        "last_status_code": health.last_status_code,
        "last_success_at": _iso(health.last_success_at),
        "last_failure_at": _iso(health.last_failure_at),
        "quota_remaining": provider.quota_remaining,
    }


@bp.get("/providers")
@documented("Every provider with its state (ok, paused after errors, disabled, unconfigured)",
            response=ProviderList, tags=["providers"])
def list_providers():  # noqa: ANN201
    pool = _pool()
    return jsonify({"providers": [_provider_view(pool, n) for n in pool.providers]})


@bp.post("/providers/<name>/resume")
@documented("Lift a provider's pause now", response=ProviderView, tags=["providers"])
def resume_provider(name: str):  # noqa: ANN201
    pool = _pool()
    if name not in pool.providers:
        raise NotFoundError(f"unknown provider {name!r}")
    pool.providers[name].http.health.resume()
    return jsonify(_provider_view(pool, name))


@bp.post("/providers/search")
@documented("Search every usable provider now; candidates ranked by score (nothing saved)",
            body=ManualSearch, response=ManualSearchResult, tags=["providers"])
def manual_search():  # noqa: ANN201
    body = parse_body(ManualSearch)
    if body.media_path:  # hashed below: only files inside the library may be read
        roots_of(current_services()).confine(body.media_path)
    searcher: ProviderSearcher = current_services().components[SEARCHER_COMPONENT]
    query = ProviderQuery(
        media_type=body.media_type, title=body.title, language=body.language, year=body.year,
        season=body.season, episode=body.episode,
        release_name=body.release_name or (body.media_path.rsplit("/", 1)[-1]
                                           if body.media_path else None),
        file_hash=movie_hash(body.media_path) if body.media_path else None,
        hearing_impaired=body.hearing_impaired, forced=body.forced)
    found = searcher.search(query)
    return jsonify({
        "query": query.describe(),
        "candidates": [s.public(found.media) for s in found.ranked
                       if s.candidate.language == body.language],
        "providers": found.pool.searched,
        "failures": found.pool.failures,
        "duration_ms": found.pool.duration_ms,
    })


@bp.get("/history")
@documented("Saved subtitles (downloads and upgrades), newest first", query=HistoryQuery,
            response=HistoryPage, tags=["providers"])
def history():  # noqa: ANN201
    query = parse_query(HistoryQuery)
    filters = history_repo.HistoryFilter(provider=query.provider, language=query.language,
                                         action=query.action, media_path=query.media_path,
                                         media_type=query.media_type, search=query.q)
    try:
        after = history_repo.parse_cursor(query.cursor) if query.cursor else None
    except (OverflowError, ValueError) as exc:
        raise UnprocessableError("cursor is not one this endpoint handed out",
                                 {"cursor": query.cursor}) from exc
    with current_services().db.session() as session:
        rows, total = history_repo.list_history(session, filters, query.limit + 1,
                                                query.offset, after)
        items = [history_repo.as_dict(row) for row in rows[:query.limit]]
        next_cursor = history_repo.cursor_of(rows[query.limit - 1]) \
            if len(rows) > query.limit else None
    return jsonify({"items": items, "total": total, "limit": query.limit,
                    "offset": query.offset, "next_cursor": next_cursor})


def _upgrade_status() -> dict[str, Any]:
    scheduler = current_services().components[UPGRADES_COMPONENT]
    last = scheduler.last
    return {"running": scheduler.running,
            "last": {"checked": last.checked, "upgraded": last.upgraded} if last else None}


@bp.get("/providers/upgrades")
@documented("Whether an upgrade scan runs, and what the last one did", response=UpgradeStatus,
            tags=["providers"])
def upgrade_status():  # noqa: ANN201
    return jsonify(_upgrade_status())


@bp.post("/providers/upgrades")
@documented("Re-search subtitles inside the upgrade window now (runs in the background)",
            response=UpgradeStatus, status=202, tags=["providers"])
def run_upgrades():  # noqa: ANN201
    if not current_services().components[UPGRADES_COMPONENT].run_now():
        raise ConflictError("an upgrade scan is already running")
    return jsonify(_upgrade_status()), 202
