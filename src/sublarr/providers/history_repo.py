"""The ``subtitle_history`` table (the only module querying it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.providers.models import SubtitleHistory
from sublarr.wanted.repo import text_match


@dataclass(frozen=True)
class HistoryFilter:
    provider: str | None = None
    language: str | None = None
    action: str | None = None
    media_path: str | None = None
    media_type: str | None = None
    search: str | None = None  # text in the title or media path


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


def list_history(session: Session, filters: HistoryFilter, limit: int, offset: int,
                 after: tuple[datetime, int] | None = None,
                 ) -> tuple[list[SubtitleHistory], int]:
    """One page of rows, newest first, and the total matching ``filters``.

    ``after`` (keyset paging: created_at and id of the previous page's last row)
    seeks in the (created_at, id) index, so a deep page costs what the first does;
    the page's ids come from an id-only index walk and only those rows are read.
    """
    conditions = []
    for name in ("provider", "language", "action", "media_path", "media_type"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(SubtitleHistory, name) == value)
    if filters.search:
        conditions.append(text_match(session, (SubtitleHistory.title, SubtitleHistory.media_path),
                                     filters.search))
    total = session.scalar(select(func.count()).select_from(SubtitleHistory).where(*conditions))
    order = (SubtitleHistory.created_at.desc(), SubtitleHistory.id.desc())
    ids = select(SubtitleHistory.id).where(*conditions)
    if after is not None:
        moment, last_id = after
        ids = ids.where(or_(SubtitleHistory.created_at < moment,
                            and_(SubtitleHistory.created_at == moment,
                                 SubtitleHistory.id < last_id)))
    ids = ids.order_by(*order).limit(limit).offset(offset)
    stmt = select(SubtitleHistory).where(SubtitleHistory.id.in_(ids.scalar_subquery()))
    return list(session.scalars(stmt.order_by(*order))), int(total or 0)


def cursor_of(row: SubtitleHistory) -> str:
    """The keyset cursor after ``row``: its created_at (µs since the epoch) and id."""
    micros = round(row.created_at.timestamp() * 1_000_000)
    return f"{micros}.{row.id}"


def parse_cursor(cursor: str) -> tuple[datetime, int]:
    micros, _, row_id = cursor.partition(".")
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(micros))
    return moment, int(row_id)


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
