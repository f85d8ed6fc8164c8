"""The ``hook_configs`` table: user scripts bound to events, and their run statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sublarr.db.base import iso_z, utcnow
from sublarr.db.models import HookConfig
from sublarr.events import subscription

if TYPE_CHECKING:
    from sublarr.events.runlog import Tally

EDITABLE_FIELDS = ("name", "events", "filters", "script_path", "timeout_seconds", "enabled")


@dataclass(frozen=True)
class HookSpec:
    """An immutable snapshot of what is needed to run a hook (safe to share across threads)."""

    id: int
    name: str
    events: tuple[str, ...]
    script_path: str
    timeout_seconds: int
    filters: tuple[dict[str, Any], ...] = field(default=(), compare=False)


def events_of(hook: HookConfig) -> list[str]:
    return subscription.load_list(hook.events, [hook.event_name or "*"])


def spec_of(hook: HookConfig) -> HookSpec:
    return HookSpec(hook.id, hook.name, tuple(events_of(hook)), hook.script_path,
                    hook.timeout_seconds, tuple(subscription.load_list(hook.filters, [])))


def _stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for validated fields: the sets as JSON, ``event_name`` mirrored."""
    values = {k: fields[k] for k in EDITABLE_FIELDS if k in fields}
    if "events" not in values and fields.get("event_name"):
        values["events"] = [fields["event_name"]]
    if "events" in values:
        values["event_name"] = subscription.legacy_event_name(values["events"]) or ""
        values["events"] = subscription.dump(values["events"])
    if "filters" in values:
        values["filters"] = subscription.dump(values["filters"])
    return values


def list_hooks(session: Session) -> list[HookConfig]:
    return list(session.scalars(select(HookConfig).order_by(HookConfig.id)).all())


def get_hook(session: Session, hook_id: int) -> HookConfig | None:
    return session.get(HookConfig, hook_id)


def enabled_specs(session: Session) -> list[HookSpec]:
    """Every enabled hook, oldest first (the order in which they are queued)."""
    query = select(HookConfig).where(HookConfig.enabled.is_(True)).order_by(HookConfig.id)
    return [spec_of(hook) for hook in session.scalars(query)]


def create_hook(session: Session, fields: Mapping[str, Any]) -> HookConfig:
    """Insert a hook from already validated ``fields`` (see :data:`EDITABLE_FIELDS`)."""
    now = utcnow()
    hook = HookConfig(**_stored(fields), created_at=now, updated_at=now)
    session.add(hook)
    session.flush()
    return hook


def update_hook(session: Session, hook: HookConfig, changes: Mapping[str, Any]) -> HookConfig:
    """Apply already validated ``changes`` (only editable fields are taken)."""
    for key, value in _stored(changes).items():
        setattr(hook, key, value)
    hook.updated_at = utcnow()
    session.flush()
    return hook


def delete_hook(session: Session, hook_id: int) -> bool:
    return bool(session.execute(delete(HookConfig).where(HookConfig.id == hook_id)).rowcount)


def apply_tallies(session: Session, tallies: Sequence[Tally]) -> None:
    """Add a batch of runs to each hook's statistics: one atomic UPDATE per hook
    (deleted hooks skip).

    ``consecutive_failures`` restarts from the failures after the batch's last
    success, or grows by the batch's failures when it had none.
    """
    for tally in tallies:
        failures = tally.trailing_failures if tally.saw_success \
            else HookConfig.consecutive_failures + tally.trailing_failures
        session.execute(
            update(HookConfig)
            .where(HookConfig.id == tally.subscriber_id)
            .values(trigger_count=HookConfig.trigger_count + tally.count,
                    last_triggered_at=tally.last_at, last_success=tally.last_success,
                    consecutive_failures=failures)
        )


def hook_to_dict(hook: HookConfig) -> dict[str, Any]:
    """The API shape of a hook."""
    return {
        "id": hook.id,
        "name": hook.name,
        "event_name": subscription.legacy_event_name(events_of(hook)),
        "events": events_of(hook),
        "filters": subscription.load_list(hook.filters, []),
        "script_path": hook.script_path,
        "timeout_seconds": hook.timeout_seconds,
        "enabled": hook.enabled,
        "trigger_count": hook.trigger_count,
        "last_triggered_at": iso_z(hook.last_triggered_at),
        "last_success": hook.last_success,
        "consecutive_failures": hook.consecutive_failures,
        "created_at": iso_z(hook.created_at),
        "updated_at": iso_z(hook.updated_at),
    }
