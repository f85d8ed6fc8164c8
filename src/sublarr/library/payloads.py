"""Incoming webhook bodies of Sonarr (v3/v4), Radarr (v3+) and the Jellyfin webhook plugin.

Models ignore fields they do not know (new app versions add some) and bound
every string, so a hostile body fails validation instead of reaching events.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from sublarr.api.validation import ApiModel

Text = Annotated[str, StringConstraints(max_length=4096)]
Short = Annotated[str, StringConstraints(max_length=200)]
Number = Annotated[int, Field(ge=-1, le=1_000_000)]


class Loose(ApiModel):
    model_config = ConfigDict(extra="ignore")


class MediaInfo(Loose):
    subtitles: list[Short] | Text | None = None


class ArrFile(Loose):
    """An episode or movie file (``episodeFile``, ``movieFile``, ``deletedFiles[]``)."""

    id: int | None = None
    path: Text | None = None
    relativePath: Text | None = None
    previousPath: Text | None = None  # renamed files only
    sceneName: Text | None = None
    releaseGroup: Text | None = None
    mediaInfo: MediaInfo | None = None


class SonarrSeries(Loose):
    id: int | None = None
    title: Text | None = None
    path: Text | None = None
    year: Number | None = None
    type: Short | None = None
    tags: list[Any] | None = Field(None, max_length=1000)  # labels (v4); ids are ignored


class SonarrEpisode(Loose):
    id: int | None = None
    episodeNumber: Number | None = None
    seasonNumber: Number | None = None
    absoluteEpisodeNumber: Number | None = None
    episodeFileId: int | None = None
    title: Text | None = None


class ArrPayload(Loose):
    eventType: Short
    instanceName: Text | None = None
    isUpgrade: bool = False
    # A list of replaced files on Download; a bool ("files deleted too") on
    # SeriesDelete/MovieDelete.
    deletedFiles: list[ArrFile] | bool | None = None


class SonarrPayload(ArrPayload):
    series: SonarrSeries | None = None
    episodes: list[SonarrEpisode] = Field(default_factory=list, max_length=10_000)
    episodeFile: ArrFile | None = None
    episodeFiles: list[ArrFile] = Field(default_factory=list, max_length=10_000)
    renamedEpisodeFiles: list[ArrFile] = Field(default_factory=list, max_length=10_000)


class RadarrMovie(Loose):
    id: int | None = None
    title: Text | None = None
    year: Number | None = None
    folderPath: Text | None = None
    tags: list[Any] | None = Field(None, max_length=1000)  # labels (v4); ids are ignored


def tag_labels(tags: list[Any] | None) -> frozenset[str]:
    """The tag labels a webhook names (older versions send ids: those say nothing)."""
    return frozenset(t[:200] for t in tags or () if isinstance(t, str) and t.strip())


class RadarrPayload(ArrPayload):
    movie: RadarrMovie | None = None
    movieFile: ArrFile | None = None
    renamedMovieFiles: list[ArrFile] = Field(default_factory=list, max_length=10_000)


def _loose_int(value: Any) -> Any:
    """Jellyfin templates render numbers as numbers or text ("05")."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if stripped.isdigit():
            return int(stripped)
    return value


class JellyfinPayload(Loose):
    """The jellyfin-plugin-webhook default template (plus an optional path field)."""

    NotificationType: Short
    ItemType: Short | None = None
    Name: Text | None = None
    SeriesName: Text | None = None
    SeasonNumber: Number | None = None
    EpisodeNumber: Number | None = None
    Year: Number | None = None
    ItemId: Short | None = None
    Path: Text | None = None
    ItemPath: Text | None = None

    @classmethod
    def model_validate_loose(cls, body: dict[str, Any]) -> "JellyfinPayload":
        cleaned = dict(body)
        for key in ("SeasonNumber", "EpisodeNumber", "Year"):
            if key in cleaned:
                cleaned[key] = _loose_int(cleaned[key])
        return cls.model_validate(cleaned)
