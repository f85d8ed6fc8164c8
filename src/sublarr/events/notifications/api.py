"""Notification channel endpoints: /notifications, /notifications/<id>, test.

(Replay and statistics share the webhooks' code: ``webhooks.replay_api`` and
``events.stats_api``.)
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Optional

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field, StrictBool, StrictInt, model_validator

from sublarr.api.errors import UnprocessableError
from sublarr.api.validation import ApiModel, documented, json_object, parse_body, settle_subscription
from sublarr.db.base import utcnow
from sublarr.events import runlog, subscription
from sublarr.events.bus import build_envelope, new_event_id
from sublarr.events.catalog import CATALOG
from sublarr.events.notifications import channel, templates
from sublarr.events.notifications.delivery import notify
from sublarr.events.webhooks import repo as configs
from sublarr.events.webhooks.api import config_or_404, delete_config_or_404
from sublarr.events.webhooks.lifecycle import TEST_MESSAGE, webhooks_of
from sublarr.events.webhooks.subscriptions import endpoint_of
from sublarr.services import current_services
from sublarr.settings_base import SECRET_MASK

bp = Blueprint("notifications", __name__, url_prefix="/api/v1")

TAGS = ["notifications"]
_READ_ONLY = {"id", "trigger_count", "last_triggered_at", "last_error", "consecutive_failures",
              "disabled_reason", "created_at", "updated_at"}
_URL_DOC = ("An apprise URL (e.g. ntfy://host/topic, discord://id/token, json://host/path); "
            "write-only: reads back as ***configured***, and sending that back keeps it")
_TITLE_DOC = ("Jinja2 template (sandboxed) over the envelope: {{ event_name }}, {{ data.title }}, "
              "{{ event_id }}, {{ timestamp }}…; empty: the event's default text")


class NotificationCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    url: str = Field(description=_URL_DOC)
    event_name: Optional[str] = Field(None, description="Old form of events: one name or '*'")
    events: Optional[list[str]] = Field(None, description="Catalog event names or ['*'] "
                                        "(the default)")
    filters: Optional[list[Any]] = Field(None, description="[{field, op, value}], all must "
                                         "match the event's data")
    title_template: str = Field("", max_length=templates.MAX_TITLE_TEMPLATE,
                                description=_TITLE_DOC)
    body_template: str = Field("", max_length=templates.MAX_BODY_TEMPLATE,
                               description="Like title_template")
    retry_count: StrictInt = Field(3, ge=0, le=10)
    timeout_seconds: StrictInt = Field(10, ge=1, le=60, description="Connect and read timeout "
                                       "of one attempt (apprise cto/rto)")
    enabled: StrictBool = True


class NotificationUpdate(ApiModel):
    """Partial update: omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: Optional[str] = Field(None, min_length=1, max_length=200)
    url: Optional[str] = Field(None, description=_URL_DOC)
    event_name: Optional[str] = None
    events: Optional[list[str]] = None
    filters: Optional[list[Any]] = None
    title_template: Optional[str] = Field(None, max_length=templates.MAX_TITLE_TEMPLATE)
    body_template: Optional[str] = Field(None, max_length=templates.MAX_BODY_TEMPLATE)
    retry_count: Optional[StrictInt] = Field(None, ge=0, le=10)
    timeout_seconds: Optional[StrictInt] = Field(None, ge=1, le=60)
    enabled: Optional[StrictBool] = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "NotificationUpdate":
        nulls = sorted(k for k in self.model_fields_set if getattr(self, k) is None)
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self


class NotificationView(ApiModel):
    id: int
    name: str
    url: str = Field(description="Always ***configured*** (write-only)")
    event_name: Optional[str]
    events: list[str]
    filters: list[dict[str, Any]]
    title_template: str
    body_template: str
    retry_count: int
    timeout_seconds: int
    enabled: bool
    trigger_count: int
    last_triggered_at: Optional[str]
    last_error: Optional[str]
    consecutive_failures: int
    disabled_reason: Optional[str]
    created_at: str
    updated_at: str


class NotificationList(ApiModel):
    notifications: list[NotificationView]


class NotificationTestResult(ApiModel):
    success: bool
    duration_ms: int
    error: Optional[str]
    title: str
    body: str
    event_id: str
    delivery_id: str


def _unprocessable(message: str, field: str) -> UnprocessableError:
    return UnprocessableError(message, [{"loc": [field], "msg": message}])


def _row_or_404(session, notification_id: int):  # noqa: ANN001, ANN202
    return config_or_404(session, notification_id, configs.NOTIFICATION, "notification")



def _check_url(url: str) -> None:
    try:
        channel.check_url(url)
    except channel.ChannelUrlError as exc:
        raise _unprocessable(str(exc), "url") from None


def _check_templates(events: list[str], title: str, body: str) -> None:
    try:
        templates.check_templates(events, title, body)
    except templates.TemplateProblem as exc:
        raise _unprocessable(str(exc), exc.field) from None


@bp.get("/notifications")
@documented("Every notification channel (URLs masked)", response=NotificationList, tags=TAGS)
def list_notifications():  # noqa: ANN201
    with current_services().db.session() as session:
        rows = configs.list_all(session, configs.NOTIFICATION)
        return jsonify({"notifications": [configs.notification_to_public(r) for r in rows]})


@bp.post("/notifications")
@documented("Add a notification channel: the apprise URL and the templates are checked "
            "(rendered against each subscribed event's example)",
            body=NotificationCreate, response=NotificationView, status=201, tags=TAGS)
def create_notification():  # noqa: ANN201
    services = current_services()
    body = parse_body(NotificationCreate)
    if subscription.sent_nulls(body):
        raise UnprocessableError("these fields cannot be null",
                                 {"fields": subscription.sent_nulls(body)})
    fields = body.model_dump()
    settle_subscription(fields, None, default_events=["*"])
    _check_url(fields["url"])
    _check_templates(fields["events"], fields["title_template"], fields["body_template"])
    with services.db.session() as session:
        row = configs.create(session, {**fields, "kind": configs.NOTIFICATION})
        view = configs.notification_to_public(row)
    webhooks_of(services).changed()
    return jsonify(view), 201


@bp.get("/notifications/<int:notification_id>")
@documented("One notification channel (URL masked)", response=NotificationView, tags=TAGS)
def get_notification(notification_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        return jsonify(configs.notification_to_public(_row_or_404(session, notification_id)))


@bp.put("/notifications/<int:notification_id>")
@documented("Edit a notification channel (partial); a url sent as ***configured*** keeps "
            "the stored one; enabling it again resets its failure streak",
            body=NotificationUpdate, response=NotificationView, tags=TAGS)
def update_notification(notification_id: int):  # noqa: ANN201
    services = current_services()
    raw = {k: v for k, v in json_object().items() if k not in _READ_ONLY}
    changes: dict[str, Any] = NotificationUpdate.model_validate(raw).model_dump(
        exclude_unset=True)
    if changes.get("url") == SECRET_MASK:
        del changes["url"]
    if "url" in changes:
        _check_url(changes["url"])
    with services.db.session() as session:
        row = _row_or_404(session, notification_id)
        settle_subscription(changes, (configs.events_of(row), configs.filters_of(row)),
                            default_events=["*"])
        _check_templates(changes.get("events") or configs.events_of(row),
                         changes.get("title_template", row.title_template or ""),
                         changes.get("body_template", row.body_template or ""))
        configs.update_config(session, row, changes)
        view = configs.notification_to_public(row)
    webhooks_of(services).changed()
    return jsonify(view)


@bp.delete("/notifications/<int:notification_id>")
@documented("Delete a notification channel and its queued deliveries (its log entries stay)",
            status=204, tags=TAGS)
def delete_notification(notification_id: int):  # noqa: ANN201
    delete_config_or_404(notification_id, configs.NOTIFICATION, "notification",
                         runlog.NOTIFICATION)
    return "", 204


@bp.post("/notifications/<int:notification_id>/test")
@documented("Send a test notification now (no retry; logged, not counted in the statistics)",
            response=NotificationTestResult, tags=TAGS)
def test_notification(notification_id: int):  # noqa: ANN201
    services = current_services()
    with services.db.session() as session:
        endpoint = endpoint_of(_row_or_404(session, notification_id))
    envelope = build_envelope(CATALOG["test"], {"message": TEST_MESSAGE},
                              datetime.now(timezone.utc), new_event_id())
    title, text = templates.render(endpoint.title_template, endpoint.body_template, envelope)
    result = notify(endpoint, envelope)
    delivery_id = f"dlv_test_{uuid.uuid4().hex[:24]}"  # not an outbox row
    run = runlog.Run(runlog.NOTIFICATION, endpoint.webhook_id, endpoint.name, "test",
                     envelope["id"], result.success, result.started_at or utcnow(),
                     result.duration_ms, error=result.error, delivery_id=delivery_id)
    with webhooks_of(services).outbox.write_session() as session:
        runlog.write(session, [run], stats=None)
    return jsonify({"success": result.success, "duration_ms": result.duration_ms,
                    "error": result.error, "title": title, "body": text,
                    "event_id": envelope["id"], "delivery_id": delivery_id})
