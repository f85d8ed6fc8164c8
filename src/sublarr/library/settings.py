"""Settings of the library subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sublarr.settings_base import secret


class PathMapping(BaseModel):
    """A path as Sonarr/Radarr see it (``remote``) and as Sublarr sees it (``local``)."""

    model_config = ConfigDict(extra="forbid")

    remote: str = Field(min_length=1, max_length=4096)
    local: str = Field(min_length=1, max_length=4096)


class LibrarySettings(BaseModel):
    """Settings owned by the library subsystem. Keys are flat and prefixed by topic."""

    sonarr_url: str = Field("", max_length=2048, description="e.g. http://sonarr:8989 (empty: off)")
    sonarr_api_key: str = secret("", endpoint="sonarr_url",
                                 description="Sonarr → Settings → General → API Key")
    radarr_url: str = Field("", max_length=2048, description="e.g. http://radarr:7878 (empty: off)")
    radarr_api_key: str = secret("", endpoint="radarr_url",
                                 description="Radarr → Settings → General → API Key")
    arr_timeout_seconds: float = Field(15.0, ge=1, le=300,
                                       description="Timeout of one Sonarr/Radarr API call")
    path_mappings: list[PathMapping] = Field(
        default_factory=list,
        description="Remote (Sonarr/Radarr) path prefixes and the local paths they map to")
    standalone_folders: list[str] = Field(
        default_factory=list, description="Folders watched for media without Sonarr/Radarr")
    library_roots: list[str] = Field(
        default_factory=list,
        description=("Folders Sublarr may read media and subtitles from and write subtitles "
                     "to, besides standalone_folders and the Sonarr/Radarr root folders "
                     "(after path_mappings); anything outside them is refused"))
    standalone_debounce_seconds: float = Field(
        3.0, ge=0.05, le=600,
        description="A new file counts once its size stayed the same this long (still copying)")

    @field_validator("library_roots")
    @classmethod
    def _absolute_roots(cls, value: list[str]) -> list[str]:
        for root in value:
            if "\0" in root or not os.path.isabs(root):
                raise ValueError(f"library roots must be absolute paths: {root!r}")
        return value
