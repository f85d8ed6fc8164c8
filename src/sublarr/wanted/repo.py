"""Queries of the ``wanted_items`` table (the only module that touches it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Iterable, Sequence

from sqlalchemy import Select, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.library.media import MediaFile
from sublarr.wanted.models import SEARCHABLE, WantedItem

CHUNK = 500  # keeps IN (...) lists under every backend's parameter limit


@dataclass(frozen=True)
class RowKey:
    """The parts of a row the scanner reconciles on."""

    id: int
    media_path: str
    language: str
    source: str
    added_before: bool  # added before the moment the caller asked about
    media_type: str = "episode"
    title: str = ""
    profile_id: int | None = None


@dataclass(frozen=True)
class WantedFilter:
    status: str | None = None
    language: str | None = None
    media_type: str | None = None
    source: str | None = None
    search: str | None = None


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def row_keys(session: Session, moment: datetime) -> list[RowKey]:
    older = case((WantedItem.added_at < moment, True), else_=False)
    rows = session.execute(select(WantedItem.id, WantedItem.media_path, WantedItem.language,
                                  WantedItem.source, older, WantedItem.media_type,
                                  WantedItem.title, WantedItem.profile_id))
    return [RowKey(id_, path, lang, source, bool(old), kind, title, profile)
            for id_, path, lang, source, old, kind, title, profile in rows]


def row_keys_after(session: Session, moment: datetime, after_id: int,
                   limit: int) -> list[RowKey]:
    """Up to ``limit`` rows with an id above ``after_id`` (a sweep a page at a time)."""
    older = case((WantedItem.added_at < moment, True), else_=False)
    rows = session.execute(select(WantedItem.id, WantedItem.media_path, WantedItem.language,
                                  WantedItem.source, older, WantedItem.media_type,
                                  WantedItem.title, WantedItem.profile_id)
                           .where(WantedItem.id > after_id).order_by(WantedItem.id)
                           .limit(limit))
    return [RowKey(id_, path, lang, source, bool(old), kind, title, profile)
            for id_, path, lang, source, old, kind, title, profile in rows]


# The two lookups every scan part and every applied webhook make are built once:
# building a statement costs more than running it on a small part.
@cache
def _rows_of_paths() -> Select:
    return select(WantedItem.id, WantedItem.media_path, WantedItem.language,
                  WantedItem.profile_id).where(
        WantedItem.media_path.in_(bindparam("paths", expanding=True)))


@cache
def _keys_of_paths() -> Select:
    return select(WantedItem.media_path, WantedItem.language).where(
        WantedItem.media_path.in_(bindparam("paths", expanding=True)))


def rows_for_paths(session: Session, paths: Sequence[str]) -> list[tuple[int, str, str, int | None]]:
    """(id, media path, language, profile id) of the rows of these files."""
    found: list[tuple[int, str, str, int | None]] = []
    for chunk in _chunks(list(paths)):
        found.extend(session.execute(_rows_of_paths(), {"paths": list(chunk)}).tuples())
    return found


def keys_for_paths(session: Session, paths: Sequence[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(list(paths)):
        rows = session.execute(_keys_of_paths(), {"paths": list(chunk)})
        found.update((path, lang) for path, lang in rows)
    return found


def insert_wanted(session: Session, wants: Sequence[tuple[MediaFile, str]],
                  due_at: datetime | None = None,
                  profile_ids: dict[str, int] | None = None) -> int:
    """Insert one ``wanted`` row per (file, language); the caller removed duplicates.

    ``due_at`` is when the search queue searches the rows first (default: now);
    ``profile_ids`` the language profile of each file (by path).
    """
    profiles = profile_ids or {}
    now = utcnow()
    due = now if due_at is None else due_at
    values = [{
        "media_path": media.path, "media_type": media.media_type, "source": media.source,
        "title": media.title[:2000], "year": media.year, "season": media.season,
        "episode": media.episode, "language": language, "status": "wanted", "search_count": 0,
        "added_at": now, "updated_at": now, "next_search_at": due,
        "profile_id": profiles.get(media.path),
    } for media, language in wants]
    for chunk in _chunks(values):  # Core executemany: no ORM bookkeeping per row
        session.execute(insert(WantedItem.__table__), list(chunk))
    return len(values)


def set_profiles(session: Session, profile_of: dict[int, int]) -> None:
    """Rows (by id) whose file follows another profile now."""
    by_profile: dict[int, list[int]] = {}
    for row_id, profile_id in profile_of.items():
        by_profile.setdefault(profile_id, []).append(row_id)
    for profile_id, ids in by_profile.items():
        for chunk in _chunks(sorted(ids)):
            session.execute(update(WantedItem).where(WantedItem.id.in_(chunk))
                            .values(profile_id=profile_id))


def delete_ids(session: Session, ids: Sequence[int]) -> int:
    removed = 0
    for chunk in _chunks(list(ids)):
        removed += session.execute(delete(WantedItem).where(WantedItem.id.in_(chunk))).rowcount
    return removed


def delete_paths(session: Session, paths: Sequence[str]) -> int:
    removed = 0
    for chunk in _chunks(list(paths)):
        removed += session.execute(
            delete(WantedItem).where(WantedItem.media_path.in_(chunk))).rowcount
    return removed


def delete_gone(session: Session, paths: Sequence[str], source: str, before: datetime) -> int:
    """Rows of ``source`` for these files added before ``before`` (rows a webhook added
    since are left for the end-of-scan sweep)."""
    removed = 0
    for chunk in _chunks(list(paths)):
        removed += session.execute(delete(WantedItem).where(
            WantedItem.media_path.in_(chunk), WantedItem.source == source,
            WantedItem.added_at < before)).rowcount
    return removed


def delete_under(session: Session, folder: str) -> int:
    """Rows of every file inside ``folder`` (a deleted series or movie folder)."""
    prefix = folder.rstrip("/") + "/"
    pattern = _escape_like(prefix) + "%"
    return session.execute(delete(WantedItem).where(
        WantedItem.media_path.like(pattern, escape="\\"))).rowcount


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_match(session: Session, columns: Sequence[Any], text: str) -> Any:
    """Case-insensitive substring match on any of ``columns``.  SQLite's LIKE already
    ignores ASCII case (``lower()`` on every row would double the scan); elsewhere ILIKE."""
    pattern = "%" + _escape_like(text) + "%"
    if session.get_bind().dialect.name == "sqlite":
        return or_(*(column.like(pattern, escape="\\") for column in columns))
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def _conditions(session: Session, filters: WantedFilter) -> list[Any]:
    conditions = []
    if filters.status:
        conditions.append(WantedItem.status == filters.status)
    if filters.language:
        conditions.append(WantedItem.language == filters.language)
    if filters.media_type:
        conditions.append(WantedItem.media_type == filters.media_type)
    if filters.source:
        conditions.append(WantedItem.source == filters.source)
    if filters.search:
        conditions.append(text_match(session, (WantedItem.title, WantedItem.media_path),
                                     filters.search))
    return conditions


def page(session: Session, filters: WantedFilter, limit: int, offset: int,
         after_id: int | None = None) -> tuple[list[WantedItem], int]:
    """One page in id order and the total matching ``filters``.

    ``after_id`` (keyset paging: the last id of the previous page) seeks in the
    primary key, so every page costs the same; ``offset`` counts on from there.
    The page's ids are picked by an id-only query (an index walk, no row bodies)
    and only those 50 rows are read in full.
    """
    conditions = _conditions(session, filters)
    total = session.scalar(select(func.count()).select_from(WantedItem).where(*conditions)) or 0
    ids = select(WantedItem.id).where(*conditions)
    if after_id is not None:
        ids = ids.where(WantedItem.id > after_id)
    ids = ids.order_by(WantedItem.id).limit(limit).offset(offset)
    rows = session.scalars(select(WantedItem).where(WantedItem.id.in_(ids.scalar_subquery()))
                           .order_by(WantedItem.id)).all()
    return list(rows), total


def get(session: Session, item_id: int) -> WantedItem | None:
    return session.get(WantedItem, item_id)


def ids_to_search(session: Session, ids: Sequence[int] | None, limit: int) -> list[int]:
    """Rows a batch search should visit: the given ids, or every row still wanted."""
    if ids is not None:
        found: list[int] = []
        for chunk in _chunks(list(ids)):
            found.extend(session.scalars(select(WantedItem.id).where(WantedItem.id.in_(chunk))))
        return sorted(found)[:limit]
    return list(session.scalars(
        select(WantedItem.id)
        .where(WantedItem.status.in_(("wanted", "not_found", "failed")))
        .order_by(WantedItem.id).limit(limit)))


def rearm_paths(session: Session, paths: Sequence[str], due_at: datetime) -> int:
    """Rows of files that arrived again (re-import, upgrade) become due at ``due_at``."""
    armed = 0
    for chunk in _chunks(list(paths)):
        armed += session.execute(update(WantedItem).where(
            WantedItem.media_path.in_(chunk),
            WantedItem.status.in_((*SEARCHABLE, "dropped"))).values(
            status="wanted", next_search_at=due_at, updated_at=utcnow())).rowcount
    return armed


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Searchable rows whose ``next_search_at`` has come, oldest due first."""
    return list(session.scalars(
        select(WantedItem.id)
        .where(WantedItem.next_search_at <= now, WantedItem.status.in_(SEARCHABLE))
        .order_by(WantedItem.next_search_at, WantedItem.id).limit(limit)))


def claim(session: Session, ids: Sequence[int]) -> list[int]:
    """Mark due rows ``searching`` in one statement; returns the ids this caller took
    (another process or a batch search may have taken some meanwhile)."""
    if not ids:
        return []
    taken = session.execute(update(WantedItem).where(
        WantedItem.id.in_(ids), WantedItem.status.in_(SEARCHABLE)).values(
        status="searching", updated_at=utcnow())).rowcount
    if taken == len(ids):
        return list(ids)
    # Rare: someone else took a few; our update may have marked only the free ones.
    return [i for i in ids if _is_searching(session, i)]


def _is_searching(session: Session, item_id: int) -> bool:
    return session.scalar(select(WantedItem.status).where(WantedItem.id == item_id)) == "searching"


def next_due_at(session: Session) -> datetime | None:
    """The earliest ``next_search_at`` of a searchable row."""
    return session.scalar(select(func.min(WantedItem.next_search_at))
                          .where(WantedItem.status.in_(SEARCHABLE)))


def make_due(session: Session, now: datetime) -> int:
    """Every searchable row becomes due now (Tasks → Run now of the wanted search)."""
    return session.execute(update(WantedItem).where(WantedItem.status.in_(SEARCHABLE))
                           .values(next_search_at=now)).rowcount


def defer(session: Session, item_id: int, until: datetime, reason: str) -> None:
    """Back to ``wanted`` without counting an attempt (no provider could be asked)."""
    session.execute(update(WantedItem).where(WantedItem.id == item_id).values(
        status="wanted", next_search_at=until, last_error=reason[:2000], updated_at=utcnow()))


def drop(session: Session, item_id: int, reason: str) -> None:
    """Never search this row again; the reason stays visible in ``last_error``."""
    now = utcnow()
    session.execute(update(WantedItem).where(WantedItem.id == item_id).values(
        status="dropped", last_result="dropped", next_search_at=None,
        last_error=reason[:2000], updated_at=now))


def mark_searching(session: Session, item_id: int) -> WantedItem | None:
    item = session.get(WantedItem, item_id)
    if item is None:
        return None
    item.status = "searching"
    item.updated_at = utcnow()
    return item


def record_search(session: Session, item_id: int, status: str, subtitle_path: str | None,
                  error: str | None, next_search_at: datetime | None = None,
                  now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(update(WantedItem).where(WantedItem.id == item_id).values(
        status=status, subtitle_path=subtitle_path, last_error=(error or None) and error[:2000],
        last_searched_at=now, updated_at=now, search_count=WantedItem.search_count + 1,
        last_result=status, next_search_at=next_search_at))


def reset_stale_searching(session: Session) -> int:
    """Rows left ``searching`` by a crash go back to ``wanted`` at start-up."""
    return session.execute(update(WantedItem).where(WantedItem.status == "searching")
                           .values(status="wanted")).rowcount


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(WantedItem.status, func.count()).group_by(WantedItem.status))
    return {status: count for status, count in rows}


def to_dict(item: WantedItem) -> dict[str, Any]:
    return {
        "id": item.id, "media_path": item.media_path, "media_type": item.media_type,
        "source": item.source, "title": item.title, "year": item.year, "season": item.season,
        "episode": item.episode, "language": item.language, "status": item.status,
        "search_count": item.search_count, "attempts": item.search_count,
        "next_search_at": item.next_search_at.isoformat() if item.next_search_at else None,
        "last_result": item.last_result,
        "last_searched_at": item.last_searched_at.isoformat() if item.last_searched_at else None,
        "last_error": item.last_error, "subtitle_path": item.subtitle_path,
        "profile_id": item.profile_id,
        "added_at": item.added_at.isoformat(), "updated_at": item.updated_at.isoformat(),
    }


def find(session: Session, media_path: str, language: str) -> WantedItem | None:
    return session.scalars(select(WantedItem).where(WantedItem.media_path == media_path,
                                                    WantedItem.language == language)).first()


def requeue(session: Session, media: MediaFile, language: str, now: datetime) -> int:
    """The file × language is wanted again and due now (its subtitle was blacklisted);
    returns the row id (a new row when the scanner had already removed it)."""
    item = find(session, media.path, language)
    if item is None:
        insert_wanted(session, [(media, language)], now)
        item = find(session, media.path, language)
        assert item is not None
        return item.id
    item.status, item.next_search_at, item.subtitle_path = "wanted", now, None
    item.last_error, item.updated_at = None, now
    return item.id
