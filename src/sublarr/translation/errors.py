"""Typed errors of the translation pipeline (their messages end up in failed jobs)."""

from __future__ import annotations


class TranslationError(Exception):
    """Any reason a translation job fails; ``str()`` is shown to the user."""


class BackendError(TranslationError):
    """The backend could not translate; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After)


class ReplyMismatch(TranslationError):
    """A reply whose lines do not match what was sent (retried with smaller batches)."""


class JobInterrupted(Exception):
    """The app is shutting down; the job stays 'running' and resumes at the next start."""
