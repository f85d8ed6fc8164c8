"""Translation endpoints: /translate, /translate/batch, /jobs, /translate/glossary/<series>."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify
from pydantic import ConfigDict, Field, StringConstraints, field_validator, \
    model_validator

from sublarr.api.errors import ConflictError, NotFoundError, UnprocessableError
from sublarr.api.validation import ApiModel, documented, page_json, parse_body, parse_query
from sublarr.library.roots import LibraryRoots, roots_of
from sublarr.services import current_services
from sublarr.translation.documents import SUBTITLE_EXTENSIONS, SubtitleError
from sublarr.translation.glossary_repo import GlossaryRepository
from sublarr.translation.lifecycle import worker_of
from sublarr.translation.models import ACTIVE_STATES
from sublarr.translation.settings import BackendName

bp = Blueprint("translation", __name__, url_prefix="/api/v1")

TAGS = ["translation"]
Language = Annotated[str, StringConstraints(strip_whitespace=True,
                                            pattern=r"^[A-Za-z]{2,3}(-[A-Za-z]{2,4})?$")]
SourcePath = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Series = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class _Languages(ApiModel):
    model_config = ConfigDict(extra="forbid")

    source_language: Language = Field(description="ISO 639-1/2 code, e.g. 'en'")
    target_language: Language = Field(description="ISO 639-1/2 code, e.g. 'de'")
    backend: BackendName | None = Field(None, description="Default: translation_backend")
    series: Series | None = Field(None, description="Selects the glossary used in the prompt")

    @model_validator(mode="after")
    def _different_languages(self) -> "_Languages":
        if self.source_language.lower() == self.target_language.lower():
            raise ValueError("source_language and target_language must differ")
        return self


class TranslateRequest(_Languages):
    path: SourcePath = Field(description="Absolute path of an .ass/.ssa/.srt/.vtt file inside "
                                         "the library roots (403 outside_library_roots)")


class BatchRequest(_Languages):
    paths: list[SourcePath] = Field(min_length=1, max_length=500,
                                    description="Subtitle files inside the library roots")


class JobOut(ApiModel):
    id: int
    status: Literal["queued", "running", "completed", "failed"]
    batch_id: int | None
    retranslation_of: int | None
    source_path: str
    output_path: str
    source_language: str
    target_language: str
    backend: str
    series: str | None
    batch_size: int
    total_lines: int
    total_batches: int
    done_batches: int
    percent: float
    error: str | None
    duration_ms: int | None
    created_at: str | None
    updated_at: str | None
    started_at: str | None
    finished_at: str | None


class BatchOut(ApiModel):
    batch_id: int
    jobs: list[JobOut]


class JobList(ApiModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


class JobQuery(ApiModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["queued", "running", "completed", "failed"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class GlossaryEntry(ApiModel):
    model_config = ConfigDict(extra="forbid")

    source: Term
    target: Term


class GlossaryBody(ApiModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[GlossaryEntry] = Field(max_length=500)

    @field_validator("entries")
    @classmethod
    def _unique_sources(cls, entries: list[GlossaryEntry]) -> list[GlossaryEntry]:
        seen: set[str] = set()
        for entry in entries:
            if entry.source in seen:
                raise ValueError(f"the term {entry.source!r} appears twice")
            seen.add(entry.source)
        return entries


class GlossaryOut(ApiModel):
    series: str
    entries: list[GlossaryEntry]


class SourceProblem(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def check_source(raw: str, roots: LibraryRoots) -> Path:
    """The subtitle path as named, or :class:`SourceProblem` (404 missing, 422 unusable).

    Raises :class:`OutsideLibraryRoots` (403) before touching a file outside the roots.
    """
    path = Path(raw)
    if not path.is_absolute():
        raise SourceProblem("the path must be absolute", 422)
    if path.suffix.lower() not in SUBTITLE_EXTENSIONS:
        raise SourceProblem(f"not a subtitle file (expected {', '.join(SUBTITLE_EXTENSIONS)})",
                            422)
    roots.confine(path)
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        raise SourceProblem("no such file", 404) from None
    except OSError as exc:
        raise SourceProblem(f"the file cannot be read: {exc.strerror}", 422) from None
    if not resolved.is_file():
        raise SourceProblem("not a regular file", 422)
    return Path(os.path.normpath(path))  # the output goes next to the path the user named


def _enqueue(sources: list[Path], request: _Languages, retranslation_of: int | None = None,
             grouped: bool = False) -> list[dict[str, Any]]:
    try:
        return worker_of(current_services()).enqueue(
            sources, request.source_language, request.target_language, request.backend,
            request.series, retranslation_of, grouped)
    except SubtitleError as exc:
        raise UnprocessableError(str(exc)) from None


@bp.post("/translate")
@documented("Translate one subtitle file (asynchronous job)", body=TranslateRequest,
            response=JobOut, status=202, tags=TAGS)
def translate_one():  # noqa: ANN201
    body = parse_body(TranslateRequest)
    try:
        source = check_source(body.path, roots_of(current_services()))
    except SourceProblem as exc:
        error = NotFoundError if exc.status == 404 else UnprocessableError
        raise error(f"{exc}: {body.path}", {"path": body.path}) from None
    active = worker_of(current_services()).jobs.active_for(str(source), body.target_language)
    if active is not None:
        raise ConflictError("this file is already being translated to that language",
                            {"job_id": active})
    return jsonify(_enqueue([source], body)[0]), 202


@bp.post("/translate/batch")
@documented("Translate many subtitle files (one job each)", body=BatchRequest,
            response=BatchOut, status=202, tags=TAGS)
def translate_batch():  # noqa: ANN201
    body = parse_body(BatchRequest)
    sources: list[Path] = []
    problems: list[dict[str, str]] = []
    roots = roots_of(current_services())
    for raw in body.paths:
        try:
            sources.append(check_source(raw, roots))
        except SourceProblem as exc:
            problems.append({"path": raw, "error": str(exc)})
    if problems:
        raise UnprocessableError("some paths cannot be translated; nothing was queued",
                                 problems)
    if len({str(s) for s in sources}) != len(sources):
        raise UnprocessableError("the same file is listed twice")
    views = _enqueue(sources, body, grouped=True)
    return jsonify({"batch_id": views[0]["batch_id"], "jobs": views}), 202


@bp.get("/jobs")
@documented("List translation jobs, newest first", query=JobQuery, response=JobList,
            tags=TAGS)
def list_jobs():  # noqa: ANN201
    query = parse_query(JobQuery)
    items, total = worker_of(current_services()).jobs.list(query.status, query.limit,
                                                            query.offset)
    return page_json(items, total, query)


def _job_or_404(job_id: int) -> dict[str, Any]:
    job = worker_of(current_services()).jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"no translation job {job_id}")
    return job


@bp.get("/jobs/<int:job_id>")
@documented("One translation job", response=JobOut, tags=TAGS)
def get_job(job_id: int):  # noqa: ANN201
    return jsonify(_job_or_404(job_id))


@bp.post("/jobs/<int:job_id>/retranslate")
@documented("Translate a finished job's file again (new job, nothing reused)",
            response=JobOut, status=202, tags=TAGS)
def retranslate(job_id: int):  # noqa: ANN201
    job = _job_or_404(job_id)
    if job["status"] in ACTIVE_STATES:
        raise ConflictError("the job is still queued or running", {"status": job["status"]})
    active = worker_of(current_services()).jobs.active_for(job["source_path"],
                                                           job["target_language"])
    if active is not None:
        raise ConflictError("another job is translating this file to that language",
                            {"job_id": active})
    try:
        check_source(job["source_path"], roots_of(current_services()))
    except SourceProblem as exc:
        raise UnprocessableError(f"the source file cannot be translated again: {exc}",
                                 {"path": job["source_path"]}) from None
    again = _Languages(source_language=job["source_language"],
                       target_language=job["target_language"], backend=job["backend"],
                       series=job["series"])
    return jsonify(_enqueue([Path(job["source_path"])], again, job["id"])[0]), 202


@bp.get("/translate/glossary/<path:series>")
@documented("The glossary of a series (terms given to LLM backends)", response=GlossaryOut,
            tags=TAGS)
def get_glossary(series: str):  # noqa: ANN201
    terms = GlossaryRepository(current_services().db).terms(series)
    return jsonify({"series": series,
                    "entries": [{"source": s, "target": t} for s, t in terms]})


@bp.put("/translate/glossary/<path:series>")
@documented("Replace the glossary of a series", body=GlossaryBody, response=GlossaryOut,
            tags=TAGS)
def put_glossary(series: str):  # noqa: ANN201
    if not series.strip() or len(series) > 300:
        raise UnprocessableError("the series name must be 1..300 characters")
    body = parse_body(GlossaryBody)
    terms = GlossaryRepository(current_services().db).replace(
        series.strip(), [(e.source, e.target) for e in body.entries])
    return jsonify({"series": series.strip(),
                    "entries": [{"source": s, "target": t} for s, t in terms]})

