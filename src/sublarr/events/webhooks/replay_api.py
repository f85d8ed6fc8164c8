"""``POST /webhooks/<id>/replay``: deliver a webhook's past events again."""

from __future__ import annotations

from typing import Optional

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sublarr.api.errors import ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import MAX_ROW_ID, documented, json_object
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.events.webhooks.lifecycle import webhooks_of
from sublarr.events.webhooks.replay import MAX_RANGE, ReplayError, check_range, replay
from sublarr.events.webhooks.subscriptions import endpoint_of
from sublarr.services import current_services

bp = Blueprint("webhook_replay", __name__, url_prefix="/api/v1")


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str = Field(description="ISO 8601 time: replay events stored from then")
    until: Optional[str] = Field(None, description="ISO 8601 time (default: now); at most "
                                 f"{MAX_RANGE.days} days after since")
    only_failed: StrictBool = Field(False, description="Only events whose delivery to this "
                                    "webhook failed for good")


class Replayed(BaseModel):
    queued: int


@bp.post("/webhooks/<int:webhook_id>/replay")
@documented("Deliver this webhook's past matching events again, oldest first, each with its "
            "original event id (webhook-id); events are kept while their deliveries are "
            "within the outbox retention", body=ReplayRequest, response=Replayed, status=202,
            tags=["webhooks"])
def replay_webhook(webhook_id: int):  # noqa: ANN201
    services = current_services()
    body = json_object()
    with services.db.session() as session:
        row = webhook_configs.get(session, webhook_id) if webhook_id <= MAX_ROW_ID else None
        if row is None:
            raise NotFoundError(f"webhook {webhook_id} not found")
        if not row.enabled:
            raise ConflictError(f"webhook {webhook_id} is disabled; enable it first")
        endpoint = endpoint_of(row)
    webhooks = webhooks_of(services)
    try:
        queued = replay(webhooks.outbox, endpoint, check_range(body))
    except ReplayError as exc:
        raise UnprocessableError(str(exc), [{"loc": [exc.field], "msg": str(exc)}]) from None
    if queued:
        webhooks.scheduler.notify([webhook_id])
    return jsonify({"queued": queued}), 202
