"""``POST /webhooks/<id>/replay`` and ``POST /notifications/<id>/replay``: deliver a
subscriber's past events again (one code path for both kinds)."""

from __future__ import annotations

from typing import Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field, StrictBool

from sublarr.api.errors import ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, MAX_ROW_ID, documented, json_object
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.events.webhooks.lifecycle import webhooks_of
from sublarr.events.webhooks.replay import MAX_RANGE, ReplayError, check_range, replay
from sublarr.events.webhooks.subscriptions import endpoint_of
from sublarr.services import current_services

bp = Blueprint("webhook_replay", __name__, url_prefix="/api/v1")


class ReplayRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    since: str = Field(description="ISO 8601 time: replay events stored from then")
    until: Optional[str] = Field(None, description="ISO 8601 time (default: now); at most "
                                 f"{MAX_RANGE.days} days after since")
    only_failed: StrictBool = Field(False, description="Only events whose delivery to this "
                                    "webhook failed for good")


class Replayed(ApiModel):
    queued: int


def replay_subscriber(webhook_id: int, kind: str) -> tuple[dict, int]:
    """Validate the request, queue the replay, report it on the ``replay_progress`` stream."""
    services = current_services()
    what = "webhook" if kind == webhook_configs.HTTP else "notification"
    body = json_object()
    with services.db.session() as session:
        row = webhook_configs.get(session, webhook_id, kind) if webhook_id <= MAX_ROW_ID \
            else None
        if row is None:
            raise NotFoundError(f"{what} {webhook_id} not found")
        if not row.enabled:
            raise ConflictError(f"{what} {webhook_id} is disabled; enable it first")
        endpoint = endpoint_of(row)
    webhooks = webhooks_of(services)
    try:
        queued = replay(webhooks.outbox, endpoint, check_range(body))
    except ReplayError as exc:
        raise UnprocessableError(str(exc), [{"loc": [exc.field], "msg": str(exc)}]) from None
    if queued.count:
        webhooks.scheduler.notify([webhook_id])
        webhooks.replays.watch(queued, what, endpoint.name)
    return {"queued": queued.count}, 202


@bp.post("/webhooks/<int:webhook_id>/replay")
@documented("Deliver this webhook's past matching events again, oldest first, each with its "
            "original event id (webhook-id); events are kept while their deliveries are "
            "within the outbox retention; progress on the replay_progress stream",
            body=ReplayRequest, response=Replayed, status=202, tags=["webhooks"])
def replay_webhook(webhook_id: int):  # noqa: ANN201
    body, status = replay_subscriber(webhook_id, webhook_configs.HTTP)
    return jsonify(body), status


@bp.post("/notifications/<int:notification_id>/replay")
@documented("Send this notification channel's past matching events again, oldest first "
            "(same rules as a webhook replay)", body=ReplayRequest, response=Replayed,
            status=202, tags=["notifications"])
def replay_notification(notification_id: int):  # noqa: ANN201
    body, status = replay_subscriber(notification_id, webhook_configs.NOTIFICATION)
    return jsonify(body), status
