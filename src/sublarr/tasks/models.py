"""The last run of each scheduled job. Owner: :mod:`sublarr.tasks.registry`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sublarr.db.base import Base, UTCDateTime


class ScheduledTaskRun(Base):
    """One row per task name: how its last run went."""

    __tablename__ = "scheduled_tasks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    last_result: Mapped[str] = mapped_column(Text, nullable=False)
    last_success: Mapped[bool] = mapped_column(Boolean, nullable=False)
