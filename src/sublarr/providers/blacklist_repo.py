"""The ``subtitle_blacklist`` table (the only module querying it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.providers.models import BlacklistEntry, SubtitleHistory


def banned_for(session: Session, media_path: str) -> set[tuple[str, str]]:
    """(provider, subtitle id) pairs never to download for this media file."""
    rows = session.execute(select(BlacklistEntry.provider, BlacklistEntry.subtitle_id)
                           .where(BlacklistEntry.media_path == media_path))
    return {(provider, subtitle_id) for provider, subtitle_id in rows}


def find(session: Session, media_path: str, provider: str,
         subtitle_id: str) -> BlacklistEntry | None:
    return session.scalars(select(BlacklistEntry).where(
        BlacklistEntry.media_path == media_path, BlacklistEntry.provider == provider,
        BlacklistEntry.subtitle_id == subtitle_id)).first()


def add_from_history(session: Session, row: SubtitleHistory) -> tuple[BlacklistEntry, bool]:
    """Blacklist the subtitle a history row saved; (entry, True when new)."""
    existing = find(session, row.media_path, row.provider, row.subtitle_id)
    if existing is not None:
        return existing, False
    entry = BlacklistEntry(
        media_path=row.media_path, media_type=row.media_type, title=row.title,
        season=row.season, episode=row.episode, language=row.language, provider=row.provider,
        subtitle_id=row.subtitle_id, release_name=row.release_name, created_at=utcnow())
    session.add(entry)
    session.flush()
    return entry, True


def page(session: Session, limit: int, offset: int) -> tuple[list[BlacklistEntry], int]:
    total = session.scalar(select(func.count()).select_from(BlacklistEntry))
    rows = session.scalars(select(BlacklistEntry)
                           .order_by(BlacklistEntry.created_at.desc(), BlacklistEntry.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), int(total or 0)


def delete(session: Session, entry_id: int) -> bool:
    entry = session.get(BlacklistEntry, entry_id)
    if entry is None:
        return False
    session.delete(entry)
    return True


def as_dict(entry: BlacklistEntry) -> dict[str, Any]:
    return {
        "id": entry.id, "media_path": entry.media_path, "media_type": entry.media_type,
        "title": entry.title, "season": entry.season, "episode": entry.episode,
        "language": entry.language, "provider": entry.provider,
        "subtitle_id": entry.subtitle_id, "release_name": entry.release_name,
        "created_at": entry.created_at.isoformat().replace("+00:00", "Z"),
    }
