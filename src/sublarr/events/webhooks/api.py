"""Outgoing webhook endpoints: /webhooks, /webhooks/<id>, test, redeliver."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Optional
from urllib.parse import urlsplit

from flask import Blueprint, jsonify
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from sublarr.api.errors import ApiError, ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import (
    ApiModel,
    MAX_ROW_ID,
    documented,
    json_object,
    parse_body,
    settle_subscription,
)
from sublarr.db import hook_log
from sublarr.events import runlog, subscription
from sublarr.events.webhooks import repo as webhook_configs
from sublarr.events.catalog import is_subscribable
from sublarr.events.webhooks.request import RESERVED_HEADERS
from sublarr.events.webhooks.sender import InvalidRequest, parse_origin
from sublarr.events.webhooks.sender import check_headers as check_sendable_headers
from sublarr.events.webhooks.signing import SECRET_PREFIX, generate_secret
from sublarr.events.webhooks.subscriptions import endpoint_of
from sublarr.events.webhooks.lifecycle import webhooks_of
from sublarr.services import current_services
from sublarr.settings_base import SECRET_MASK

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1")

MAX_URL_LENGTH = 2048
MAX_HEADERS = 32
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
_READ_ONLY = {"id", "trigger_count", "last_triggered_at", "last_status_code", "last_error",
              "consecutive_failures", "disabled_reason", "created_at", "updated_at"}


def check_url(value: str) -> str:
    """http(s) URL with a host; no credentials (they belong in headers)."""
    value = value.strip()
    if not value or len(value) > MAX_URL_LENGTH or any(ord(c) < 33 for c in value):
        raise ValueError("url must be a non-empty http(s) URL without spaces")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        raise ValueError(f"url is malformed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("url must use http or https")
    if not parts.hostname:
        raise ValueError("url must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("put credentials in headers (e.g. Authorization), not in the url")
    parse_origin(value)  # the sender's rules: what it would refuse is refused now
    return value


def check_secret(value: str) -> str:
    if value.startswith(SECRET_PREFIX):
        try:
            decoded = base64.b64decode(value[len(SECRET_PREFIX):] + "==", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("a whsec_ secret must be followed by base64") from None
        if not decoded:
            raise ValueError("a whsec_ secret must not be empty")
    return value


def check_headers(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    for name, text in value.items():
        if not _TOKEN.match(name):
            raise ValueError(f"invalid header name {name!r}")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by Sublarr and cannot be overridden")
        if len(text) > 4096:
            raise ValueError(f"the value of header {name!r} is longer than 4096 characters")
        try:
            check_sendable_headers({name: text})
        except InvalidRequest as exc:
            raise ValueError(f"header {name!r}: {exc}") from None
    return value


def check_event(value: str) -> str:
    if not is_subscribable(value):
        raise ValueError(f"unknown event {value!r}: use a catalog event name or '*'")
    return value


class WebhookFields(ApiModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("url", check_fields=False)
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("event_name", check_fields=False)
    @classmethod
    def _event(cls, value: str | None) -> str | None:
        return None if value is None else check_event(value)

    @field_validator("headers", check_fields=False)
    @classmethod
    def _headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else check_headers(value)


class WebhookCreate(WebhookFields):
    name: str = Field(min_length=1, max_length=200)
    url: str
    event_name: Optional[str] = Field(None, description="Old form of events: one name or '*'")
    events: Optional[list[str]] = Field(None, description="Catalog event names or ['*'] "
                                        "(the default)")
    filters: Optional[list[Any]] = Field(None, description="[{field, op, value}], all must "
                                         "match the event's data")
    secret: Optional[str] = Field(None, max_length=500)
    headers: dict[str, str] = Field(default_factory=dict)
    retry_count: StrictInt = Field(3, ge=0, le=10)
    timeout_seconds: StrictInt = Field(10, ge=1, le=60)
    enabled: StrictBool = True


class WebhookUpdate(WebhookFields):
    name: Optional[str] = Field(None, min_length=1, max_length=200)
    url: Optional[str] = None
    event_name: Optional[str] = None
    events: Optional[list[str]] = None
    filters: Optional[list[Any]] = None
    secret: Optional[str] = Field(None, max_length=500)
    headers: Optional[dict[str, str]] = None
    retry_count: Optional[StrictInt] = Field(None, ge=0, le=10)
    timeout_seconds: Optional[StrictInt] = Field(None, ge=1, le=60)
    enabled: Optional[StrictBool] = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "WebhookUpdate":
        nulls = sorted(k for k in self.model_fields_set
                       if getattr(self, k) is None and k != "secret")
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self


class WebhookView(ApiModel):
    id: int
    name: str
    url: str
    event_name: Optional[str]
    events: list[str]
    filters: list[dict[str, Any]]
    secret: str
    headers: dict[str, str]
    retry_count: int
    timeout_seconds: int
    enabled: bool
    trigger_count: int
    last_triggered_at: Optional[str]
    last_status_code: Optional[int]
    last_error: Optional[str]
    consecutive_failures: int
    disabled_reason: Optional[str]


class WebhookList(ApiModel):
    webhooks: list[WebhookView]


class TestResult(ApiModel):
    success: bool
    status_code: Optional[int]
    duration_ms: int
    response_excerpt: Optional[str]
    error: Optional[str]
    delivery_id: str


class Redelivered(ApiModel):
    delivery_id: str
    webhook_id: int
    event_id: str


def _secret_value(raw: str | None) -> tuple[str, bool]:
    """(secret to store, generated?)"""
    if raw is None or raw.strip() == "":
        return generate_secret(), True
    return check_secret(raw), False


def config_or_404(session, row_id: int, kind: str, label: str):  # noqa: ANN001, ANN201
    """The webhook or notification channel ``row_id`` of ``kind``; 404 otherwise."""
    row = webhook_configs.get(session, row_id, kind) if row_id <= MAX_ROW_ID else None
    if row is None:
        raise NotFoundError(f"{label} {row_id} not found")
    return row


def delete_config_or_404(row_id: int, kind: str, label: str, hook_type: str) -> None:
    """Delete the webhook or notification channel ``row_id`` of ``kind`` (404 otherwise)
    with its queued deliveries; the scheduler forgets it, and so do its Prometheus series
    (``hook_type``: its kind in the run log)."""
    services = current_services()
    with services.db.session() as session:
        webhook_configs.delete_config(session, config_or_404(session, row_id, kind, label))
    webhooks = webhooks_of(services)
    webhooks.changed()
    webhooks.metrics.forget(hook_type, row_id)


def _row_or_404(session, webhook_id: int):  # noqa: ANN001, ANN202
    return config_or_404(session, webhook_id, webhook_configs.HTTP, "webhook")



def _settle_headers(changes: dict[str, Any], row: Any) -> None:
    """Header values are write-only: a masked value sent back keeps the stored one, and
    a new URL drops every stored value the same request does not send again (they are
    credentials for the old endpoint)."""
    stored = {k.lower(): v for k, v in webhook_configs.headers_of(row).items()}
    url_changed = "url" in changes and changes["url"] != row.url
    if "headers" not in changes:
        if url_changed and stored:
            changes["headers"] = {}
        return
    settled: dict[str, str] = {}
    for name, value in changes["headers"].items():
        if value != SECRET_MASK:
            settled[name] = value
        elif url_changed:
            continue
        elif name.lower() in stored:
            settled[name] = stored[name.lower()]
        else:
            raise UnprocessableError(f"header {name!r} has no stored value to keep",
                                     [{"loc": ["headers", name], "msg": "no stored value"}])
    changes["headers"] = settled


@bp.get("/webhooks")
@documented("Every outgoing webhook (secret and header values masked)", response=WebhookList,
            tags=["webhooks"])
def list_webhooks():  # noqa: ANN201
    with current_services().db.session() as session:
        rows = webhook_configs.list_all(session, webhook_configs.HTTP)
        return jsonify({"webhooks": [webhook_configs.to_public(r) for r in rows]})


@bp.post("/webhooks")
@documented("Create a webhook; a missing secret is generated and shown once",
            body=WebhookCreate, response=WebhookView, status=201, tags=["webhooks"])
def create_webhook():  # noqa: ANN201
    services = current_services()
    body = parse_body(WebhookCreate)
    fields = body.model_dump()
    if subscription.sent_nulls(body):
        raise UnprocessableError("these fields cannot be null",
                                 {"fields": subscription.sent_nulls(body)})
    settle_subscription(fields, None, default_events=["*"])
    try:
        fields["secret"], _ = _secret_value(body.secret)
    except ValueError as exc:
        raise UnprocessableError(str(exc), [{"loc": ["secret"], "msg": str(exc)}]) from None
    with services.db.session() as session:
        row = webhook_configs.create(session, {**fields, "kind": webhook_configs.HTTP})
        view = webhook_configs.to_public(row, reveal_secret=True)
    webhooks_of(services).changed()
    return jsonify(view), 201


@bp.get("/webhooks/<int:webhook_id>")
@documented("One webhook (secret and header values masked)", response=WebhookView,
            tags=["webhooks"])
def get_webhook(webhook_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        return jsonify(webhook_configs.to_public(_row_or_404(session, webhook_id)))


@bp.put("/webhooks/<int:webhook_id>")
@documented("Edit a webhook (partial); enabling it again resets its failure streak; a "
            "header value sent as ***configured*** is kept, a new url drops the stored "
            "header values not sent again",
            body=WebhookUpdate, response=WebhookView, tags=["webhooks"])
def update_webhook(webhook_id: int):  # noqa: ANN201
    services = current_services()
    raw = {k: v for k, v in json_object().items() if k not in _READ_ONLY}
    body = WebhookUpdate.model_validate(raw)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    reveal = False
    if "secret" in changes:
        if changes["secret"] == SECRET_MASK:
            del changes["secret"]
        else:
            try:
                changes["secret"], reveal = _secret_value(changes["secret"])
            except ValueError as exc:
                raise UnprocessableError(str(exc), [{"loc": ["secret"], "msg": str(exc)}]) from None
    with services.db.session() as session:
        row = _row_or_404(session, webhook_id)
        settle_subscription(changes, (webhook_configs.events_of(row),
                                      webhook_configs.filters_of(row)), default_events=["*"])
        _settle_headers(changes, row)
        webhook_configs.update_config(session, row, changes)
        view = webhook_configs.to_public(row, reveal_secret=reveal)
    webhooks_of(services).changed()
    return jsonify(view)


@bp.delete("/webhooks/<int:webhook_id>")
@documented("Delete a webhook and its queued deliveries", status=204, tags=["webhooks"])
def delete_webhook(webhook_id: int):  # noqa: ANN201
    delete_config_or_404(webhook_id, webhook_configs.HTTP, "webhook", runlog.WEBHOOK)
    return "", 204


@bp.post("/webhooks/<int:webhook_id>/test")
@documented("Send a test event now (no retry); returns status, duration and excerpt",
            response=TestResult, tags=["webhooks"])
def test_webhook(webhook_id: int):  # noqa: ANN201
    services = current_services()
    with services.db.session() as session:
        endpoint = endpoint_of(_row_or_404(session, webhook_id))
    result, delivery_id = webhooks_of(services).send_test(endpoint)
    return jsonify({"success": result.success, "status_code": result.status_code,
                    "duration_ms": result.duration_ms, "response_excerpt": result.excerpt,
                    "error": result.error, "delivery_id": delivery_id})


@bp.post("/hooks/logs/<int:log_id>/redeliver")
@documented("Queue a logged webhook delivery or notification again (same event id / "
            "webhook-id)",
            response=Redelivered, status=202, tags=["webhooks"])
def redeliver(log_id: int):  # noqa: ANN201
    services = current_services()
    with services.db.session() as session:
        entry = hook_log.get_entry(session, log_id) if log_id <= MAX_ROW_ID else None
        if entry is None:
            raise NotFoundError(f"log entry {log_id} not found")
        webhook_id = entry.webhook_id or entry.notification_id
        if entry.hook_type not in ("webhook", "notification") or webhook_id is None:
            raise UnprocessableError("only webhook deliveries and notifications can be "
                                     "redelivered")
        delivery_id, what = entry.delivery_id, entry.hook_type
        row = webhook_configs.get(session, webhook_id)
        if row is None:
            raise NotFoundError(f"{what} {webhook_id} no longer exists")
        if not row.enabled:
            raise ConflictError(f"{what} {webhook_id} is disabled; enable it first")
        endpoint = endpoint_of(row)
    new_id = webhooks_of(services).redeliver(delivery_id or "", endpoint) if delivery_id else None
    if new_id is None:
        raise ApiError("the payload of this delivery is no longer kept (retention) or it was "
                       "a test send", status=409, code="conflict")
    stored = webhooks_of(services).outbox.get(new_id)
    return jsonify({"delivery_id": new_id, "webhook_id": webhook_id,
                    "event_id": stored.event_id if stored else None}), 202
