"""Profiles as plain values, and the book that says which profile a media file follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping


@dataclass(frozen=True)
class LanguagePref:
    code: str
    hearing_impaired: bool = False
    forced: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "hearing_impaired": self.hearing_impaired,
                "forced": self.forced}


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    languages: tuple[LanguagePref, ...]
    cutoff: bool = False
    is_default: bool = False
    tags: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [pref.code for pref in self.languages]

    def pref(self, code: str) -> LanguagePref | None:
        return next((p for p in self.languages if p.code == code), None)


def kind_of(media_type: str) -> str:
    """Assignments name a series (every episode) or a movie."""
    return "series" if media_type == "episode" else "movie"


@dataclass(frozen=True)
class ProfileBook:
    """A snapshot of every profile and assignment (one per scan; cheap lookups).

    Which profile a file follows: its series/movie assignment, else the first
    profile (lowest id) mapped to one of its Sonarr/Radarr tags, else the default.
    """

    profiles: Mapping[int, Profile]
    default: Profile
    assignments: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def by_tag(self, tags: Iterable[str]) -> Profile | None:
        wanted = {t.casefold() for t in tags}
        if not wanted:
            return None
        for profile_id in sorted(self.profiles):
            profile = self.profiles[profile_id]
            if wanted & {t.casefold() for t in profile.tags}:
                return profile
        return None

    def for_media(self, media_type: str, title: str, tags: Iterable[str] = (),
                  stored_id: int | None = None) -> Profile:
        """``stored_id``: the profile a wanted row was given when its file was listed
        (stands in for the tags, which only a listing knows)."""
        assigned = self.assignments.get((kind_of(media_type), title))
        if assigned is not None and assigned in self.profiles:
            return self.profiles[assigned]
        tagged = self.by_tag(tags)
        if tagged is not None:
            return tagged
        if stored_id is not None and stored_id in self.profiles and self.profiles[stored_id].tags:
            return self.profiles[stored_id]
        return self.default


def fixed_book(codes: list[str]) -> ProfileBook:
    """A book with one default profile of ``codes`` (no database: tools and tests)."""
    profile = Profile(0, "Default", tuple(LanguagePref(c) for c in codes), is_default=True)
    return ProfileBook({0: profile}, profile)
