"""The ``settings`` table: stored setting values, JSON-encoded."""

from __future__ import annotations

import json
from typing import Any, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.db.models import SettingRow


def load_all(session: Session) -> dict[str, Any]:
    """Every stored setting, decoded."""
    rows = session.scalars(select(SettingRow)).all()
    return {row.key: json.loads(row.value) for row in rows}


def save_many(session: Session, values: Mapping[str, Any]) -> None:
    """Insert or replace the given settings (in the caller's transaction)."""
    now = utcnow()
    for key, value in values.items():
        row = session.get(SettingRow, key)
        encoded = json.dumps(value)
        if row is None:
            session.add(SettingRow(key=key, value=encoded, updated_at=now))
        else:
            row.value = encoded
            row.updated_at = now


def delete_keys(session: Session, keys: list[str]) -> None:
    """Forget stored values so the defaults apply again."""
    if keys:
        session.execute(delete(SettingRow).where(SettingRow.key.in_(keys)))
