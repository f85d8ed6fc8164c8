"""Sonarr (v3/v4) and Radarr (v3+) API clients: list media files with local paths."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

from sublarr.library.languages import parse_language_list
from sublarr.library.media import MediaFile, map_path
from sublarr.library.series_cache import series_fingerprint

if TYPE_CHECKING:  # the cache's database is only needed where it is passed in
    import requests

    from sublarr.library.series_cache import SeriesCache

log = logging.getLogger(__name__)

ErrorKind = Literal["not_configured", "unreachable", "unauthorized", "server_error",
                    "bad_response"]
Mappings = list[tuple[str, str]]


class ArrError(Exception):
    """Sonarr/Radarr could not be asked (down, wrong key, broken answer)."""

    def __init__(self, source: str, kind: ErrorKind, message: str,
                 status_code: int | None = None) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.kind = kind
        self.message = message
        self.status_code = status_code

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "message": self.message,
                "status_code": self.status_code}


@dataclass(frozen=True)
class ArrConnection:
    """Where one *arr instance lives and how long to wait for it."""

    source: Literal["sonarr", "radarr"]
    url: str
    api_key: str
    timeout: float = 15.0

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_key)


class ArrClient:
    """GET JSON from one *arr instance over a pooled session; typed errors."""

    def __init__(self, connection: ArrConnection, session: requests.Session) -> None:
        self.connection = connection
        self._session = session

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        conn = self.connection
        if not conn.configured:
            raise ArrError(conn.source, "not_configured", "URL or API key not set")
        url = conn.url.rstrip("/") + path
        import requests  # loaded with the session, on the first call out

        try:
            response = self._session.get(url, params=params, timeout=conn.timeout,
                                         headers={"X-Api-Key": conn.api_key,
                                                  "Accept": "application/json"})
        except requests.RequestException as exc:
            raise ArrError(conn.source, "unreachable",
                           f"cannot reach {conn.url}: {type(exc).__name__}") from exc
        return _decoded(conn.source, response)

    def system_status(self) -> dict[str, Any]:
        status = self.get("/api/v3/system/status")
        if not isinstance(status, dict):
            raise ArrError(self.connection.source, "bad_response", "system/status is not an object")
        return status

    def tag_labels(self) -> dict[int, str]:
        """``/api/v3/tag`` as id → label; empty when the instance does not answer it
        (tags only choose language profiles, they never fail a listing)."""
        try:
            tags = _objects(self.get("/api/v3/tag"))
        except ArrError:
            return {}
        return {t["id"]: str(t.get("label") or "") for t in tags if isinstance(t.get("id"), int)}

    def root_folders(self) -> list[str]:
        """The paths of ``/api/v3/rootfolder`` (as this instance sees them)."""
        return [item["path"] for item in _objects(self.get("/api/v3/rootfolder"))
                if isinstance(item.get("path"), str) and item["path"]]


def _decoded(source: str, response: requests.Response) -> Any:
    code = response.status_code
    if code in (401, 403):
        raise ArrError(source, "unauthorized", f"API key refused (HTTP {code})", code)
    if code >= 500:
        raise ArrError(source, "server_error", f"server error (HTTP {code})", code)
    if code >= 400:
        raise ArrError(source, "bad_response", f"unexpected HTTP {code}", code)
    try:
        return response.json()
    except ValueError as exc:
        raise ArrError(source, "bad_response", "answer is not JSON", code) from exc


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _subtitle_languages(file: dict[str, Any]) -> frozenset[str] | None:
    info = file.get("mediaInfo")
    if not isinstance(info, dict) or "subtitles" not in info:
        return None
    return parse_language_list(info.get("subtitles"))


class SonarrClient(ArrClient):
    """Series, episodes and episode files of a Sonarr v3/v4."""

    series_read = 0  # series asked for their files by the last media_files call
    series_reused = 0  # series taken from the cache instead
    series_total = 0  # series the last /series answer listed

    def media_files(self, mappings: Mappings, cache: SeriesCache | None = None,
                    present: Callable[[list[MediaFile]], bool] | None = None,
                    ) -> list[MediaFile]:
        """Every episode file (see :meth:`series_listings`)."""
        return [media for _series_id, files, _gone in self.series_listings(mappings, cache,
                                                                            present)
                for media in files]

    def series_listings(self, mappings: Mappings, cache: SeriesCache | None = None,
                        present: Callable[[list[MediaFile]], bool] | None = None,
                        ) -> Iterator[tuple[int, list[MediaFile], list[str]]]:
        """(series id, episode files, paths it had at the last read and has no more) a
        series at a time.  With ``cache``, a series whose fingerprint is unchanged (and
        whose kept files ``present`` still finds) is not asked for again; each series
        read is kept at once, and series Sonarr no longer lists are forgotten once the
        whole listing went through."""
        all_series = _objects(self.get("/api/v3/series"))
        labels = self.tag_labels() if any(s.get("tags") for s in all_series) else {}
        known = cache.fingerprints("sonarr") if cache is not None else {}
        listed: set[int] = set()
        self.series_reused = self.series_read = 0
        self.series_total = sum(1 for s in all_series if _int(s.get("id")) is not None)
        for series in all_series:
            series_id = _int(series.get("id"))
            if series_id is None:
                continue
            listed.add(series_id)
            fingerprint = series_fingerprint(series, mappings, labels) if cache else None
            if cache is not None and fingerprint is not None \
                    and known.get(series_id) == fingerprint:
                kept = cache.files("sonarr", series_id)
                if kept is not None and (present is None or present(kept)):
                    self.series_reused += 1
                    yield series_id, kept, []
                    continue
            found = self.series_files(series, mappings, labels)
            self.series_read += 1
            gone: list[str] = []
            if cache is not None and series_id in known:
                listed_now = {media.path for media in found}
                gone = [media.path for media in cache.files("sonarr", series_id) or []
                        if media.path not in listed_now]
            if cache is not None and fingerprint is not None:
                cache.store("sonarr", {series_id: (fingerprint, found)})
            yield series_id, found, gone
        if cache is not None:
            cache.forget_others("sonarr", listed)

    def series_files(self, series: dict[str, Any], mappings: Mappings,
                     labels: dict[int, str] | None = None) -> list[MediaFile]:
        series_id = series["id"]
        episode_files = _objects(self.get("/api/v3/episodefile", {"seriesId": series_id}))
        if not episode_files:
            return []
        episodes = _objects(self.get("/api/v3/episode", {"seriesId": series_id}))
        return sonarr_media_files(series, episodes, episode_files, mappings, labels)


def sonarr_media_files(series: dict[str, Any], episodes: Iterable[dict[str, Any]],
                       episode_files: Iterable[dict[str, Any]],
                       mappings: Mappings, labels: dict[int, str] | None = None) -> list[MediaFile]:
    """Join Sonarr's episodes to their files (one file may hold several episodes)."""
    first_episode: dict[int, dict[str, Any]] = {}
    for episode in episodes:
        file_id = _int(episode.get("episodeFileId"))
        if not file_id:
            continue
        known = first_episode.get(file_id)
        if known is None or (_int(episode.get("episodeNumber")) or 0) < (
                _int(known.get("episodeNumber")) or 0):
            first_episode[file_id] = episode
    title = str(series.get("title") or "")
    tags = _tags(series, labels)
    files = []
    for file in episode_files:
        path = file.get("path")
        if not isinstance(path, str) or not path:
            continue
        episode = first_episode.get(_int(file.get("id")) or -1, {})
        season = _int(episode.get("seasonNumber"))
        files.append(MediaFile(
            path=map_path(path, mappings), media_type="episode",
            title=title or path, source="sonarr", year=_int(series.get("year")),
            season=season if season is not None else _int(file.get("seasonNumber")),
            episode=_int(episode.get("episodeNumber")),
            embedded_languages=_subtitle_languages(file), tags=tags))
    return files


class RadarrClient(ArrClient):
    """Movies (with their file) of a Radarr v3+."""

    def media_files(self, mappings: Mappings) -> list[MediaFile]:
        movies = _objects(self.get("/api/v3/movie"))
        labels = self.tag_labels() if any(m.get("tags") for m in movies) else {}
        return radarr_media_files(movies, mappings, labels)


def _tags(item: dict[str, Any], labels: dict[int, str] | None) -> frozenset[str]:
    """Tag labels of a series/movie (the API lists tag ids)."""
    ids = item.get("tags")
    if not isinstance(ids, list) or not labels:
        return frozenset()
    return frozenset(labels[i] for i in ids if isinstance(i, int) and labels.get(i))


def radarr_media_files(movies: Iterable[dict[str, Any]], mappings: Mappings,
                       labels: dict[int, str] | None = None) -> list[MediaFile]:
    files = []
    for movie in movies:
        file = movie.get("movieFile")
        if not isinstance(file, dict):
            continue
        path = file.get("path")
        if not isinstance(path, str) or not path:
            continue
        files.append(MediaFile(
            path=map_path(path, mappings), media_type="movie",
            title=str(movie.get("title") or path), source="radarr",
            year=_int(movie.get("year")), embedded_languages=_subtitle_languages(file),
            tags=_tags(movie, labels)))
    return files

