"""Runs the library work of accepted webhooks off the request thread."""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from sublarr.background import lower_this_thread
from sublarr.events.bridge import ProgressStream
from sublarr.library.actions import WebhookAction

log = logging.getLogger(__name__)

THREAD_NICE = 10  # the request that queued the work has answered already
SINK_COMPONENT = "wanted"  # the wanted pipeline: add_media / forget_paths / forget_folder


class WebhookIntake:
    """A small executor; each accepted webhook's changes run here, in arrival order per worker."""

    def __init__(self, progress: ProgressStream, sink: Callable[[], Any],
                 workers: int = 2) -> None:
        self._progress = progress
        self._sink = sink
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="webhook-intake",
                                            initializer=lower_this_thread, initargs=(THREAD_NICE,))

    def submit(self, action: WebhookAction) -> Future | None:
        """Queue ``action``; None when the app is shutting down."""
        try:
            return self._executor.submit(self._apply, action)
        except RuntimeError:  # executor already shut down
            log.warning("webhook %s/%s dropped: shutting down", action.source, action.event_type)
            return None

    def _apply(self, action: WebhookAction) -> None:
        started = time.perf_counter()
        error = None
        try:
            self._apply_to_sink(action)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("webhook %s/%s could not be applied", action.source, action.event_type)
        self._progress.emit("webhook_completed", {
            "source": action.source, "event_type": action.event_type,
            "files": len(action.new_files), "success": error is None, "error": error,
            "duration_ms": int((time.perf_counter() - started) * 1000)})

    def _apply_to_sink(self, action: WebhookAction) -> None:
        sink = self._sink()
        if sink is None:
            log.warning("webhook %s/%s: no wanted pipeline to hand files to",
                        action.source, action.event_type)
            return
        if action.gone_paths:
            sink.forget_paths(action.gone_paths)
        if action.gone_folder:
            sink.forget_folder(action.gone_folder)
        if action.new_files:
            sink.add_media(action.new_files)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
