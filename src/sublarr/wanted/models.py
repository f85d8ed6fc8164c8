"""The wanted list table. Owner: :mod:`sublarr.wanted.repo`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow

STATUSES = ("wanted", "searching", "found", "not_found", "failed", "dropped")
SEARCHABLE = ("wanted", "not_found", "failed")  # statuses the search queue picks up when due


class WantedItem(Base):
    """One media file that lacks a subtitle in one language."""

    __tablename__ = "wanted_items"
    __table_args__ = (
        UniqueConstraint("media_path", "language", name="uq_wanted_items_media_language"),
        Index("ix_wanted_items_status_id", "status", "id"),
        Index("ix_wanted_items_language_id", "language", "id"),
        Index("ix_wanted_items_source", "source"),
        Index("ix_wanted_items_next_search_at", "next_search_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_path: Mapped[str] = mapped_column(Text, nullable=False)
    media_type: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    year: Mapped[int | None] = mapped_column(Integer)
    season: Mapped[int | None] = mapped_column(Integer)
    episode: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="wanted")
    search_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_searched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    subtitle_path: Mapped[str | None] = mapped_column(Text)
    # When the search queue searches this row next (None: never again, e.g. found/dropped).
    next_search_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str | None] = mapped_column(String(16))  # found | not_found | failed | dropped
    # The language profile the row was added for (see sublarr.profiles); None: the default.
    profile_id: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
