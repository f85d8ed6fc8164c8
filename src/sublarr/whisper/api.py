"""Whisper transcription queue endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field, field_validator

from sublarr.api.errors import ApiError, ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, documented, parse_body, parse_query
from sublarr.services import current_services
from sublarr.whisper.errors import MediaNotFoundError
from sublarr.whisper.languages import normalize_language
from sublarr.whisper.lifecycle import queue_of
from sublarr.whisper.models import JobRecord
from sublarr.whisper.queue import (
    DuplicateJobError,
    JobFinishedError,
    JobNotFoundError,
    WhisperQueue,
)

bp = Blueprint("whisper", __name__, url_prefix="/api/v1")
TAGS = ["whisper"]


class TranscribeRequest(ApiModel):
    """A file to transcribe; the SRT lands beside it as ``Name.<lang>.srt``."""

    model_config = ConfigDict(extra="forbid")

    media_path: str = Field(min_length=1, max_length=4096,
                            description="Absolute path of a media file inside the library "
                                        "roots (403 outside_library_roots)")
    language: str | None = Field(
        None, max_length=35, description="Spoken language (en, ja, eng…); omit or 'auto' to detect")
    priority: int = Field(0, ge=-100, le=100, description="Higher runs sooner")
    audio_track: int | None = Field(
        None, ge=0, le=99, description="Audio stream to use (0 = first); default: setting")

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        return normalize_language(value)  # ValueError → 422 with the reason


class JobView(ApiModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    media_path: str
    language: str | None = Field(description="Requested language; null = detect")
    detected_language: str | None
    audio_track: int | None
    priority: int
    status: Literal["queued", "running", "completed", "failed", "cancelled"]
    progress: float = Field(description="Percent, 0..100")
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


class JobList(ApiModel):
    jobs: list[JobView]
    total: int


class JobQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["queued", "running", "completed", "failed", "cancelled"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


def _view(job: JobRecord) -> dict:
    return JobView.model_validate(job).model_dump(mode="json")


def _queue() -> WhisperQueue:
    return queue_of(current_services())


def _job_or_404(job_id: int) -> JobRecord:
    try:
        return _queue().get(job_id)
    except JobNotFoundError as exc:
        raise NotFoundError(str(exc)) from exc


@bp.post("/whisper/transcribe")
@documented("Queue a transcription of a media file (202 with the job)",
            body=TranscribeRequest, response=JobView, status=202, tags=TAGS)
def transcribe():  # noqa: ANN201
    req = parse_body(TranscribeRequest)
    try:
        job = _queue().submit(req.media_path, req.language, req.priority, req.audio_track)
    except MediaNotFoundError as exc:
        raise UnprocessableError(str(exc), {"media_path": req.media_path},
                                 code="media_not_found") from exc
    except DuplicateJobError as exc:
        raise ConflictError(str(exc), {"job_id": exc.job.id, "status": exc.job.status},
                            code="duplicate_job") from exc
    return jsonify(_view(job)), 202


@bp.get("/whisper/jobs")
@documented("Transcription jobs, newest first", query=JobQuery, response=JobList, tags=TAGS)
def list_jobs():  # noqa: ANN201
    query = parse_query(JobQuery)
    rows, total = _queue().list_jobs(query.status, query.limit, query.offset)
    return jsonify({"jobs": [_view(job) for job in rows], "total": total})


@bp.get("/whisper/jobs/<int:job_id>")
@documented("One transcription job", response=JobView, tags=TAGS)
def get_job(job_id: int):  # noqa: ANN201
    return jsonify(_view(_job_or_404(job_id)))


@bp.delete("/whisper/jobs/<int:job_id>")
@documented("Cancel a queued or running job: 200 once stopped, 202 while a running job "
            "is still stopping, 409 when it already finished or was cancelled",
            response=JobView, tags=TAGS)
def cancel_job(job_id: int):  # noqa: ANN201
    try:
        result = _queue().cancel(job_id)
    except JobNotFoundError as exc:
        raise NotFoundError(str(exc)) from exc
    except JobFinishedError as exc:
        raise ApiError(str(exc), {"job_id": exc.job.id, "status": exc.job.status},
                       status=409, code="job_finished") from exc
    return jsonify(_view(result.job)), 202 if result.pending else 200

