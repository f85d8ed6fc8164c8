"""Delivery insight per subscriber: ``GET /webhooks/<id>/stats``, ``GET /hooks/<id>/stats``,
``GET /notifications/<id>/stats``.

Success rate and latency percentiles over the last 24 h or 7 d, from the run
log (hook_log), so they cover what its retention keeps.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict

from sublarr.api.errors import NotFoundError
from sublarr.api.validation import ApiModel, MAX_ROW_ID, documented, parse_query
from sublarr.db import hook_log
from sublarr.db.base import utcnow
from sublarr.events.hooks import repo as hook_configs
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.services import current_services

bp = Blueprint("subscriber_stats", __name__, url_prefix="/api/v1")

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


class StatsQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")

    window: Literal["24h", "7d"] = "24h"


class Latency(ApiModel):
    p50: Optional[int]
    p95: Optional[int]


class Stats(ApiModel):
    window: str
    attempts: int
    successes: int
    success_rate: Optional[float]
    latency_ms: Latency


def _stats(hook_type: str, subscriber_id: int, exists) -> dict:  # noqa: ANN001
    query = parse_query(StatsQuery)
    with current_services().db.session() as session:
        if subscriber_id > MAX_ROW_ID or exists(session, subscriber_id) is None:
            kind = "hook" if hook_type == "script" else hook_type
            raise NotFoundError(f"{kind} {subscriber_id} not found")
        found = hook_log.window_stats(session, hook_type, subscriber_id,
                                      utcnow() - WINDOWS[query.window])
    return {"window": query.window, "attempts": found.attempts, "successes": found.successes,
            "success_rate": found.success_rate,
            "latency_ms": {"p50": found.p50_ms, "p95": found.p95_ms}}


@bp.get("/webhooks/<int:webhook_id>/stats")
@documented("Delivery insight over the last 24 h or 7 d: attempts (each retry counts), "
            "successes, success rate, latency p50/p95", query=StatsQuery, response=Stats,
            tags=["webhooks"])
def webhook_stats(webhook_id: int):  # noqa: ANN201
    return jsonify(_stats("webhook", webhook_id, lambda session, wid: webhook_configs.get(
        session, wid, webhook_configs.HTTP)))


@bp.get("/notifications/<int:notification_id>/stats")
@documented("Delivery insight over the last 24 h or 7 d: attempts (each retry counts), "
            "successes, success rate, latency p50/p95", query=StatsQuery, response=Stats,
            tags=["notifications"])
def notification_stats(notification_id: int):  # noqa: ANN201
    return jsonify(_stats("notification", notification_id, lambda session, nid:
                          webhook_configs.get(session, nid, webhook_configs.NOTIFICATION)))


@bp.get("/hooks/<int:hook_id>/stats")
@documented("Run insight over the last 24 h or 7 d: runs, successes, success rate, "
            "duration p50/p95", query=StatsQuery, response=Stats, tags=["hooks"])
def hook_stats(hook_id: int):  # noqa: ANN201
    return jsonify(_stats("script", hook_id, hook_configs.get_hook))
