"""The provider resume job: notices pauses that ran out, and lifts every pause on demand."""

from __future__ import annotations

from typing import Callable

from sublarr.providers.pool import ProviderPool

RESUME_TASK = "provider_resume"
RESUME_CHECK_SECONDS = 60.0


class ProviderResume:
    """``check`` runs every minute; ``resume_all`` is the Tasks view's "Run now"."""

    def __init__(self, pool: ProviderPool, on_resumed: Callable[[], None]) -> None:
        self._pool = pool
        self._on_resumed = on_resumed
        self._paused: set[str] = set()

    def check(self) -> str:
        paused = set(self._pool.paused())
        resumed = sorted(self._paused - paused)
        self._paused = paused
        if resumed:
            self._on_resumed()
        text = f"resumed: {', '.join(resumed)}" if resumed else "nothing to resume"
        return text + (f"; still paused: {', '.join(sorted(paused))}" if paused else "")

    def resume_all(self) -> str:
        paused = self._pool.paused()
        for name in paused:
            self._pool.providers[name].http.health.resume()
        self._paused = set()
        if paused:
            self._on_resumed()
        return f"resumed: {', '.join(paused)}" if paused else "no provider was paused"
