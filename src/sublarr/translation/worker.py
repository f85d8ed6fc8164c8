"""Runs translation jobs on a small executor: batches stored as they finish, so a job
interrupted by a shutdown or crash resumes from its last finished batch."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sublarr.library.roots import OutsideLibraryRoots, roots_of
from sublarr.outbound_http import new_session
from sublarr.translation.backends import Backend, make_backend
from sublarr.translation.documents import SubtitleError, open_document, output_path
from sublarr.translation.errors import JobInterrupted, TranslationError
from sublarr.translation.glossary_repo import GlossaryRepository
from sublarr.translation.jobs_repo import JobSpec, JobsRepository
from sublarr.translation.lines import LineFilter
from sublarr.translation.models import ACTIVE_STATES
from sublarr.translation.pipeline import chunked, translate_texts
from sublarr.translation.settings import TranslationSettings

if TYPE_CHECKING:  # the worker only uses the Services it is handed
    from sublarr.services import Services

log = logging.getLogger(__name__)
HASH_CHUNK = 1 << 20
SHUTDOWN_GRACE_SECONDS = 10.0


def source_fingerprint(path: Path, skip_styles: list[str]) -> str:
    """SHA-256 of the file and of the line selection rules: stored batches are reused only
    when both are unchanged (otherwise the batches would no longer line up)."""
    digest = hashlib.sha256(json.dumps(skip_styles).encode() + b"\0")
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(HASH_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class TranslationWorker:
    """Owns the executor; ``submit`` queues a stored job, ``run_job`` does the work."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.jobs = JobsRepository(services.db)
        self.glossary = GlossaryRepository(services.db)
        self.stop = threading.Event()
        self._idle = threading.Condition()
        self._running = 0
        self.executor = ThreadPoolExecutor(
            max_workers=services.settings.current.translation_workers,
            thread_name_prefix="translation")

    def enqueue(self, sources: list[Path], source_language: str, target_language: str,
                backend: str | None = None, series: str | None = None,
                retranslation_of: int | None = None,
                grouped: bool | None = None) -> list[dict[str, Any]]:
        """Store one job per file (a group, reported by batch_complete, when several or when
        ``grouped``) and queue them; returns the job views.

        The entry point for other subsystems too (``services.components["translation"]``).
        Raises :class:`SubtitleError` when an output name would overwrite its source and
        :class:`OutsideLibraryRoots` when a source or output lies outside the library roots.
        """
        settings = self.services.settings.current
        roots = roots_of(self.services)
        specs = []
        for source in sources:
            target = output_path(source, source_language, target_language)
            roots.confine(source)
            roots.confine(target)
            if target == source:
                raise SubtitleError(f"translating {source.name} would overwrite it; check "
                                    "source_language")
            specs.append(JobSpec(str(source), str(target), source_language, target_language,
                                 backend or settings.translation_backend, series,
                                 settings.translation_batch_size, retranslation_of))
        views = self.jobs.create(specs, grouped=len(specs) > 1 if grouped is None else grouped)
        for view in views:
            self.services.progress.emit("job_update", view)
            self.submit(view["id"])
        return views

    def submit(self, job_id: int) -> None:
        """Queue a job; after shutdown it simply stays queued for the next start."""
        if self.stop.is_set():
            return
        try:
            self.executor.submit(self.run_job, job_id)
        except RuntimeError:
            log.info("translation job %s stays queued (shutting down)", job_id)

    def resume_pending(self) -> list[int]:
        ids = self.jobs.resumable_ids()
        for job_id in ids:
            self.submit(job_id)
        if ids:
            log.info("resuming %d translation job(s): %s", len(ids), ids)
        return ids

    def shutdown(self) -> None:
        """Stop between batches; running jobs stay 'running' and resume at the next start.

        Waits at most ``SHUTDOWN_GRACE_SECONDS`` for a request in flight: a backend that
        hangs must not hold the server's shutdown (an abandoned job simply resumes).
        """
        self.stop.set()
        self.executor.shutdown(wait=False, cancel_futures=True)
        with self._idle:
            if not self._idle.wait_for(lambda: self._running == 0, SHUTDOWN_GRACE_SECONDS):
                log.warning("a translation request is still in flight; its job resumes at "
                            "the next start")

    def run_job(self, job_id: int) -> None:
        with self._idle:
            self._running += 1
        try:
            self._run(job_id)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _run(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is None or job["status"] not in ACTIVE_STATES:
            return
        started = time.monotonic()
        try:
            lines = self._translate(job, self.services.settings.current)
        except JobInterrupted:
            log.info("translation job %s interrupted; it resumes at the next start", job_id)
            return
        except (TranslationError, SubtitleError, OutsideLibraryRoots, OSError) as exc:
            if self.stop.is_set():  # maybe caused by the shutdown itself: try again later
                log.info("translation job %s stopped by shutdown (%s)", job_id, exc)
                return
            self._fail(job, str(exc) or type(exc).__name__, started)
        except UnicodeError as exc:
            self._fail(job, f"the file's text encoding cannot be read ({exc})", started)
        except Exception:
            log.exception("translation job %s crashed", job_id)
            self._fail(job, "internal error while translating; see the server log", started)
        else:
            self._complete(job, lines, started)
        self._report_group(job["batch_id"])

    def _translate(self, job: dict[str, Any], settings: TranslationSettings) -> int:
        # Checked again now: a link may have changed since the job was queued. The
        # resolved source is what gets read, so a later swap cannot redirect the read.
        roots = roots_of(self.services)
        source = roots.confine(job["source_path"])
        output = roots.confine(job["output_path"])
        if not source.is_file():
            raise SubtitleError(f"the source file is gone: {job['source_path']}")
        if output == source:
            raise SubtitleError("the output path is the source file; refusing to overwrite it")
        line_filter = LineFilter.from_patterns(settings.translation_skip_styles)
        doc = open_document(source, line_filter, int(settings.translation_max_file_mb * 2**20))
        size = job["batch_size"]
        total = doc.check()
        batches = -(-total // size)
        fingerprint = source_fingerprint(source, settings.translation_skip_styles)
        done = self.jobs.start(job["id"], fingerprint, total, batches)
        self._progress(self.jobs.get(job["id"]))
        with new_session() as session:
            backend = make_backend(job["backend"], settings, self.stop, session)
            self._translate_batches(job, backend, doc.texts(), done)
        doc.write(output, self._stored(job["id"], batches))
        return total

    def _translate_batches(self, job: dict[str, Any], backend: Backend, texts: Iterator[str],
                           done: set[int]) -> None:
        """Translate and store every batch not finished by an earlier run."""
        terms = self.glossary.terms(job["series"])

        def translate(lines: list[str]) -> list[str]:
            return backend.translate(lines, job["source_language"], job["target_language"], terms)

        for index, chunk in enumerate(chunked(texts, job["batch_size"])):
            if self.stop.is_set():
                raise JobInterrupted()
            if index in done:
                continue
            self._progress(self.jobs.store_batch(job["id"], index,
                                                 translate_texts(translate, chunk)))

    def _stored(self, job_id: int, batches: int) -> Iterator[str]:
        for index in range(batches):
            yield from self.jobs.batch_translations(job_id, index)

    def _progress(self, view: dict[str, Any] | None) -> None:
        if view is None:
            return
        progress = self.services.progress
        progress.emit("job_update", view)
        if view["retranslation_of"] is not None and view["status"] == "running":
            progress.emit("retranslation_progress", {
                "job_id": view["id"], "retranslation_of": view["retranslation_of"],
                "done_batches": view["done_batches"], "total_batches": view["total_batches"],
                "percent": view["percent"], "source_path": view["source_path"]})

    def _complete(self, job: dict[str, Any], lines: int, started: float) -> None:
        elapsed = _elapsed_ms(started)
        view = self.jobs.finish(job["id"], "completed", None, elapsed)
        self._progress(view)
        self.services.bus.emit("translation_complete", {
            "source_language": job["source_language"],
            "target_language": job["target_language"], "backend": job["backend"],
            "lines": lines, "subtitle_path": job["output_path"], "duration_ms": elapsed})

    def _fail(self, job: dict[str, Any], error: str, started: float) -> None:
        log.warning("translation job %s failed: %s", job["id"], error)
        view = self.jobs.finish(job["id"], "failed", error, _elapsed_ms(started))
        self._progress(view)
        self.services.bus.emit("translation_failed", {
            "source_language": job["source_language"],
            "target_language": job["target_language"], "backend": job["backend"],
            "error": error, "subtitle_path": job["source_path"]})

    def _report_group(self, group_id: int | None) -> None:
        if group_id is None:
            return
        self.services.progress.emit("batch_progress", self.jobs.group_progress(group_id))
        outcome = self.jobs.claim_group_outcome(group_id)
        if outcome is not None:
            self.services.bus.emit("batch_complete", {
                "batch_type": "translation", "total": outcome.total,
                "succeeded": outcome.succeeded, "failed": outcome.failed,
                "duration_ms": outcome.duration_ms})


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
