"""Hook script endpoints: /hooks, /hooks/<id>, /hooks/<id>/test, /hooks/logs."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint, Response, jsonify, request
from pydantic import ConfigDict, Field, StringConstraints, field_validator, \
    model_validator

from sublarr.api.errors import NotFoundError, UnprocessableError
from sublarr.api.validation import (
    ApiModel,
    INT64_MAX,
    MAX_ROW_ID,
    RowId,
    documented,
    page_json,
    parse_body,
    parse_query,
    settle_subscription,
)
from sublarr.db import hook_log
from sublarr.events.hooks import repo as hook_configs
from sublarr.db.hook_log import LogFilter
from sublarr.events import subscription
from sublarr.events.catalog import check_subscribable
from sublarr.events.hooks.script_path import ScriptPathError, resolve_script
from sublarr.events.hooks.engine import COMPONENT_KEY, HookEngine
from sublarr.services import current_services

bp = Blueprint("hooks", __name__, url_prefix="/api/v1")

TAGS = ["hooks"]
READ_ONLY_FIELDS = frozenset({
    "id", "trigger_count", "last_triggered_at", "last_success", "consecutive_failures",
    "created_at", "updated_at",
})
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ScriptPath = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
Timeout = Annotated[int, Field(ge=1, le=3600, description="Seconds before the script is killed")]


class _HookFields(ApiModel):
    """Shared rules; read-only fields sent back by a client are ignored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in READ_ONLY_FIELDS}
        return value

    @field_validator("event_name", check_fields=False)
    @classmethod
    def _event_in_catalog(cls, value: str | None) -> str | None:
        return None if value is None else check_subscribable(value)


Events = Field(None, description="Catalog event names, or ['*'] for every event")
Filters = Field(None, description="[{field, op (= != in not_in < > contains), value}], all "
                                  "must match the event's data")


class HookCreate(_HookFields):
    name: Name
    event_name: str | None = Field(None, description="Old form of events: one name or '*'")
    events: list[str] | None = Events
    filters: list[Any] | None = Filters
    script_path: ScriptPath = Field(description="An executable file inside <data dir>/hooks/")
    timeout_seconds: Timeout = 30
    enabled: bool = True


class HookUpdate(_HookFields):
    """Partial update: omitted fields keep their value."""

    name: Name | None = None
    event_name: str | None = None
    events: list[str] | None = Events
    filters: list[Any] | None = Filters
    script_path: ScriptPath | None = None
    timeout_seconds: Timeout | None = None
    enabled: bool | None = None


class HookOut(ApiModel):
    id: int
    name: str
    event_name: str | None
    events: list[str]
    filters: list[dict[str, Any]]
    script_path: str
    timeout_seconds: int
    enabled: bool
    trigger_count: int
    last_triggered_at: str | None
    last_success: bool | None
    consecutive_failures: int
    created_at: str
    updated_at: str


class HookList(ApiModel):
    hooks: list[HookOut]


class TestRequest(ApiModel):
    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid")

    message: str = Field("Test event from Sublarr", max_length=4096)


class TestResult(ApiModel):
    __test__ = False

    hook_id: int
    event_id: str
    success: bool
    exit_code: int | None
    stdout: str
    stderr: str
    duration_ms: int
    error: str | None


HOOK_TYPES = "^(script|webhook|notification)$"


class LogClearQuery(ApiModel):
    """Which run-log entries (all when nothing is given)."""

    hook_id: RowId | None = None
    webhook_id: RowId | None = None
    notification_id: RowId | None = None
    event_name: str | None = None
    success: bool | None = None
    hook_type: str | None = Field(None, pattern=HOOK_TYPES)

    def log_filter(self) -> LogFilter:
        return LogFilter(hook_id=self.hook_id, webhook_id=self.webhook_id,
                         event_name=self.event_name, success=self.success,
                         hook_type=self.hook_type, notification_id=self.notification_id)


class LogQuery(LogClearQuery):
    """The filters of :class:`LogClearQuery` and a page."""

    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=INT64_MAX)


class LogEntryOut(ApiModel):
    id: int
    hook_type: str
    hook_id: int | None
    webhook_id: int | None
    notification_id: int | None
    delivery_id: str | None
    event_name: str
    event_id: str | None
    success: bool
    exit_code: int | None
    status_code: int | None
    stdout: str | None
    stderr: str | None
    response_excerpt: str | None
    error: str | None
    attempts: int
    duration_ms: int | None
    triggered_at: str


class LogPage(ApiModel):
    logs: list[LogEntryOut]
    total: int
    limit: int
    offset: int


class Cleared(ApiModel):
    deleted: int


def _engine() -> HookEngine:
    return current_services().components[COMPONENT_KEY]


def _checked_script_path(engine: HookEngine, script_path: str) -> None:
    try:
        resolve_script(script_path, engine.hooks_dir)
    except ScriptPathError as exc:
        raise UnprocessableError(str(exc), {"field": "script_path"}) from exc


# --------------------------------------------------------------------------- hooks


@bp.get("/hooks")
@documented("Every hook script", response=HookList, tags=TAGS)
def list_hooks():  # noqa: ANN201
    with current_services().db.session() as session:
        hooks = [hook_configs.hook_to_dict(h) for h in hook_configs.list_hooks(session)]
    return jsonify({"hooks": hooks})


@bp.post("/hooks")
@documented("Add a hook script (script_path checked: executable, inside <data dir>/hooks/)",
            body=HookCreate, response=HookOut, status=201, tags=TAGS)
def create_hook():  # noqa: ANN201
    body = parse_body(HookCreate)
    fields = body.model_dump()
    if subscription.sent_nulls(body):
        raise UnprocessableError("these fields cannot be null",
                                 {"fields": subscription.sent_nulls(body)})
    settle_subscription(fields, None)
    engine = _engine()
    _checked_script_path(engine, body.script_path)
    with current_services().db.session() as session:
        hook = hook_configs.hook_to_dict(hook_configs.create_hook(session, fields))
    engine.reload()
    return jsonify(hook), 201


@bp.get("/hooks/<int:hook_id>")
@documented("One hook script", response=HookOut, tags=TAGS)
def get_hook(hook_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        return jsonify(hook_configs.hook_to_dict(_existing(session, hook_id)))


@bp.put("/hooks/<int:hook_id>")
@documented("Change a hook script (partial update)", body=HookUpdate, response=HookOut,
            tags=TAGS)
def update_hook(hook_id: int):  # noqa: ANN201
    body = parse_body(HookUpdate)
    changes = body.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise UnprocessableError("these fields cannot be null", {"fields": nulls})
    engine = _engine()
    if "script_path" in changes:
        _checked_script_path(engine, changes["script_path"])
    with current_services().db.session() as session:
        existing = _existing(session, hook_id)
        settle_subscription(changes, (hook_configs.events_of(existing),
                           hook_configs.hook_to_dict(existing)["filters"]))
        hook = hook_configs.update_hook(session, existing, changes)
        out = hook_configs.hook_to_dict(hook)
    engine.reload()
    return jsonify(out)


@bp.delete("/hooks/<int:hook_id>")
@documented("Delete a hook script (its log entries stay)", status=204, tags=TAGS)
def delete_hook(hook_id: int):  # noqa: ANN201
    with current_services().db.session() as session:
        if hook_id > MAX_ROW_ID or not hook_configs.delete_hook(session, hook_id):
            raise NotFoundError(f"hook {hook_id} does not exist")
    _engine().reload()
    return Response(status=204)


@bp.post("/hooks/<int:hook_id>/test")
@documented("Run the script now with a `test` event and return the result (also logged)",
            body=TestRequest, response=TestResult, tags=TAGS)
def test_hook(hook_id: int):  # noqa: ANN201
    body = parse_body(TestRequest) if request.get_data(cache=True) else TestRequest()
    with current_services().db.session() as session:
        spec = hook_configs.spec_of(_existing(session, hook_id))
    envelope, result = _engine().run_test(spec, body.message)
    return jsonify({"hook_id": hook_id, "event_id": envelope["id"], **result.to_dict()})


def _existing(session: Any, hook_id: int) -> Any:
    hook = hook_configs.get_hook(session, hook_id) if hook_id <= MAX_ROW_ID else None
    if hook is None:
        raise NotFoundError(f"hook {hook_id} does not exist")
    return hook


# --------------------------------------------------------------------------- log


@bp.get("/hooks/logs")
@documented("Hook, webhook and notification run log, newest first", query=LogQuery, response=LogPage,
            tags=TAGS)
def list_logs():  # noqa: ANN201
    query = parse_query(LogQuery)
    with current_services().db.session() as session:
        entries, total = hook_log.list_entries(session, query.log_filter(), query.limit,
                                               query.offset)
        logs = [hook_log.entry_to_dict(e) for e in entries]
    return page_json(logs, total, query, key="logs")


@bp.delete("/hooks/logs")
@documented("Clear the run log (everything, or the entries matching the filters)",
            query=LogClearQuery, response=Cleared, tags=TAGS)
def clear_logs():  # noqa: ANN201
    query = parse_query(LogClearQuery)
    flt = query.log_filter()
    with current_services().db.session() as session:
        deleted = hook_log.clear(session, flt if flt != LogFilter() else None)
    return jsonify({"deleted": deleted})
