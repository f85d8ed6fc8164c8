"""SubDL (subdl.com) API v1.

``GET {api}/api/v1/subtitles?api_key=…&film_name=…&type=tv&season_number=…``
answers ``{"status": true, "results": [...], "subtitles": [...]}`` or
``{"status": false, "error": "…"}``; each subtitle's ``url`` is a zip on the
download host (``https://dl.subdl.com`` + url).
"""

from __future__ import annotations

from typing import Any

from sublarr.providers.base import Provider
from sublarr.providers.candidate import Candidate, ProviderQuery, parse_release
from sublarr.providers.errors import ProviderAuthError, ProviderBadResponse, ProviderError

SITE = "https://subdl.com"
NOT_FOUND_HINTS = ("can't find", "cannot find", "not found", "no subtitle")


class SubdlProvider(Provider):
    name = "subdl"

    def is_configured(self) -> bool:
        return bool(self.settings.subdl_api_key)

    def search(self, query: ProviderQuery) -> list[Candidate]:
        url = self.settings.subdl_base_url.rstrip("/") + "/api/v1/subtitles"
        reply = self.http.request("GET", url, params=self._params(query), ok=(200, 400, 404))
        data = reply.json(self.name)
        if not isinstance(data, dict):
            raise ProviderBadResponse(f"{self.name}: answer is not an object")
        if not data.get("status"):
            return _empty_or_raise(str(data.get("error") or "unknown error"), reply.status)
        results = data.get("results") or [{}]
        show = results[0] if isinstance(results[0], dict) else {}
        return [c for s in data.get("subtitles") or []
                if (c := _candidate(s, show, query)) is not None]

    def _params(self, query: ProviderQuery) -> dict[str, Any]:
        params: dict[str, Any] = {
            "api_key": self.settings.subdl_api_key,
            "film_name": query.title,
            "type": "tv" if query.media_type == "episode" else "movie",
            "languages": query.language.upper(),
            "subs_per_page": 30,
        }
        if query.media_type == "episode":
            if query.season is not None:
                params["season_number"] = query.season
            if query.episode is not None:
                params["episode_number"] = query.episode
        if query.year:
            params["year"] = query.year
        return params

    def download(self, candidate: Candidate) -> bytes:
        base = self.settings.subdl_download_url.rstrip("/")
        return self.http.request("GET", base + candidate.download_ref["url"]).body


def _empty_or_raise(error: str, status: int) -> list[Candidate]:
    lowered = error.lower()
    if any(hint in lowered for hint in NOT_FOUND_HINTS):
        return []
    if "api" in lowered and "key" in lowered:
        raise ProviderAuthError(f"subdl: {error}", status_code=status if status != 200 else 401)
    raise ProviderError(f"subdl: {error}", status_code=status)


def _candidate(sub: Any, show: dict[str, Any], query: ProviderQuery) -> Candidate | None:
    if not isinstance(sub, dict) or not isinstance(sub.get("url"), str):
        return None
    release_name = str(sub.get("release_name") or sub.get("name") or "")
    release = parse_release(release_name)
    language = str(sub.get("language") or query.language).lower()
    return Candidate(
        provider="subdl",
        subtitle_id=sub["url"].rsplit("/", 1)[-1].removesuffix(".zip"),
        language=language,
        title=str(show.get("name") or release.title or ""),
        format="zip",
        year=show.get("year") if isinstance(show.get("year"), int) else release.year,
        season=sub.get("season") if isinstance(sub.get("season"), int) else release.season,
        episode=sub.get("episode") if isinstance(sub.get("episode"), int) else release.episode,
        release_name=release_name or None,
        release=release,
        hearing_impaired=bool(sub.get("hi")),
        page_url=f"{SITE}{sub['subtitlePage']}" if isinstance(sub.get("subtitlePage"), str) else None,
        download_ref={"url": sub["url"], "file_name": sub["url"].rsplit("/", 1)[-1]},
    )
