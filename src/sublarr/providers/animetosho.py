"""AnimeTosho: subtitle tracks extracted from anime torrents.

``GET {feed}/json?q=…`` (or ``?eid=<AniDB episode id>``) lists torrents;
``GET {feed}/json?show=torrent&id=N`` lists a torrent's files and their
attachments; a subtitle attachment is served xz-compressed at
``{storage}/attach/<id as 8 hex digits>/<file name>.xz``.  No API key.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


from sublarr.providers.base import Provider
from sublarr.providers.candidate import Candidate, ProviderQuery, parse_release
from sublarr.providers.errors import ProviderBadResponse

CODEC_FORMATS = {"ass": "ass", "ssa": "ssa", "substationalpha": "ass", "s_text/ass": "ass",
                 "s_text/utf8": "srt", "subrip": "srt", "srt": "srt", "webvtt": "vtt"}


class AnimeToshoProvider(Provider):
    name = "animetosho"
    needs_api_key = False

    def _feed(self) -> str:
        return self.settings.animetosho_feed_url.rstrip("/") + "/json"

    def search(self, query: ProviderQuery) -> list[Candidate]:
        torrents = self.http.request("GET", self._feed(), params={"q": _search_text(query)}
                                     ).json(self.name)
        if not isinstance(torrents, list):
            raise ProviderBadResponse(f"{self.name}: feed did not answer a list")
        found: list[Candidate] = []
        for torrent in torrents[: self.settings.animetosho_max_torrents]:
            if isinstance(torrent, dict) and "id" in torrent:
                found += self._attachments(torrent["id"], query)
        return found

    def _attachments(self, torrent_id: Any, query: ProviderQuery) -> list[Candidate]:
        detail = self.http.request("GET", self._feed(),
                                   params={"show": "torrent", "id": torrent_id}).json(self.name)
        if not isinstance(detail, dict):
            raise ProviderBadResponse(f"{self.name}: torrent detail is not an object")
        release = parse_release(str(detail.get("title") or ""))
        out: list[Candidate] = []
        for file in detail.get("files") or []:
            for attachment in (file or {}).get("attachments") or []:
                candidate = self._candidate(attachment, file, release, query)
                if candidate is not None:
                    out.append(candidate)
        return out

    def _candidate(self, attachment: Any, file: dict[str, Any], torrent_release: Any,
                   query: ProviderQuery) -> Candidate | None:
        if not isinstance(attachment, dict) or attachment.get("type") != "subtitle":
            return None
        info = attachment.get("info") or {}
        language = _alpha2(info.get("lang"))
        if language is None or "id" not in attachment:
            return None
        file_name = str(file.get("filename") or "")
        release = parse_release(file_name) if file_name else torrent_release
        attach_name = str(attachment.get("filename") or _attachment_name(file_name, info))
        url = (f"{self.settings.animetosho_storage_url.rstrip('/')}/attach/"
               f"{int(attachment['id']):08x}/{quote(attach_name)}.xz")
        return Candidate(
            provider=self.name,
            subtitle_id=str(attachment["id"]),
            language=language,
            title=release.title or query.title,
            format=CODEC_FORMATS.get(str(info.get("codec", "")).lower(), "ass"),
            year=release.year,
            season=release.season if release.season is not None else (
                query.season if release.episode is not None else None),
            episode=release.episode,
            release_name=file_name or None,
            release=release,
            forced=bool(info.get("forced")),
            hearing_impaired="sdh" in str(info.get("name", "")).lower(),
            download_ref={"url": url, "file_name": attach_name + ".xz"},
        )

    def download(self, candidate: Candidate) -> bytes:
        return self.http.request("GET", candidate.download_ref["url"]).body


def _attachment_name(video_name: str, info: dict[str, Any]) -> str:
    """The name AnimeTosho serves a track under: ``<video stem>_track<n>.<lang>.<codec>``."""
    stem = video_name.rsplit(".", 1)[0] if "." in video_name else (video_name or "subtitle")
    codec = str(info.get("codec") or "ass").lower()
    return f"{stem}_track{info.get('tracknum', 0)}.{info.get('lang')}.{codec}"


def _search_text(query: ProviderQuery) -> str:
    if query.media_type == "episode" and query.episode is not None:
        return f"{query.title} {query.episode:02d}"
    return query.title


def _alpha2(code: Any) -> str | None:
    """ISO 639-2 ("eng", "ger") to ISO 639-1 ("en", "de")."""
    if not isinstance(code, str) or not code:
        return None
    code = code.strip().lower()
    if len(code) == 2:
        return code
    from babelfish import Error as BabelfishError, Language  # loaded on first use

    for reader in (Language.fromalpha3b, Language.fromalpha3t):
        try:
            return reader(code).alpha2
        except (BabelfishError, ValueError, KeyError):
            continue
    return None
