"""What an incoming webhook means for Sublarr (pure: payload in, action out)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sublarr.library.languages import parse_language_list
from sublarr.library.media import MediaFile, Source, is_video, map_path, quick_guess
from sublarr.library.payloads import (
    ArrFile,
    JellyfinPayload,
    RadarrPayload,
    SonarrEpisode,
    SonarrPayload,
    tag_labels,
)

Mappings = list[tuple[str, str]]
IMPORT_EVENTS = frozenset({"Download", "ImportComplete", "EpisodeFileImport", "MovieFileImport"})
FILE_DELETE_EVENTS = frozenset({"EpisodeFileDelete", "MovieFileDelete"})
FOLDER_DELETE_EVENTS = frozenset({"SeriesDelete", "MovieDelete"})


@dataclass
class WebhookAction:
    """The event to report and the library changes to queue."""

    source: Source
    event_type: str
    title: str | None = None
    media_path: str | None = None
    new_files: list[MediaFile] = field(default_factory=list)
    gone_paths: list[str] = field(default_factory=list)
    gone_folder: str | None = None

    @property
    def has_work(self) -> bool:
        return bool(self.new_files or self.gone_paths or self.gone_folder)

    def event_payload(self) -> dict[str, str | None]:
        return {"source": self.source, "event_type": self.event_type, "title": self.title,
                "media_path": self.media_path}


def _embedded(file: ArrFile) -> frozenset[str] | None:
    if file.mediaInfo is None or file.mediaInfo.subtitles is None:
        return None
    return parse_language_list(file.mediaInfo.subtitles)


def _paths(files: list[ArrFile], mappings: Mappings) -> list[str]:
    return [map_path(f.path, mappings) for f in files if f.path]


def _renamed(files: list[ArrFile], mappings: Mappings) -> tuple[list[ArrFile], list[str]]:
    current = [f for f in files if f.path]
    previous = [map_path(f.previousPath, mappings) for f in files if f.previousPath]
    return current, previous


def _episode_for(file: ArrFile, episodes: list[SonarrEpisode], single: bool) -> SonarrEpisode | None:
    if file.id is not None:
        for episode in episodes:
            if episode.episodeFileId == file.id:
                return episode
    return episodes[0] if single and episodes else None


def interpret_sonarr(payload: SonarrPayload, mappings: Mappings) -> WebhookAction:
    series = payload.series
    title = series.title if series else None
    action = WebhookAction("sonarr", payload.eventType, title)
    event = payload.eventType
    files: list[ArrFile] = []
    if event in IMPORT_EVENTS:
        files = [f for f in [payload.episodeFile, *payload.episodeFiles] if f and f.path]
        if isinstance(payload.deletedFiles, list):  # an upgrade replaced these
            action.gone_paths = _paths(payload.deletedFiles, mappings)
    elif event == "Rename":
        files, action.gone_paths = _renamed(payload.renamedEpisodeFiles, mappings)
    elif event in FILE_DELETE_EVENTS and payload.episodeFile and payload.episodeFile.path:
        action.gone_paths = _paths([payload.episodeFile], mappings)
    elif event in FOLDER_DELETE_EVENTS and series and series.path:
        action.gone_folder = map_path(series.path, mappings)
    seen: set[str] = set()
    for file in files:
        path = map_path(file.path or "", mappings)
        if path in seen or not is_video(path):
            continue
        seen.add(path)
        episode = _episode_for(file, payload.episodes, single=len(files) == 1)
        guess = quick_guess(path)
        action.new_files.append(MediaFile(
            path=path, media_type="episode", title=title or guess.title, source="sonarr",
            year=series.year if series else None,
            season=episode.seasonNumber if episode else guess.season,
            episode=episode.episodeNumber if episode else guess.episode,
            embedded_languages=_embedded(file), tags=tag_labels(series.tags if series else None)))
    action.media_path = _first_path(action)
    return action


def interpret_radarr(payload: RadarrPayload, mappings: Mappings) -> WebhookAction:
    movie = payload.movie
    title = movie.title if movie else None
    action = WebhookAction("radarr", payload.eventType, title)
    event = payload.eventType
    files: list[ArrFile] = []
    if event in IMPORT_EVENTS:
        files = [payload.movieFile] if payload.movieFile and payload.movieFile.path else []
        if isinstance(payload.deletedFiles, list):
            action.gone_paths = _paths(payload.deletedFiles, mappings)
    elif event == "Rename":
        files, action.gone_paths = _renamed(payload.renamedMovieFiles, mappings)
    elif event in FILE_DELETE_EVENTS and payload.movieFile and payload.movieFile.path:
        action.gone_paths = _paths([payload.movieFile], mappings)
    elif event in FOLDER_DELETE_EVENTS and movie and movie.folderPath:
        action.gone_folder = map_path(movie.folderPath, mappings)
    for file in files:
        path = map_path(file.path or "", mappings)
        if not is_video(path):
            continue  # only video files get wanted rows (and subtitles beside them)
        action.new_files.append(MediaFile(
            path=path, media_type="movie", title=title or quick_guess(path).title,
            source="radarr", year=movie.year if movie else None,
            embedded_languages=_embedded(file), tags=tag_labels(movie.tags if movie else None)))
    action.media_path = _first_path(action)
    return action


def interpret_jellyfin(payload: JellyfinPayload, mappings: Mappings) -> WebhookAction:
    kind = (payload.ItemType or "").lower()
    title = payload.SeriesName or payload.Name
    action = WebhookAction("jellyfin", payload.NotificationType, title)
    raw_path = payload.Path or payload.ItemPath
    if raw_path:
        action.media_path = map_path(raw_path, mappings)
    if payload.NotificationType == "ItemAdded" and action.media_path and kind in (
            "episode", "movie") and is_video(action.media_path):
        action.new_files.append(MediaFile(
            path=action.media_path, media_type="episode" if kind == "episode" else "movie",
            title=title or quick_guess(action.media_path).title, source="jellyfin",
            year=payload.Year, season=payload.SeasonNumber if kind == "episode" else None,
            episode=payload.EpisodeNumber if kind == "episode" else None))
    return action


def _first_path(action: WebhookAction) -> str | None:
    if action.new_files:
        return action.new_files[0].path
    if action.gone_paths:
        return action.gone_paths[0]
    return action.gone_folder
