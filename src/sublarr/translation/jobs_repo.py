"""Queries of the translation job tables (jobs, finished batches, job groups)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from sublarr.db.base import utcnow
from sublarr.db.engine import Database
from sublarr.translation.models import (
    ACTIVE_STATES,
    TranslationBatchResult,
    TranslationGroup,
    TranslationJob,
)


@dataclass(frozen=True)
class JobSpec:
    """What a new job translates."""

    source_path: str
    output_path: str
    source_language: str
    target_language: str
    backend: str
    series: str | None
    batch_size: int
    retranslation_of: int | None = None


@dataclass(frozen=True)
class GroupOutcome:
    group_id: int
    total: int
    succeeded: int
    failed: int
    duration_ms: int


def job_view(job: TranslationJob) -> dict[str, Any]:
    """A job as the API and the ``job_update`` stream show it."""
    percent = round(100 * job.done_batches / job.total_batches, 1) if job.total_batches else (
        100.0 if job.status == "completed" else 0.0)
    return {
        "id": job.id, "status": job.status, "batch_id": job.group_id,
        "retranslation_of": job.retranslation_of,
        "source_path": job.source_path, "output_path": job.output_path,
        "source_language": job.source_language, "target_language": job.target_language,
        "backend": job.backend, "series": job.series, "batch_size": job.batch_size,
        "total_lines": job.total_lines, "total_batches": job.total_batches,
        "done_batches": job.done_batches, "percent": percent, "error": job.error,
        "duration_ms": job.duration_ms, "created_at": _iso(job.created_at),
        "updated_at": _iso(job.updated_at), "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


class JobsRepository:
    """The one module that reads and writes the translation job tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, specs: list[JobSpec], grouped: bool) -> list[dict[str, Any]]:
        """Insert jobs (and their group when ``grouped``) in one transaction."""
        with self.db.session() as s:
            group_id = None
            if grouped:
                group = TranslationGroup(total=len(specs))
                s.add(group)
                s.flush()
                group_id = group.id
            jobs = [TranslationJob(group_id=group_id, status="queued", total_lines=0,
                                   total_batches=0, done_batches=0, **spec.__dict__)
                    for spec in specs]
            s.add_all(jobs)
            s.flush()
            return [job_view(job) for job in jobs]

    def get(self, job_id: int) -> dict[str, Any] | None:
        with self.db.session() as s:
            job = s.get(TranslationJob, job_id)
            return job_view(job) if job else None

    def list(self, status: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
        with self.db.session() as s:
            query = select(TranslationJob)
            count = select(func.count()).select_from(TranslationJob)
            if status:
                query = query.where(TranslationJob.status == status)
                count = count.where(TranslationJob.status == status)
            rows = s.scalars(query.order_by(TranslationJob.id.desc())
                             .limit(limit).offset(offset)).all()
            return [job_view(r) for r in rows], int(s.scalar(count) or 0)

    def active_for(self, source_path: str, target_language: str) -> int | None:
        with self.db.session() as s:
            return s.scalar(select(TranslationJob.id).where(
                TranslationJob.source_path == source_path,
                TranslationJob.target_language == target_language,
                TranslationJob.status.in_(ACTIVE_STATES)).limit(1))

    def resumable_ids(self) -> list[int]:
        """Jobs left queued or running by the previous process, oldest first."""
        with self.db.session() as s:
            return list(s.scalars(select(TranslationJob.id).where(
                TranslationJob.status.in_(ACTIVE_STATES)).order_by(TranslationJob.id)))

    def start(self, job_id: int, fingerprint: str, total_lines: int,
              total_batches: int) -> set[int]:
        """Mark running; keep stored batches only if the source fingerprint is unchanged.
        Returns the indexes of batches already finished."""
        with self.db.session() as s:
            job = s.get(TranslationJob, job_id)
            if job is None:
                return set()
            if job.source_fingerprint != fingerprint:
                s.execute(delete(TranslationBatchResult)
                          .where(TranslationBatchResult.job_id == job_id))
            now = utcnow()
            job.status, job.source_fingerprint, job.error = "running", fingerprint, None
            job.total_lines, job.total_batches = total_lines, total_batches
            job.started_at = job.started_at or now
            job.updated_at = now
            s.flush()
            done = set(s.scalars(select(TranslationBatchResult.batch_index)
                                 .where(TranslationBatchResult.job_id == job_id)))
            job.done_batches = len(done)
            return done

    def store_batch(self, job_id: int, index: int, translations: list[str]) -> dict[str, Any]:
        """Persist one finished batch and bump the job's progress; returns the job view."""
        with self.db.session() as s:
            s.add(TranslationBatchResult(job_id=job_id, batch_index=index,
                                         translations=json.dumps(translations)))
            s.execute(update(TranslationJob).where(TranslationJob.id == job_id).values(
                done_batches=TranslationJob.done_batches + 1, updated_at=utcnow()))
            s.flush()
            return job_view(s.get(TranslationJob, job_id, populate_existing=True))

    def batch_translations(self, job_id: int, index: int) -> list[str]:
        with self.db.session() as s:
            raw = s.scalar(select(TranslationBatchResult.translations).where(
                TranslationBatchResult.job_id == job_id,
                TranslationBatchResult.batch_index == index))
        if raw is None:
            raise KeyError(f"batch {index} of job {job_id} is not stored")
        return json.loads(raw)

    def finish(self, job_id: int, status: str, error: str | None,
               duration_ms: int) -> dict[str, Any]:
        """Completed or failed; stored batches are dropped (they were only for resuming)."""
        with self.db.session() as s:
            job = s.get(TranslationJob, job_id)
            now = utcnow()
            job.status, job.error, job.duration_ms = status, error, duration_ms
            job.finished_at = job.updated_at = now
            if status == "completed":
                s.execute(delete(TranslationBatchResult)
                          .where(TranslationBatchResult.job_id == job_id))
            return job_view(job)

    def claim_group_outcome(self, group_id: int) -> GroupOutcome | None:
        """The group's tally once all its jobs ended, returned to exactly one caller."""
        with self.db.session() as s:
            states = list(s.scalars(select(TranslationJob.status)
                                    .where(TranslationJob.group_id == group_id)))
            if not states or any(state in ACTIVE_STATES for state in states):
                return None
            now = utcnow()
            claimed = s.execute(update(TranslationGroup).where(
                TranslationGroup.id == group_id, TranslationGroup.finished_at.is_(None))
                .values(finished_at=now)).rowcount
            if claimed != 1:
                return None
            group = s.get(TranslationGroup, group_id)
            elapsed = int((now - group.created_at).total_seconds() * 1000)
            succeeded = states.count("completed")
            return GroupOutcome(group_id, group.total, succeeded, len(states) - succeeded,
                                max(0, elapsed))

    def group_progress(self, group_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            rows = s.execute(select(TranslationJob.status, func.count())
                             .where(TranslationJob.group_id == group_id)
                             .group_by(TranslationJob.status)).all()
        counts = {status: int(n) for status, n in rows}
        total = sum(counts.values())
        done = counts.get("completed", 0) + counts.get("failed", 0)
        return {"batch_id": group_id, "total": total, "done": done,
                "succeeded": counts.get("completed", 0), "failed": counts.get("failed", 0),
                "percent": round(100 * done / total, 1) if total else 100.0}
