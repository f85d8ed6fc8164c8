"""Language profile endpoints: CRUD, series/movie assignments."""

from __future__ import annotations

from typing import Literal, Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field, field_validator

from sublarr.api.errors import ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, RowId, documented, parse_body
from sublarr.profiles import repo
from sublarr.profiles.book import LanguagePref
from sublarr.profiles.codes import is_known
from sublarr.profiles.service import PROFILES_COMPONENT, ProfileService
from sublarr.services import current_services

bp = Blueprint("profiles", __name__, url_prefix="/api/v1")


class Strict(ApiModel):
    model_config = ConfigDict(extra="forbid")


class LanguageIn(Strict):
    code: str = Field(min_length=2, max_length=2, description="ISO 639-1 code, e.g. 'ja'")
    hearing_impaired: bool = Field(False, description="Prefer hearing-impaired subtitles")
    forced: bool = Field(False, description="Want a forced (foreign parts only) subtitle")

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        code = value.strip().lower()
        if not is_known(code):
            raise ValueError(f"{value!r} is not an ISO 639-1 language code")
        return code


class ProfileIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    languages: list[LanguageIn] = Field(min_length=1, max_length=50,
                                        description="Wanted languages, most wanted first")
    cutoff: bool = Field(False, description=(
        "Once a subtitle in the first language exists, stop searching the other languages "
        "and stop upgrading"))
    default: bool = Field(False, description="Make this the profile of everything unassigned")
    tags: list[str] = Field(default_factory=list, max_length=50, description=(
        "Sonarr/Radarr tag labels: a series/movie with one of them follows this profile"))

    @field_validator("languages")
    @classmethod
    def _unique(cls, value: list[LanguageIn]) -> list[LanguageIn]:
        codes = [lang.code for lang in value]
        if len(set(codes)) != len(codes):
            raise ValueError("a language may appear only once in a profile")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        cleaned = [t.strip() for t in value if t.strip()]
        if any(len(t) > 100 for t in cleaned):
            raise ValueError("a tag is at most 100 characters")
        return list(dict.fromkeys(cleaned))


class LanguageOut(ApiModel):
    code: str
    hearing_impaired: bool
    forced: bool


class ProfileOut(ApiModel):
    id: int
    name: str
    languages: list[LanguageOut]
    cutoff: bool
    default: bool
    tags: list[str]


class ProfileList(ApiModel):
    profiles: list[ProfileOut]


class AssignmentIn(Strict):
    kind: Literal["series", "movie"]
    title: str = Field(min_length=1, max_length=2000,
                       description="Series title (episodes) or movie title, as the wanted list shows it")
    profile_id: Optional[RowId] = Field(description="null: follow the tags or the default again")


class AssignmentOut(ApiModel):
    kind: str
    title: str
    profile_id: int
    profile_name: Optional[str]


class AssignmentList(ApiModel):
    assignments: list[AssignmentOut]


def _service() -> ProfileService:
    return current_services().components[PROFILES_COMPONENT]


@bp.get("/language-profiles")
@documented("Every language profile (the default one marked)", response=ProfileList,
            tags=["profiles"])
def list_profiles():  # noqa: ANN201
    with current_services().db.session() as session:
        return jsonify({"profiles": [repo.as_dict(p) for p in repo.list_profiles(session)]})


@bp.get("/language-profiles/<int:profile_id>")
@documented("One language profile", response=ProfileOut, tags=["profiles"])
def get_profile(profile_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        row = repo.get_row(session, profile_id)
        if row is None:
            raise NotFoundError(f"language profile {profile_id} not found")
        return jsonify(repo.as_dict(repo.to_profile(row)))


def _save(profile_id: int | None) -> dict:
    body = parse_body(ProfileIn)
    prefs = [LanguagePref(lang.code, lang.hearing_impaired, lang.forced) for lang in body.languages]
    with current_services().db.session() as session:
        row = None
        if profile_id is not None:
            row = repo.get_row(session, profile_id)
            if row is None:
                raise NotFoundError(f"language profile {profile_id} not found")
            if row.is_default and not body.default:
                raise UnprocessableError("this is the default profile: make another profile "
                                         "the default instead", {"field": "default"})
        if repo.name_taken(session, body.name, profile_id):
            raise ConflictError(f"a profile named {body.name!r} exists", code="name_taken")
        saved = repo.save(session, row, body.name, prefs, body.cutoff, body.tags, body.default)
    service = _service()
    if saved.is_default:
        service.write_back(saved.codes)
    service.changed()
    return repo.as_dict(saved)


@bp.post("/language-profiles")
@documented("Create a language profile (422: no language, an unknown or repeated code); "
            "the wanted list is recomputed at once", body=ProfileIn, response=ProfileOut,
            status=201, tags=["profiles"])
def create_profile():  # noqa: ANN201
    return jsonify(_save(None)), 201


@bp.put("/language-profiles/<int:profile_id>")
@documented("Replace a language profile; the wanted list is recomputed at once. Editing the "
            "default profile's languages also sets wanted_languages", body=ProfileIn,
            response=ProfileOut, tags=["profiles"])
def update_profile(profile_id: int):  # noqa: ANN201
    return jsonify(_save(profile_id))


@bp.delete("/language-profiles/<int:profile_id>")
@documented("Delete a language profile: 409 profile_in_use while a series/movie is assigned "
            "to it (reassign first), 409 profile_is_default for the default", status=204,
            tags=["profiles"])
def delete_profile(profile_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        row = repo.get_row(session, profile_id)
        if row is None:
            raise NotFoundError(f"language profile {profile_id} not found")
        if row.is_default:
            raise ConflictError("the default profile cannot be deleted; make another profile "
                                "the default first", code="profile_is_default")
        assigned = repo.assignment_count(session, profile_id)
        if assigned:
            raise ConflictError(f"{assigned} series/movie(s) are assigned to this profile; "
                                "assign them elsewhere first", {"assignments": assigned},
                                code="profile_in_use")
        repo.delete(session, row)
    _service().changed()
    return "", 204


@bp.get("/language-profiles/assignments")
@documented("Series and movies assigned to a profile", response=AssignmentList,
            tags=["profiles"])
def list_assignments():  # noqa: ANN201
    with current_services().db.session() as session:
        return jsonify({"assignments": repo.list_assignments(session)})


@bp.put("/language-profiles/assignments")
@documented("Assign a series or movie to a profile (profile_id null removes the assignment); "
            "the wanted list is recomputed at once", body=AssignmentIn,
            response=AssignmentList, tags=["profiles"])
def put_assignment():  # noqa: ANN201
    body = parse_body(AssignmentIn)
    with current_services().db.session() as session:
        if body.profile_id is not None and repo.get_row(session, body.profile_id) is None:
            raise UnprocessableError(f"language profile {body.profile_id} does not exist",
                                     {"field": "profile_id"})
        repo.assign(session, body.kind, body.title, body.profile_id)
    _service().changed()
    with current_services().db.session() as session:
        return jsonify({"assignments": repo.list_assignments(session)})
