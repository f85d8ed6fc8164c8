"""Queries of the language profile tables (the only module touching them)."""

from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.profiles.book import LanguagePref, Profile, ProfileBook
from sublarr.profiles.models import LanguageProfileRow, ProfileAssignmentRow

DEFAULT_NAME = "Default"


def to_profile(row: LanguageProfileRow) -> Profile:
    try:
        raw = json.loads(row.languages)
        tags = json.loads(row.tags or "[]")
    except ValueError:
        raw, tags = [], []
    prefs = tuple(LanguagePref(str(p.get("code", "")), bool(p.get("hearing_impaired")),
                               bool(p.get("forced"))) for p in raw if isinstance(p, dict))
    return Profile(row.id, row.name, prefs, row.cutoff, row.is_default,
                   tuple(str(t) for t in tags if isinstance(t, str)))


def _encode(prefs: Sequence[LanguagePref]) -> str:
    return json.dumps([p.as_dict() for p in prefs])


def ensure_default(session: Session, codes: list[str]) -> Profile:
    """The default profile, created from ``codes`` when there is none."""
    row = session.scalars(select(LanguageProfileRow)
                          .where(LanguageProfileRow.is_default.is_(True))).first()
    if row is None:
        name = DEFAULT_NAME
        if session.scalar(select(LanguageProfileRow.id).where(LanguageProfileRow.name == name)):
            name = f"{DEFAULT_NAME} ({utcnow():%Y%m%d%H%M%S})"
        row = LanguageProfileRow(name=name, languages=_encode([LanguagePref(c) for c in codes]),
                                 cutoff=False, is_default=True, tags="[]",
                                 created_at=utcnow(), updated_at=utcnow())
        session.add(row)
        session.flush()
    return to_profile(row)


def sync_default_codes(session: Session, codes: list[str]) -> bool:
    """Make the default profile's languages ``codes`` (``wanted_languages``), keeping the
    preferences of codes it already has; True when something changed."""
    row = session.scalars(select(LanguageProfileRow)
                          .where(LanguageProfileRow.is_default.is_(True))).first()
    if row is None:
        ensure_default(session, codes)
        return True
    profile = to_profile(row)
    if profile.codes == codes:
        return False
    row.languages = _encode([profile.pref(c) or LanguagePref(c) for c in codes])
    row.updated_at = utcnow()
    return True


def book(session: Session, default_codes: list[str]) -> ProfileBook:
    profiles = {row.id: to_profile(row) for row in session.scalars(select(LanguageProfileRow))}
    default = next((p for p in profiles.values() if p.is_default), None)
    if default is None:
        default = ensure_default(session, default_codes)
        profiles[default.id] = default
    assignments = {(kind, title): pid for kind, title, pid in session.execute(
        select(ProfileAssignmentRow.kind, ProfileAssignmentRow.title,
               ProfileAssignmentRow.profile_id))}
    return ProfileBook(profiles, default, assignments)


def list_profiles(session: Session) -> list[Profile]:
    return [to_profile(r) for r in session.scalars(
        select(LanguageProfileRow).order_by(LanguageProfileRow.id))]


def get_row(session: Session, profile_id: int) -> LanguageProfileRow | None:
    return session.get(LanguageProfileRow, profile_id)


def name_taken(session: Session, name: str, other_than: int | None = None) -> bool:
    stmt = select(LanguageProfileRow.id).where(func.lower(LanguageProfileRow.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(LanguageProfileRow.id != other_than)
    return session.scalar(stmt) is not None


def save(session: Session, row: LanguageProfileRow | None, name: str,
         prefs: Sequence[LanguagePref], cutoff: bool, tags: Sequence[str],
         make_default: bool) -> Profile:
    """Create (``row`` None) or replace a profile; ``make_default`` moves the default to it."""
    now = utcnow()
    if row is None:
        row = LanguageProfileRow(created_at=now, is_default=False)
        session.add(row)
    row.name, row.languages, row.cutoff = name, _encode(prefs), cutoff
    row.tags, row.updated_at = json.dumps(list(tags)), now
    session.flush()
    if make_default and not row.is_default:
        for other in session.scalars(select(LanguageProfileRow)
                                     .where(LanguageProfileRow.is_default.is_(True))):
            other.is_default = False
        session.flush()
        row.is_default = True
        session.flush()
    return to_profile(row)


def assignment_count(session: Session, profile_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(ProfileAssignmentRow)
                              .where(ProfileAssignmentRow.profile_id == profile_id)) or 0)


def delete(session: Session, row: LanguageProfileRow) -> None:
    session.delete(row)


def list_assignments(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ProfileAssignmentRow, LanguageProfileRow.name).join(
        LanguageProfileRow, LanguageProfileRow.id == ProfileAssignmentRow.profile_id,
        isouter=True).order_by(ProfileAssignmentRow.kind, ProfileAssignmentRow.title))
    return [{"kind": a.kind, "title": a.title, "profile_id": a.profile_id,
             "profile_name": name} for a, name in rows]


def assign(session: Session, kind: str, title: str, profile_id: int | None) -> None:
    """Assign a series/movie to a profile; ``profile_id`` None removes the assignment."""
    row = session.scalars(select(ProfileAssignmentRow).where(
        ProfileAssignmentRow.kind == kind, ProfileAssignmentRow.title == title)).first()
    if profile_id is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(ProfileAssignmentRow(kind=kind, title=title, profile_id=profile_id,
                                         created_at=utcnow()))
    else:
        row.profile_id = profile_id


def as_dict(profile: Profile) -> dict[str, Any]:
    return {"id": profile.id, "name": profile.name,
            "languages": [p.as_dict() for p in profile.languages], "cutoff": profile.cutoff,
            "default": profile.is_default, "tags": list(profile.tags)}
