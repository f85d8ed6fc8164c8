"""ORM models of the translation tables.

Owners: :mod:`sublarr.translation.jobs_repo` (jobs, their finished batches and
job groups) and :mod:`sublarr.translation.glossary_repo` (glossary terms).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "completed", "failed")
ACTIVE_STATES = ("queued", "running")


class TranslationGroup(Base):
    """Jobs created by one batch request; ``finished_at`` is set once batch_complete went out."""

    __tablename__ = "translation_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TranslationJob(Base):
    """One file to translate; state moves queued -> running -> completed | failed."""

    __tablename__ = "translation_jobs"
    __table_args__ = (Index("ix_translation_jobs_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("translation_groups.id", ondelete="SET NULL"))
    retranslation_of: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    source_path: Mapped[str] = mapped_column(Text, nullable=False)
    output_path: Mapped[str] = mapped_column(Text, nullable=False)
    source_language: Mapped[str] = mapped_column(String(16), nullable=False)
    target_language: Mapped[str] = mapped_column(String(16), nullable=False)
    backend: Mapped[str] = mapped_column(String(32), nullable=False)
    series: Mapped[str | None] = mapped_column(String(300))
    batch_size: Mapped[int] = mapped_column(Integer, nullable=False)
    total_lines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_batches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done_batches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TranslationBatchResult(Base):
    """The stored translations of one finished batch (what a resumed job skips)."""

    __tablename__ = "translation_batch_results"

    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("translation_jobs.id", ondelete="CASCADE"), primary_key=True)
    batch_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    translations: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of texts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class GlossaryTerm(Base):
    """A per-series term translation given to LLM backends in the prompt."""

    __tablename__ = "translation_glossary"
    __table_args__ = (UniqueConstraint("series_key", "source_term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_key: Mapped[str] = mapped_column(String(300), nullable=False)
    series: Mapped[str] = mapped_column(String(300), nullable=False)
    source_term: Mapped[str] = mapped_column(String(200), nullable=False)
    target_term: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
