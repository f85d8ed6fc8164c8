"""ORM model of the transcription queue. Owner: :mod:`sublarr.whisper.jobs`."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime, utcnow

QUEUED = "queued"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED)
FINISHED = frozenset({COMPLETED, FAILED, CANCELLED})


class WhisperJob(Base):
    """One transcription: queued → running → completed | failed | cancelled.

    A running job is leased to one worker (``lease_owner`` until
    ``lease_expires_at``); a worker that dies stops renewing, and the lease
    running out puts the job back in the queue.  ``cancel_requested`` lets an
    API call in any process ask the owning worker to stop.
    """

    __tablename__ = "whisper_jobs"
    __table_args__ = (
        Index("ix_whisper_jobs_claim", "status", "priority", "id"),
        Index("ix_whisper_jobs_media", "media_path", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_path: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str | None] = mapped_column(String(16))
    detected_language: Mapped[str | None] = mapped_column(String(16))
    audio_track: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=QUEUED)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    subtitle_path: Mapped[str | None] = mapped_column(Text)
    backend: Mapped[str | None] = mapped_column(String(32))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


@dataclass(frozen=True)
class JobRecord:
    """A job as read at one moment: safe to pass around once the session is closed."""

    id: int
    media_path: str
    language: str | None
    detected_language: str | None
    audio_track: int | None
    priority: int
    status: str
    progress: float
    error: str | None
    subtitle_path: str | None
    backend: str | None
    cancel_requested: bool
    attempts: int
    duration_ms: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, job: WhisperJob) -> "JobRecord":
        return cls(**{f.name: getattr(job, f.name) for f in fields(cls)})
