"""Health, settings, the event catalog, the OpenAPI document and metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from pydantic import RootModel

from sublarr import __version__
from sublarr.api.openapi import build_openapi
from sublarr.api.validation import ApiModel, documented, json_object
from sublarr.config import env_overridden_keys, public_view
from sublarr.events.catalog import describe_catalog
from sublarr.services import current_services

bp = Blueprint("system", __name__, url_prefix="/api/v1")
metrics_bp = Blueprint("metrics", __name__)


class Health(ApiModel):
    status: str
    version: str


class ConfigView(ApiModel):
    settings: dict[str, Any]
    env_overridden: list[str]


class ConfigChange(RootModel[dict[str, Any]]):
    """Setting names and their new values (partial update)."""


class ConfigChanged(ApiModel):
    updated_keys: list[str]
    settings: dict[str, Any]


@bp.get("/health")
@documented("Liveness: no API key needed", response=Health, public=True, tags=["system"])
def health():  # noqa: ANN201
    return jsonify({"status": "ok", "version": __version__})


@bp.get("/config")
@documented("Current settings (secrets and passwords inside URLs masked)", response=ConfigView,
            tags=["config"])
def get_config():  # noqa: ANN201
    store = current_services().settings
    return jsonify({"settings": public_view(store.current),
                    "env_overridden": env_overridden_keys()})


@bp.put("/config")
@documented("Change settings; emits config_updated with the key names. A new endpoint URL "
            "forgets the secrets sent to it unless this request sends them again",
            body=ConfigChange, response=ConfigChanged, tags=["config"])
def put_config():  # noqa: ANN201
    services = current_services()
    changes = json_object()
    updated = services.settings.update(changes)
    if updated:
        services.bus.emit("config_updated", {"updated_keys": updated})
    return jsonify({"updated_keys": updated, "settings": public_view(services.settings.current)})


@bp.get("/events/catalog")
@documented("Every event: name, label, description, version, JSON Schema, example",
            tags=["events"])
def events_catalog():  # noqa: ANN201
    return jsonify({"events": describe_catalog()})


@bp.get("/openapi.json")
@documented("This document", public=True, tags=["system"])
def openapi():  # noqa: ANN201
    return jsonify(build_openapi(current_app))


@metrics_bp.get("/metrics")
@documented("Prometheus metrics (no API key)", public=True, tags=["system"])
def metrics():  # noqa: ANN201
    body = current_services().metrics.render()
    return Response(body, mimetype="text/plain; version=0.0.4")
