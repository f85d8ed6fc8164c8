"""The Tasks view: every scheduled job with its last and next run, and "Run now"."""

from __future__ import annotations

from typing import Optional

from flask import Blueprint, jsonify
from pydantic import Field

from sublarr.api.errors import ConflictError, NotFoundError
from sublarr.api.validation import ApiModel, documented
from sublarr.services import current_services
from sublarr.tasks.lifecycle import TASKS_COMPONENT
from sublarr.tasks.registry import TaskRegistry, UnknownTask

bp = Blueprint("tasks", __name__, url_prefix="/api/v1")


class TaskView(ApiModel):
    name: str
    label: str
    running: bool
    interval_seconds: Optional[float] = Field(description="None: off, or driven by events")
    next_run_at: Optional[str]
    last_run_at: Optional[str]
    last_duration_ms: Optional[int]
    last_result: Optional[str]
    last_success: Optional[bool]


class TaskList(ApiModel):
    tasks: list[TaskView]


def _registry() -> TaskRegistry:
    return current_services().components[TASKS_COMPONENT]


@bp.get("/tasks")
@documented("Every scheduled job: last run, duration, result, next run", response=TaskList,
            tags=["tasks"])
def list_tasks():  # noqa: ANN201
    return jsonify({"tasks": _registry().snapshot()})


@bp.post("/tasks/<name>/run")
@documented("Run a scheduled job now (in the background); 409 while it runs",
            response=TaskView, status=202, tags=["tasks"])
def run_task(name: str):  # noqa: ANN201
    registry = _registry()
    try:
        started = registry.run_now(name)
        spec = registry.spec(name)
    except UnknownTask:
        raise NotFoundError(f"no task named {name!r}") from None
    if not started:
        raise ConflictError(f"task {name!r} is already running", code="task_running")
    return jsonify(registry.describe(spec)), 202
