"""ORM models of the providers subsystem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow


class SubtitleHistory(Base):
    """One saved subtitle (download or upgrade). Owner: :mod:`sublarr.providers.history_repo`."""

    __tablename__ = "subtitle_history"
    __table_args__ = (
        Index("ix_subtitle_history_subtitle_path", "subtitle_path"),
        Index("ix_subtitle_history_media_path", "media_path"),
        Index("ix_subtitle_history_created_at_id", "created_at", "id"),
        Index("ix_subtitle_history_provider", "provider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # downloaded | upgraded
    media_type: Mapped[str] = mapped_column(String(16), nullable=False)
    media_path: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    year: Mapped[int | None] = mapped_column(Integer)
    season: Mapped[int | None] = mapped_column(Integer)
    episode: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    hearing_impaired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    forced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    provider: Mapped[str] = mapped_column(String(50), nullable=False)
    subtitle_id: Mapped[str] = mapped_column(String(200), nullable=False)
    release_name: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    subtitle_path: Mapped[str] = mapped_column(Text, nullable=False)
    old_score: Mapped[int | None] = mapped_column(Integer)
    old_provider: Mapped[str | None] = mapped_column(String(50))
    # SHA-256 of the bytes written: tells our file from one the user put there later.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class BlacklistEntry(Base):
    """A subtitle never to download again for one media file.
    Owner: :mod:`sublarr.providers.blacklist_repo`."""

    __tablename__ = "subtitle_blacklist"
    __table_args__ = (
        UniqueConstraint("media_path", "provider", "subtitle_id",
                         name="uq_subtitle_blacklist_media_subtitle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_path: Mapped[str] = mapped_column(Text, nullable=False)
    media_type: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    season: Mapped[int | None] = mapped_column(Integer)
    episode: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String(50), nullable=False)
    subtitle_id: Mapped[str] = mapped_column(String(200), nullable=False)
    release_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
