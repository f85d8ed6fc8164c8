"""The ``whisper_jobs`` table: every query of the transcription queue lives here.

State changes are conditional updates (``WHERE status = ...``), so a worker
finishing and a user cancelling at the same moment cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sublarr.db.base import utcnow
from sublarr.whisper.models import (
    CANCELLED,
    COMPLETED,
    FINISHED,
    QUEUED,
    RUNNING,
    WhisperJob,
)


def create_job(session: Session, media_path: str, language: str | None, priority: int,
               audio_track: int | None) -> WhisperJob:
    now = utcnow()
    job = WhisperJob(media_path=media_path, language=language, priority=priority,
                     audio_track=audio_track, status=QUEUED, progress=0.0,
                     cancel_requested=False, attempts=0, created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> WhisperJob | None:
    return session.get(WhisperJob, job_id)


def list_jobs(session: Session, status: str | None, limit: int,
              offset: int) -> tuple[list[WhisperJob], int]:
    """Newest first; ``total`` counts every row matching the filter."""
    query = select(WhisperJob)
    counter = select(func.count()).select_from(WhisperJob)
    if status:
        query = query.where(WhisperJob.status == status)
        counter = counter.where(WhisperJob.status == status)
    rows = session.scalars(query.order_by(WhisperJob.id.desc()).limit(limit).offset(offset))
    return list(rows), int(session.scalar(counter) or 0)


def find_active(session: Session, media_path: str, language: str | None) -> WhisperJob | None:
    """A queued or running job for the same file and language, if any."""
    query = select(WhisperJob).where(
        WhisperJob.media_path == media_path,
        WhisperJob.status.in_((QUEUED, RUNNING)),
        WhisperJob.language.is_(None) if language is None else WhisperJob.language == language,
    )
    return session.scalars(query.limit(1)).first()


def claim_next(session: Session, owner: str, lease: timedelta, backend: str) -> WhisperJob | None:
    """Take the most urgent queued job (highest priority, then oldest) for ``owner``."""
    candidates = session.scalars(
        select(WhisperJob.id).where(WhisperJob.status == QUEUED)
        .order_by(WhisperJob.priority.desc(), WhisperJob.id.asc()).limit(5)).all()
    for job_id in candidates:
        now = utcnow()
        claimed = session.execute(
            update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == QUEUED)
            .values(status=RUNNING, lease_owner=owner, lease_expires_at=now + lease,
                    started_at=now, updated_at=now, backend=backend, progress=0.0,
                    attempts=WhisperJob.attempts + 1, error=None)).rowcount
        if claimed:
            return session.get(WhisperJob, job_id, populate_existing=True)
    return None


@dataclass(frozen=True)
class Heartbeat:
    """What a running worker learns when it renews its lease."""

    still_owned: bool
    cancel_requested: bool


def heartbeat(session: Session, job_id: int, owner: str, progress: float,
              lease: timedelta) -> Heartbeat:
    """Renew the lease, store progress, and report whether someone asked to cancel."""
    now = utcnow()
    owned = session.execute(
        update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == RUNNING,
                                 WhisperJob.lease_owner == owner)
        .values(lease_expires_at=now + lease, progress=progress, updated_at=now)).rowcount
    if not owned:
        return Heartbeat(still_owned=False, cancel_requested=False)
    flag = session.scalar(select(WhisperJob.cancel_requested).where(WhisperJob.id == job_id))
    return Heartbeat(still_owned=True, cancel_requested=bool(flag))


def set_detected_language(session: Session, job_id: int, language: str | None) -> None:
    session.execute(update(WhisperJob).where(WhisperJob.id == job_id)
                    .values(detected_language=language))


def finish(session: Session, job_id: int, owner: str, status: str, *,
           error: str | None = None, subtitle_path: str | None = None,
           duration_ms: int | None = None, detected_language: str | None = None) -> bool:
    """Move ``owner``'s running job to a final state; False when it is no longer theirs."""
    now = utcnow()
    values: dict = {"status": status, "error": error, "finished_at": now, "updated_at": now,
                    "lease_owner": None, "lease_expires_at": None, "duration_ms": duration_ms}
    if status == COMPLETED:
        values.update(progress=100.0, subtitle_path=subtitle_path,
                      detected_language=detected_language)
    return bool(session.execute(
        update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == RUNNING,
                                 WhisperJob.lease_owner == owner).values(**values)).rowcount)


def release(session: Session, job_id: int, owner: str) -> bool:
    """Put ``owner``'s running job back in the queue (shutdown; it resumes later)."""
    return bool(session.execute(
        update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == RUNNING,
                                 WhisperJob.lease_owner == owner)
        .values(status=QUEUED, lease_owner=None, lease_expires_at=None, progress=0.0,
                updated_at=utcnow())).rowcount)


CancelOutcome = Literal["cancelled", "requested", "finished", "missing"]


def request_cancel(session: Session, job_id: int) -> tuple[CancelOutcome, WhisperJob | None]:
    """Cancel a queued job at once, or flag a running one for its worker to stop."""
    now = utcnow()
    done = session.execute(
        update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == QUEUED)
        .values(status=CANCELLED, cancel_requested=True, error="Cancelled by user",
                finished_at=now, updated_at=now)).rowcount
    if done:
        return "cancelled", session.get(WhisperJob, job_id, populate_existing=True)
    session.execute(
        update(WhisperJob).where(WhisperJob.id == job_id, WhisperJob.status == RUNNING)
        .values(cancel_requested=True, updated_at=now))
    job = session.get(WhisperJob, job_id, populate_existing=True)
    if job is None:
        return "missing", None
    return ("finished" if job.status in FINISHED else "requested"), job


@dataclass(frozen=True)
class Recovered:
    """Jobs found running with no live worker: requeued, or cancelled as asked."""

    requeued: list[int]
    cancelled: list[WhisperJob]


def recover_abandoned(session: Session, owner_is_gone: Callable[[str | None], bool]) -> Recovered:
    """Running jobs whose lease ran out or whose owner is gone go back to the queue.

    A job whose cancel was requested is cancelled instead: the user's wish
    outlives the crash.
    """
    now = utcnow()
    rows = session.scalars(select(WhisperJob).where(WhisperJob.status == RUNNING)).all()
    found = Recovered(requeued=[], cancelled=[])
    for job in rows:
        expired = job.lease_expires_at is None or job.lease_expires_at < now
        if not (expired or owner_is_gone(job.lease_owner)):
            continue
        job.lease_owner, job.lease_expires_at, job.updated_at = None, None, now
        if job.cancel_requested:
            job.status, job.error, job.finished_at = CANCELLED, "Cancelled by user", now
            found.cancelled.append(job)
        else:
            job.status, job.progress = QUEUED, 0.0
            found.requeued.append(job.id)
    session.flush()
    return found

