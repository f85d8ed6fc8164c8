"""The ``subtitle_history`` table (the only module querying it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.providers.models import SubtitleHistory


@dataclass(frozen=True)
class HistoryFilter:
    provider: str | None = None
    language: str | None = None
    action: str | None = None
    media_path: str | None = None
    media_type: str | None = None


def record(session: Session, **values: Any) -> SubtitleHistory:
    """Add one history row (in the caller's transaction)."""
    row = SubtitleHistory(created_at=values.pop("created_at", None) or utcnow(), **values)
    session.add(row)
    session.flush()
    return row


def latest_for_subtitle(session: Session, subtitle_paths: list[str]) -> SubtitleHistory | None:
    """The newest row that saved one of ``subtitle_paths`` (what is on disk now)."""
    if not subtitle_paths:
        return None
    stmt = (select(SubtitleHistory)
            .where(SubtitleHistory.subtitle_path.in_(subtitle_paths))
            .order_by(SubtitleHistory.created_at.desc(), SubtitleHistory.id.desc())
            .limit(1))
    return session.scalars(stmt).first()


def first_download_at(session: Session, media_path: str, language: str,
                      hearing_impaired: bool, forced: bool) -> datetime | None:
    """When a subtitle for this media and language was first saved (the upgrade window start)."""
    stmt = select(func.min(SubtitleHistory.created_at)).where(
        SubtitleHistory.media_path == media_path, SubtitleHistory.language == language,
        SubtitleHistory.hearing_impaired == hearing_impaired, SubtitleHistory.forced == forced)
    return session.scalar(stmt)


def list_history(session: Session, filters: HistoryFilter, limit: int,
                 offset: int) -> tuple[list[SubtitleHistory], int]:
    """One page of rows, newest first, and the total matching ``filters``."""
    conditions = []
    for name in ("provider", "language", "action", "media_path", "media_type"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(SubtitleHistory, name) == value)
    total = session.scalar(select(func.count()).select_from(SubtitleHistory).where(*conditions))
    stmt = (select(SubtitleHistory).where(*conditions)
            .order_by(SubtitleHistory.created_at.desc(), SubtitleHistory.id.desc())
            .limit(limit).offset(offset))
    return list(session.scalars(stmt)), int(total or 0)


def recent_subtitles(session: Session, since: datetime, limit: int) -> list[SubtitleHistory]:
    """The newest row of each subtitle file saved since ``since`` (upgrade candidates)."""
    newest = (select(func.max(SubtitleHistory.id).label("id"))
              .group_by(SubtitleHistory.subtitle_path).subquery())
    stmt = (select(SubtitleHistory).where(SubtitleHistory.id.in_(select(newest.c.id)),
                                          SubtitleHistory.created_at >= since)
            .order_by(SubtitleHistory.created_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def as_dict(row: SubtitleHistory) -> dict[str, Any]:
    return {
        "id": row.id,
        "action": row.action,
        "media_type": row.media_type,
        "media_path": row.media_path,
        "title": row.title,
        "year": row.year,
        "season": row.season,
        "episode": row.episode,
        "language": row.language,
        "hearing_impaired": row.hearing_impaired,
        "forced": row.forced,
        "provider": row.provider,
        "subtitle_id": row.subtitle_id,
        "release_name": row.release_name,
        "score": row.score,
        "format": row.format,
        "subtitle_path": row.subtitle_path,
        "old_score": row.old_score,
        "old_provider": row.old_provider,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
    }


def get(session: Session, row_id: int) -> SubtitleHistory | None:
    return session.get(SubtitleHistory, row_id)
