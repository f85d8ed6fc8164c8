"""The rows of the webhook outbox as Python sees them, and their small pure helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Collection, Iterable, NamedTuple, Sequence

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
ID_PREFIX = "dlv_"


def encode_targets(targets: Sequence[tuple[int, int]]) -> str:
    """An event's ``(webhook_id, max_attempts)`` list as stored until its rows exist."""
    return json.dumps(targets, separators=(",", ":"))


def decode_targets(text: str) -> list[tuple[int, int]]:
    return [(int(wid), int(max_attempts)) for wid, max_attempts in json.loads(text)]


def count_targets(stored: Iterable[str], webhook_id: int | None = None) -> int:
    """Deliveries that stored target lists will become (of one webhook, or all)."""
    return sum(1 for text in stored for wid, _ in decode_targets(text)
               if webhook_id is None or wid == webhook_id)


def public_delivery_id(key: int) -> str:
    return f"{ID_PREFIX}{key}"


def delivery_key(delivery_id: str) -> int | None:
    """The row id behind a public delivery id (None when it is not one of ours)."""
    digits = delivery_id[len(ID_PREFIX):] if delivery_id.startswith(ID_PREFIX) else ""
    return int(digits) if digits.isdigit() else None


class Claimed(NamedTuple):
    """A delivery this process holds a lease on (a tuple: one emit builds a hundred)."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    attempts: int
    max_attempts: int
    lease_expires_at: datetime


@dataclass(frozen=True)
class NewEvent:
    """An event to store with one pending delivery per ``(webhook_id, max_attempts)``."""

    event_id: str
    event_name: str
    payload: str
    targets: Sequence[tuple[int, int]]
    created_at: datetime


@dataclass(frozen=True)
class FanOut:
    """What one fan-out transaction stored."""

    events: int                   # events whose rows now exist (0: none was waiting)
    adopted: list[Claimed]        # rows stored already leased to this process
    queued: set[int]              # webhooks that got rows in the shared backlog


@dataclass(frozen=True)
class AttemptRecord:
    """The stored effect of one attempt on its row."""

    delivery_id: str
    status: str                   # PENDING (rescheduled), DELIVERED or FAILED
    attempts: int
    next_attempt_at: datetime
    status_code: int | None
    error: str | None
    completed_at: datetime | None


@dataclass(frozen=True)
class StoredDelivery:
    """A delivery as the API and redelivery need it."""

    id: str
    webhook_id: int
    event_id: str
    event_name: str
    payload: str
    status: str
    attempts: int


def unfanned_event(row: Any) -> NewEvent:
    return NewEvent(row.event_id, row.event_name, row.payload, decode_targets(row.targets),
                    row.created_at)


def with_known_targets(event: NewEvent, exists: Callable[[int], bool]) -> NewEvent:
    known = [t for t in event.targets if exists(t[0])]
    return event if len(known) == len(event.targets) else replace(event, targets=known)


def pair_rows(events: Sequence[NewEvent], keys: Sequence[int], leased_to_me: Collection[int],
               until: datetime) -> tuple[list[Claimed], set[int]]:
    """The new rows (ids in ``targets`` order) as our claims, and the webhooks
    whose rows went to the shared backlog."""
    adopted: list[Claimed] = []
    queued: set[int] = set()
    targets = [(e, wid, max_attempts) for e in events for wid, max_attempts in e.targets]
    for (e, wid, max_attempts), key in zip(targets, keys, strict=True):
        if wid in leased_to_me:
            adopted.append(Claimed(f"{ID_PREFIX}{key}", wid, e.event_id, e.event_name,
                                   e.payload, 0, max_attempts, until))
        else:
            queued.add(wid)
    return adopted, queued
