"""Tables of language profiles. Owner: :mod:`sublarr.profiles.repo`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow


class LanguageProfileRow(Base):
    """A named, ordered list of wanted languages (JSON) with a cutoff and tag mapping."""

    __tablename__ = "language_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    # [{"code": "ja", "hearing_impaired": false, "forced": false}, ...]
    languages: Mapped[str] = mapped_column(Text, nullable=False)
    cutoff: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tags: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # *arr tag labels
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ProfileAssignmentRow(Base):
    """A series (``kind="series"``) or movie assigned to a profile by its title."""

    __tablename__ = "language_profile_assignments"
    __table_args__ = (UniqueConstraint("kind", "title", name="uq_profile_assignments_kind_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    profile_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
