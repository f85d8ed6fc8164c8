"""OpenSubtitles.com REST API v1.

Search: ``GET /api/v1/subtitles`` with the ``Api-Key`` header.  Download:
``POST /api/v1/login`` for a bearer token, then ``POST /api/v1/download``
with ``{"file_id": …}`` which answers a temporary ``link`` and the remaining
daily quota; ``406`` means the quota is used up until ``reset_time_utc``.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from sublarr.providers.base import Provider
from sublarr.providers.candidate import Candidate, ProviderQuery, parse_release
from sublarr.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderQuotaExceeded,
)
from sublarr.providers.http import ProviderHttp


class OpenSubtitlesProvider(Provider):
    name = "opensubtitles"

    def __init__(self, http: ProviderHttp, settings: Any) -> None:
        super().__init__(http, settings)
        self._token_lock = threading.Lock()
        self._token: str | None = None

    def is_configured(self) -> bool:
        return bool(self.settings.opensubtitles_api_key)

    def _url(self, path: str) -> str:
        return self.settings.opensubtitles_base_url.rstrip("/") + "/api/v1" + path

    def _headers(self) -> dict[str, str]:
        s = self.settings
        return {"Api-Key": s.opensubtitles_api_key, "User-Agent": s.opensubtitles_user_agent,
                "Accept": "application/json"}

    def search(self, query: ProviderQuery) -> list[Candidate]:
        params = _search_params(query)
        reply = self.http.request("GET", self._url("/subtitles"), params=params,
                                  headers=self._headers())
        data = reply.json(self.name)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ProviderBadResponse(f"{self.name}: search answer without a data list")
        return [c for item in data["data"] if (c := _candidate(item, query)) is not None]

    def download(self, candidate: Candidate) -> bytes:
        token = self._login()
        headers = {**self._headers(), "Authorization": f"Bearer {token}",
                   "Content-Type": "application/json"}
        try:
            reply = self.http.request("POST", self._url("/download"), ok=(200, 406),
                                      json={"file_id": candidate.download_ref["file_id"]},
                                      headers=headers)
        except ProviderAuthError:
            self.forget_token()  # an expired token: the next attempt logs in again
            raise
        info = reply.json(self.name)
        if reply.status == 406:
            self.quota_remaining = 0
            raise _quota_error(self.name, info)
        if not isinstance(info, dict) or not info.get("link"):
            raise ProviderBadResponse(f"{self.name}: download answer without a link")
        if isinstance(info.get("remaining"), int):
            self.quota_remaining = info["remaining"]
        return self.http.request("GET", info["link"]).body

    def _login(self) -> str:
        with self._token_lock:
            if self._token:
                return self._token
            s = self.settings
            if not s.opensubtitles_username or not s.opensubtitles_password:
                raise ProviderAuthError(f"{self.name}: username and password are needed to download")
            reply = self.http.request(
                "POST", self._url("/login"),
                json={"username": s.opensubtitles_username, "password": s.opensubtitles_password},
                headers={**self._headers(), "Content-Type": "application/json"})
            data = reply.json(self.name)
            token = data.get("token") if isinstance(data, dict) else None
            if not token:
                raise ProviderBadResponse(f"{self.name}: login answer without a token")
            self._token = str(token)
            return self._token

    def forget_token(self) -> None:
        with self._token_lock:
            self._token = None


def _search_params(query: ProviderQuery) -> dict[str, Any]:
    params: dict[str, Any] = {"languages": query.language, "query": query.title.lower()}
    if query.file_hash:
        params["moviehash"] = query.file_hash
    if query.media_type == "episode":
        params["type"] = "episode"
        if query.season is not None:
            params["season_number"] = query.season
        if query.episode is not None:
            params["episode_number"] = query.episode
    else:
        params["type"] = "movie"
        if query.year:
            params["year"] = query.year
    # The API redirects unless parameters are sorted (documented best practice).
    return dict(sorted(params.items()))


def _candidate(item: Any, query: ProviderQuery) -> Candidate | None:
    attrs = item.get("attributes") if isinstance(item, dict) else None
    if not isinstance(attrs, dict):
        return None
    files = attrs.get("files") or []
    if not files or not isinstance(files[0], dict) or "file_id" not in files[0]:
        return None
    feature = attrs.get("feature_details") or {}
    is_episode = str(feature.get("feature_type", "")).lower() == "episode"
    title = feature.get("parent_title") if is_episode else feature.get("title")
    release = attrs.get("release") or files[0].get("file_name") or ""
    return Candidate(
        provider="opensubtitles",
        subtitle_id=str(attrs.get("subtitle_id") or item.get("id")),
        language=str(attrs.get("language") or query.language).lower(),
        title=str(title or feature.get("movie_name") or ""),
        format="srt",  # the API serves SRT (other formats on request only)
        year=feature.get("year"),
        season=feature.get("season_number"),
        episode=feature.get("episode_number"),
        release_name=release,
        release=parse_release(release),
        hash_match=bool(attrs.get("moviehash_match")),
        hearing_impaired=bool(attrs.get("hearing_impaired")),
        forced=bool(attrs.get("foreign_parts_only")),
        page_url=attrs.get("url"),
        download_ref={"file_id": files[0]["file_id"], "file_name": files[0].get("file_name")},
    )


def _quota_error(name: str, info: Any) -> ProviderQuotaExceeded:
    info = info if isinstance(info, dict) else {}
    message = str(info.get("message") or "download quota reached").strip()
    retry_after = None
    reset = info.get("reset_time_utc")
    if isinstance(reset, str):
        try:
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            retry_after = max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
        except ValueError:
            retry_after = None
    return ProviderQuotaExceeded(f"{name}: HTTP 406: {message}", status_code=406,
                                 retry_after=retry_after)
