"""Scoring endpoints: /scoring/weights and /scoring/modifiers.

Every change invalidates the ranker's weight cache before the answer goes
out, so the next search ranks with the new values.
"""

from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, create_model

from sublarr.api.errors import NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, documented, json_object, parse_body, parse_query
from sublarr.scoring import repo as scoring_repo
from sublarr.providers.lifecycle import RANKER_COMPONENT
from sublarr.providers.ranking import Ranker
from sublarr.scoring.scores import DEFAULT_WEIGHTS, SCORE_TYPES, merge_weights
from sublarr.providers.settings import KNOWN_PROVIDERS
from sublarr.services import Services, current_services

bp = Blueprint("scoring", __name__, url_prefix="/api/v1")

MAX_WEIGHT = 100_000
MAX_MODIFIER = 10_000


def _weights_model(score_type: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        key: (Optional[StrictInt], Field(None, ge=0, le=MAX_WEIGHT))
        for key in DEFAULT_WEIGHTS[score_type]}
    return create_model(f"{score_type.capitalize()}Weights",
                        __config__=ConfigDict(extra="forbid"), **fields)


EpisodeWeights = _weights_model("episode")
MovieWeights = _weights_model("movie")


class WeightsChange(ApiModel):
    """A partial update: only the given keys change; a key sent as null goes back to its
    default."""

    model_config = ConfigDict(extra="forbid")
    episode: Optional[EpisodeWeights] = None  # type: ignore[valid-type]
    movie: Optional[MovieWeights] = None  # type: ignore[valid-type]


class WeightValue(ApiModel):
    value: int
    default: int
    customized: bool


class WeightsView(ApiModel):
    episode: dict[str, WeightValue]
    movie: dict[str, WeightValue]


class ResetQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")
    score_type: Optional[str] = Field(None, pattern="^(episode|movie)$")


class ModifiersChange(RootModel[dict[str, StrictInt]]):
    """Provider name → score bonus (negative for a malus)."""


class ModifierValue(ApiModel):
    value: int
    default: int


class ModifiersView(ApiModel):
    modifiers: dict[str, ModifierValue]


def _ranker(services: Services) -> Ranker:
    return services.components[RANKER_COMPONENT]


def _weights_view(services: Services) -> dict[str, Any]:
    with services.db.session() as session:
        stored = scoring_repo.load_weights(session)
    merged = merge_weights(stored)
    return {
        score_type: {
            key: {"value": merged[score_type][key], "default": default,
                  "customized": merged[score_type][key] != default}
            for key, default in DEFAULT_WEIGHTS[score_type].items()}
        for score_type in SCORE_TYPES}


def _modifiers_view(services: Services) -> dict[str, Any]:
    with services.db.session() as session:
        stored = scoring_repo.load_modifiers(session)
    return {"modifiers": {name: {"value": stored.get(name, 0), "default": 0}
                          for name in KNOWN_PROVIDERS}}


@bp.get("/scoring/weights")
@documented("Scoring weights per score type, each with its default", response=WeightsView,
            tags=["scoring"])
def get_weights():  # noqa: ANN201
    return jsonify(_weights_view(current_services()))


@bp.put("/scoring/weights")
@documented("Change some weights (non-negative integers, null = back to the default); "
            "effective at once",
            body=WeightsChange, response=WeightsView, tags=["scoring"])
def put_weights():  # noqa: ANN201
    services = current_services()
    change = parse_body(WeightsChange)
    nulls = sorted(t for t in change.model_fields_set if getattr(change, t) is None)
    if nulls:
        raise UnprocessableError(
            f"{', '.join(nulls)} must be an object of weights; to reset a whole score type "
            "use DELETE /scoring/weights?score_type=…",
            [{"loc": [t], "msg": "must be an object"} for t in nulls])
    parts = {t: part for t in SCORE_TYPES if (part := getattr(change, t)) is not None}
    values = {t: {k: v for k, v in part.model_dump().items() if v is not None}
              for t, part in parts.items()}
    resets = {t: [k for k in part.model_fields_set if getattr(part, k) is None]
              for t, part in parts.items()}
    with services.db.session() as session:
        scoring_repo.save_weights(session, values)
        for score_type, keys in resets.items():
            if keys:
                scoring_repo.reset_weights(session, score_type, keys)
    _ranker(services).cache.invalidate()
    return jsonify(_weights_view(services))


@bp.delete("/scoring/weights")
@documented("Reset weights to the defaults (all, or ?score_type=episode|movie)",
            query=ResetQuery, response=WeightsView, tags=["scoring"])
def delete_weights():  # noqa: ANN201
    services = current_services()
    query = parse_query(ResetQuery)
    with services.db.session() as session:
        scoring_repo.reset_weights(session, query.score_type)
    _ranker(services).cache.invalidate()
    return jsonify(_weights_view(services))


@bp.get("/scoring/modifiers")
@documented("Per-provider score modifiers", response=ModifiersView, tags=["scoring"])
def get_modifiers():  # noqa: ANN201
    return jsonify(_modifiers_view(current_services()))


@bp.put("/scoring/modifiers")
@documented("Set provider modifiers, e.g. {\"jimaku\": 30, \"subdl\": -10}",
            body=ModifiersChange, response=ModifiersView, tags=["scoring"])
def put_modifiers():  # noqa: ANN201
    services = current_services()
    changes = ModifiersChange.model_validate(json_object()).root
    unknown = sorted(set(changes) - set(KNOWN_PROVIDERS))
    if unknown:
        raise UnprocessableError("unknown provider(s)", {"unknown": unknown,
                                                         "known": list(KNOWN_PROVIDERS)})
    too_big = sorted(k for k, v in changes.items() if abs(v) > MAX_MODIFIER)
    if too_big:
        raise UnprocessableError(f"modifiers must be within ±{MAX_MODIFIER}", {"keys": too_big})
    with services.db.session() as session:
        scoring_repo.save_modifiers(session, changes)
    _ranker(services).cache.invalidate()
    return jsonify(_modifiers_view(services))


@bp.delete("/scoring/modifiers/<provider>")
@documented("Reset one provider's modifier to 0", response=ModifiersView, tags=["scoring"])
def delete_modifier(provider: str):  # noqa: ANN201
    services = current_services()
    if provider not in KNOWN_PROVIDERS:
        raise NotFoundError(f"unknown provider {provider!r}")
    with services.db.session() as session:
        scoring_repo.reset_modifier(session, provider)
    _ranker(services).cache.invalidate()
    return jsonify(_modifiers_view(services))
