"""The ``webhook_configs`` table: the only module querying it.

A row is a webhook (``kind`` :data:`HTTP`) or a notification channel
(:data:`NOTIFICATION`); the API of each kind only sees its own rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from sublarr.db.base import UTCDateTime, iso_z, utcnow
from sublarr.db.models import WebhookConfig
from sublarr.events import subscription
from sublarr.settings_base import SECRET_MASK

if TYPE_CHECKING:
    from sublarr.events.runlog import Tally

HTTP = "http"
NOTIFICATION = "notification"
EDITABLE = ("name", "url", "events", "filters", "secret", "headers", "retry_count", "timeout_seconds",
            "enabled", "title_template", "body_template")
_T = WebhookConfig.__table__


@dataclass(frozen=True)
class Disabled:
    """A webhook (or notification channel, by ``kind``) just switched off automatically."""

    webhook_id: int
    name: str
    reason: str
    consecutive_failures: int
    kind: str = HTTP


def create(session: Session, fields: Mapping[str, Any]) -> WebhookConfig:
    now = utcnow()
    values = dict(fields)
    values["headers"] = json.dumps(values.get("headers") or {}, separators=(",", ":"))
    values.update(_sets(values))
    values.setdefault("event_name", "*")
    row = WebhookConfig(**values, trigger_count=0, consecutive_failures=0, created_at=now,
                        updated_at=now)
    session.add(row)
    session.flush()
    return row


def get(session: Session, webhook_id: int, kind: str | None = None) -> WebhookConfig | None:
    """The row, or None when absent or of another ``kind`` (when one is given)."""
    row = session.get(WebhookConfig, webhook_id)
    return None if row is None or (kind is not None and row.kind != kind) else row


def list_all(session: Session, kind: str | None = None) -> list[WebhookConfig]:
    query = select(WebhookConfig).order_by(WebhookConfig.id)
    if kind is not None:
        query = query.where(WebhookConfig.kind == kind)
    return list(session.scalars(query))


def update_config(session: Session, row: WebhookConfig, changes: Mapping[str, Any]) -> None:
    """Apply edits; switching a webhook on again clears its failure streak and reason."""
    for key, value in changes.items():
        if key not in EDITABLE and key != "event_name":
            raise KeyError(key)
        if key == "headers":
            value = json.dumps(value or {}, separators=(",", ":"))
        if key not in ("events", "filters", "event_name"):
            setattr(row, key, value)
    for key, value in _sets(changes).items():
        setattr(row, key, value)
    if changes.get("enabled") is True:
        row.consecutive_failures = 0
        row.disabled_reason = None
    row.updated_at = utcnow()
    session.flush()


def delete_config(session: Session, row: WebhookConfig) -> None:
    session.delete(row)
    session.flush()


def _sets(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Column values of validated ``events`` / ``filters`` (JSON; ``event_name`` mirrored)."""
    values: dict[str, Any] = {}
    events = fields.get("events") or ([fields["event_name"]] if fields.get("event_name") else None)
    if events:
        values["event_name"] = subscription.legacy_event_name(events) or ""
        values["events"] = subscription.dump(events)
    if "filters" in fields:
        values["filters"] = subscription.dump(fields["filters"])
    return values


def events_of(row: WebhookConfig) -> list[str]:
    return subscription.load_list(row.events, [row.event_name or "*"])


def filters_of(row: WebhookConfig) -> list[dict[str, Any]]:
    return subscription.load_list(row.filters, [])


def headers_of(row: WebhookConfig) -> dict[str, str]:
    try:
        value = json.loads(row.headers or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def to_public(row: WebhookConfig, reveal_secret: bool = False) -> dict[str, Any]:
    """The API shape; the secret reads back masked unless ``reveal_secret`` (creation only),
    header values (``Authorization: Bearer …``) always."""
    secret = row.secret if reveal_secret else (SECRET_MASK if row.secret else "")
    return {
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "event_name": subscription.legacy_event_name(events_of(row)),
        "events": events_of(row),
        "filters": filters_of(row),
        "secret": secret,
        "headers": {name: SECRET_MASK if value else "" for name, value in headers_of(row).items()},
        "retry_count": row.retry_count,
        "timeout_seconds": row.timeout_seconds,
        "enabled": row.enabled,
        "trigger_count": row.trigger_count,
        "last_triggered_at": iso_z(row.last_triggered_at),
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "consecutive_failures": row.consecutive_failures,
        "disabled_reason": row.disabled_reason,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
    }


def notification_to_public(row: WebhookConfig) -> dict[str, Any]:
    """A notification channel's API shape; its apprise URL (it holds tokens) reads back
    masked."""
    view = to_public(row)
    for key in ("secret", "headers", "last_status_code"):
        del view[key]
    view["url"] = SECRET_MASK if row.url else ""
    view["title_template"] = row.title_template or ""
    view["body_template"] = row.body_template or ""
    return view


# Built once: the scheduler records a batch of outcomes many times a second.
# ``keep`` is 0 when the batch had a success (the streak restarts from the
# failures after it) and 1 otherwise (the failures add to the streak).
_TALLY_UPDATE = (
    update(_T)
    .where(_T.c.id == bindparam("t_id"))
    .values(
        trigger_count=_T.c.trigger_count + bindparam("t_delivered"),
        last_triggered_at=bindparam("t_at", type_=UTCDateTime()),
        last_status_code=bindparam("t_code"),
        last_error=bindparam("t_error"),
        consecutive_failures=_T.c.consecutive_failures * bindparam("t_keep")
        + bindparam("t_failed"),
    )
)


def apply_tallies(session: Session, tallies: Sequence[Tally]) -> None:
    """Add a batch of final outcomes to each webhook's statistics (SQL-side arithmetic,
    so several processes can record concurrently)."""
    if not tallies:
        return
    session.execute(_TALLY_UPDATE, [
        {"t_id": t.subscriber_id, "t_delivered": t.count, "t_at": t.last_at,
         "t_code": t.last_status_code, "t_error": t.last_error,
         "t_keep": 0 if t.saw_success else 1, "t_failed": t.trailing_failures}
        for t in tallies])


def disable_failing(session: Session, webhook_ids: Sequence[int], threshold: int,
                    reason: str) -> list[Disabled]:
    """Switch off enabled webhooks among ``webhook_ids`` whose streak reached ``threshold``."""
    if not webhook_ids:
        return []
    rows = session.execute(
        update(_T)
        .where(_T.c.id.in_(list(webhook_ids)), _T.c.enabled.is_(True),
               _T.c.consecutive_failures >= threshold)
        .values(enabled=False, disabled_reason=reason, updated_at=utcnow())
        .returning(_T.c.id, _T.c.name, _T.c.consecutive_failures, _T.c.kind)
    ).all()
    return [Disabled(r.id, r.name, reason, r.consecutive_failures, r.kind) for r in rows]


def disable_gone(session: Session, webhook_id: int, reason: str) -> Disabled | None:
    """Switch off a webhook whose endpoint answered 410 Gone (None when already off)."""
    row = session.execute(
        update(_T)
        .where(_T.c.id == webhook_id, _T.c.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason, updated_at=utcnow())
        .returning(_T.c.id, _T.c.name, _T.c.consecutive_failures, _T.c.kind)
    ).first()
    return None if row is None else Disabled(row.id, row.name, reason, row.consecutive_failures,
                                             row.kind)


__all__ = ["Disabled", "apply_tallies", "create", "delete_config",
           "disable_failing", "disable_gone", "events_of", "filters_of", "get", "headers_of", "list_all",
           "notification_to_public", "to_public", "update_config"]
