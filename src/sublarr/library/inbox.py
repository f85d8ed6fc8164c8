"""Incoming webhooks accepted but not yet applied (table ``incoming_webhooks``).

An accepted Sonarr/Radarr/Jellyfin webhook is stored here before the answer
goes out, applied off the request thread, then removed; what a crash or a
stop leaves behind is applied at the next start.  So an import that Sonarr
was told succeeded is never forgotten.  Owner of the table.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow
from sublarr.library.actions import WebhookAction
from sublarr.library.media import MediaFile


class IncomingWebhookRow(Base):
    """One accepted webhook's library changes, as JSON (see :func:`encode`)."""

    __tablename__ = "incoming_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    action: Mapped[str] = mapped_column(Text, nullable=False)


def encode(action: WebhookAction) -> str:
    """``action`` as compact JSON (frozensets as sorted lists)."""
    data = asdict(action)
    for file in data["new_files"]:
        for key in ("embedded_languages", "tags"):
            if file[key] is not None:
                file[key] = sorted(file[key])
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> WebhookAction:
    data: dict[str, Any] = json.loads(text)
    files = []
    for file in data.pop("new_files"):
        embedded = file.pop("embedded_languages")
        tags = file.pop("tags")
        files.append(MediaFile(**file, embedded_languages=None if embedded is None
                               else frozenset(embedded), tags=frozenset(tags)))
    return WebhookAction(**data, new_files=files)


def store(session: Session, action: WebhookAction) -> int:
    row = IncomingWebhookRow(action=encode(action))
    session.add(row)
    session.flush()
    return row.id


def remove(session: Session, row_id: int) -> None:
    session.execute(delete(IncomingWebhookRow).where(IncomingWebhookRow.id == row_id))


def left_over(session: Session, limit: int = 10_000) -> list[tuple[int, WebhookAction]]:
    """Stored webhooks not applied yet, oldest first."""
    rows = session.execute(select(IncomingWebhookRow.id, IncomingWebhookRow.action)
                           .order_by(IncomingWebhookRow.id).limit(limit)).all()
    return [(row_id, decode(text)) for row_id, text in rows]
