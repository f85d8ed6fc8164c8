"""Incoming Sonarr/Radarr/Jellyfin webhooks and library endpoints."""

from __future__ import annotations

import logging
from typing import Any, Literal

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field

from sublarr.api.errors import ApiError
from sublarr.api.validation import ApiModel, documented, json_object
from sublarr.library.actions import (
    WebhookAction,
    interpret_jellyfin,
    interpret_radarr,
    interpret_sonarr,
)
from sublarr.library.arr import ArrError
from sublarr.library.payloads import JellyfinPayload, RadarrPayload, SonarrPayload
from sublarr.library.roots import roots_of
from sublarr.library.sources import mappings_of
from sublarr.services import current_services

log = logging.getLogger(__name__)
bp = Blueprint("library", __name__, url_prefix="/api/v1")

INTAKE_COMPONENT = "library_intake"
SOURCES_COMPONENT = "library_sources"
STANDALONE_COMPONENT = "standalone_watcher"
TASKS_COMPONENT = "library_tasks"  # one-worker executor for watcher (re)starts and rescans


class WebhookAnswer(ApiModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["queued", "accepted", "ignored"]
    source: str
    event_type: str
    files: int


def _accept(action: WebhookAction) -> Any:
    services = current_services()
    roots = roots_of(services)
    for path in _work_paths(action):  # OutsideLibraryRoots → 403, nothing queued or emitted
        roots.confine(path)
    services.bus.emit("webhook_received", action.event_payload())
    log.info("webhook %s/%s: %s", action.source, action.event_type, action.title or "-")
    body = {"source": action.source, "event_type": action.event_type,
            "files": len(action.new_files)}
    if action.has_work and not services.components[INTAKE_COMPONENT].submit(action):
        raise ApiError("Sublarr is shutting down; send the webhook again later", status=503,
                       code="shutting_down")
    if action.new_files:
        return jsonify({"status": "queued", **body}), 202
    return jsonify({"status": "accepted" if action.has_work else "ignored", **body}), 200


def _work_paths(action: WebhookAction) -> list[str]:
    """Every local path the webhook would make Sublarr touch."""
    folder = [action.gone_folder] if action.gone_folder else []
    return [*(f.path for f in action.new_files), *action.gone_paths, *folder]


def _mappings() -> list[tuple[str, str]]:
    return mappings_of(current_services().settings.current)


@bp.post("/webhook/sonarr")
@documented("Sonarr webhook (Connect → Webhook); Download/Import queues files (202)",
            body=SonarrPayload, response=WebhookAnswer, tags=["library"])
def sonarr_webhook():  # noqa: ANN201
    payload = SonarrPayload.model_validate(json_object(any_content_type=True))
    return _accept(interpret_sonarr(payload, _mappings()))


@bp.post("/webhook/radarr")
@documented("Radarr webhook (Connect → Webhook); Download/Import queues the file (202)",
            body=RadarrPayload, response=WebhookAnswer, tags=["library"])
def radarr_webhook():  # noqa: ANN201
    payload = RadarrPayload.model_validate(json_object(any_content_type=True))
    return _accept(interpret_radarr(payload, _mappings()))


@bp.post("/webhook/jellyfin")
@documented("Jellyfin webhook plugin; ItemAdded with a Path queues the file (202)",
            body=JellyfinPayload, response=WebhookAnswer, tags=["library"])
def jellyfin_webhook():  # noqa: ANN201
    payload = JellyfinPayload.model_validate_loose(json_object(any_content_type=True))
    return _accept(interpret_jellyfin(payload, _mappings()))


class LibraryStatus(ApiModel):
    sources: dict[str, Any]
    standalone_folders: list[str]
    warnings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Problems the last wanted scan found, each {kind, count, examples (first "
                    "5 paths), hint}; kind files_not_found: files Sonarr/Radarr list that do "
                    "not exist here; kind files_not_answering: files whose probe gave no "
                    "answer within wanted_probe_timeout_seconds (a network share not "
                    "answering?), counted as having no embedded subtitles and probed again "
                    "next scan")


@bp.get("/library/status")
@documented("Last outcome per source (Sonarr/Radarr/folders), with errors",
            response=LibraryStatus, tags=["library"])
def library_status():  # noqa: ANN201
    services = current_services()
    watcher = services.components.get(STANDALONE_COMPONENT)
    health = services.components[SOURCES_COMPONENT].health
    return jsonify({"sources": health.snapshot(), "warnings": health.warnings(),
                    "standalone_folders": watcher.watched if watcher else []})


@bp.post("/library/<any(sonarr, radarr):source>/test")
@documented("Ask Sonarr/Radarr for system/status with the configured URL and key",
            tags=["library"])
def test_arr(source: str):  # noqa: ANN201
    try:
        status = current_services().components[SOURCES_COMPONENT].test_connection(source)
    except ArrError as exc:
        code = 409 if exc.kind == "not_configured" else 502
        raise ApiError(exc.message, exc.as_dict(), status=code,
                       code=f"{source}_{exc.kind}") from exc
    return jsonify({"source": source, "ok": True, "app_name": status.get("appName"),
                    "version": status.get("version")})


@bp.post("/library/standalone/scan")
@documented("Rescan the watched folders now (in the background)", status=202,
            tags=["library"])
def standalone_scan():  # noqa: ANN201
    services = current_services()
    watcher = services.components.get(STANDALONE_COMPONENT)
    if watcher is None or not watcher.watched:
        raise ApiError("no standalone folder is being watched", status=409, code="conflict")
    services.components[TASKS_COMPONENT].submit(watcher.scan)
    return jsonify({"status": "started", "folders": watcher.watched}), 202
