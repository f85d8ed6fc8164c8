"""Jimaku (jimaku.cc): Japanese subtitles for anime.

``GET /api/entries/search?query=…&anime=true`` lists entries (a show or a
cour); ``GET /api/entries/{id}/files?episode=N`` lists its files with
absolute download URLs.  The API key goes verbatim in ``Authorization``, and only to
the configured ``jimaku_base_url``'s origin: a download URL elsewhere gets no key.
"""

from __future__ import annotations

from typing import Any

from sublarr.outbound_http import same_origin
from sublarr.providers.base import Provider
from sublarr.providers.candidate import Candidate, ProviderQuery, normalize_title, parse_release
from sublarr.providers.errors import ProviderBadResponse

LANGUAGE = "ja"
MAX_ENTRIES = 3


class JimakuProvider(Provider):
    name = "jimaku"

    def is_configured(self) -> bool:
        return bool(self.settings.jimaku_api_key)

    def _url(self, path: str) -> str:
        return self.settings.jimaku_base_url.rstrip("/") + "/api" + path

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.settings.jimaku_api_key, "Accept": "application/json"}

    def supports(self, query: ProviderQuery) -> bool:
        return query.language == LANGUAGE  # Jimaku holds Japanese subtitles only

    def search(self, query: ProviderQuery) -> list[Candidate]:
        if not self.supports(query):
            return []
        params = {"query": query.title, "anime": "true"}
        entries = self.http.request("GET", self._url("/entries/search"), params=params,
                                    headers=self._headers()).json(self.name)
        if not isinstance(entries, list):
            raise ProviderBadResponse(f"{self.name}: entry search did not answer a list")
        found: list[Candidate] = []
        for entry in _best_entries(entries, query.title)[:MAX_ENTRIES]:
            found += self._files_of(entry, query)
        return found

    def _files_of(self, entry: dict[str, Any], query: ProviderQuery) -> list[Candidate]:
        params = {"episode": query.episode} if query.episode is not None else {}
        reply = self.http.request("GET", self._url(f"/entries/{entry['id']}/files"),
                                  params=params, headers=self._headers(), ok=(200, 404))
        if reply.status == 404:
            return []
        files = reply.json(self.name)
        if not isinstance(files, list):
            raise ProviderBadResponse(f"{self.name}: file list is not a list")
        title = _matching_title(entry, query.title)
        is_movie = bool((entry.get("flags") or {}).get("movie"))
        page = f"{self.settings.jimaku_base_url.rstrip('/')}/entry/{entry['id']}"
        return [_candidate(f, entry, title, query, is_movie, page) for f in files
                if isinstance(f, dict) and f.get("url") and f.get("name")]

    def download(self, candidate: Candidate) -> bytes:
        url = candidate.download_ref["url"]
        headers = self._headers()
        if not same_origin(url, self.settings.jimaku_base_url):
            headers.pop("Authorization")  # the URL came from the answer; the key stays home
        return self.http.request("GET", url, headers=headers).body


def _names(entry: dict[str, Any]) -> list[str]:
    return [n for n in (entry.get("name"), entry.get("english_name"), entry.get("japanese_name"))
            if isinstance(n, str) and n]


def _matching_title(entry: dict[str, Any], wanted: str) -> str:
    """The entry's name that matches the wanted title (so scoring sees the match)."""
    key = normalize_title(wanted)
    for name in _names(entry):
        if normalize_title(name) == key:
            return name
    return _names(entry)[0] if _names(entry) else ""


def _best_entries(entries: list[Any], wanted: str) -> list[dict[str, Any]]:
    valid = [e for e in entries if isinstance(e, dict) and "id" in e]
    key = normalize_title(wanted)
    return sorted(valid, key=lambda e: 0 if any(normalize_title(n) == key for n in _names(e)) else 1)


def _candidate(file: dict[str, Any], entry: dict[str, Any], title: str, query: ProviderQuery,
               is_movie: bool, page: str) -> Candidate:
    name = str(file["name"])
    release = parse_release(name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    episode = release.episode if release.episode is not None else (
        query.episode if query.episode is not None and not is_movie else None)
    return Candidate(
        provider="jimaku",
        subtitle_id=f"{entry['id']}/{name}",
        language=LANGUAGE,
        title=title,
        format=extension if extension in ("ass", "ssa", "srt", "vtt") else "zip",
        year=release.year,
        # Jimaku entries are per season/cour and files carry absolute episode
        # numbers, so the entry stands for the season that was asked for.
        season=release.season if release.season is not None else query.season,
        episode=episode,
        release_name=name,
        release=release,
        page_url=page,
        download_ref={"url": file["url"], "file_name": name},
    )
