"""Searching every enabled provider at once; failures pause a provider, never the others."""

from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

from sublarr.events.bus import EventBus
from sublarr.providers.base import Provider
from sublarr.providers.candidate import Candidate, ProviderQuery
from sublarr.providers.errors import ProviderError, ProviderTimeout

log = logging.getLogger(__name__)
GRACE_SECONDS = 2.0  # beyond the HTTP timeout, for the provider's own parsing


@dataclass
class PoolResult:
    candidates: list[Candidate] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0


class ProviderPool:
    """Owns the providers and the executor their searches and downloads run on."""

    def __init__(self, providers: list[Provider], settings: Callable[[], Any], bus: EventBus,
                 workers: int) -> None:
        self.providers = {p.name: p for p in providers}
        self._settings = settings
        self._bus = bus
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="sublarr-provider")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        for provider in self.providers.values():
            provider.http.close()

    def state_of(self, provider: Provider) -> str:
        """ok | paused | disabled | unconfigured."""
        if provider.name not in self._settings().providers_enabled:
            return "disabled"
        if not provider.is_configured():
            return "unconfigured"
        return provider.http.health.snapshot().state

    def usable(self, query: ProviderQuery | None = None) -> list[Provider]:
        """Enabled, configured, not paused (and able to answer ``query``), in configured order."""
        order = self._settings().providers_enabled
        chosen = [self.providers[n] for n in order if n in self.providers]
        return [p for p in chosen if p.is_configured() and not p.http.health.is_paused()
                and (query is None or p.supports(query))]

    def ready_in(self) -> float | None:
        """0 when a provider can be asked now; else seconds until the first paused one
        resumes; None when no provider is enabled and configured at all."""
        order = self._settings().providers_enabled
        chosen = [self.providers[n] for n in order if n in self.providers]
        waits = [p.http.health.pause_remaining() for p in chosen if p.is_configured()]
        return min(waits) if waits else None

    def paused(self) -> list[str]:
        """Names of enabled, configured providers paused right now."""
        order = self._settings().providers_enabled
        return [n for n in order if n in self.providers and self.providers[n].is_configured()
                and self.providers[n].http.health.is_paused()]

    def search(self, query: ProviderQuery) -> PoolResult:
        """Candidates from every usable provider, waiting at most one timeout for the slowest."""
        started = time.monotonic()
        providers = self.usable(query)
        futures: dict[Future, Provider] = {
            self._executor.submit(p.search, query): p for p in providers}
        result = PoolResult(searched=[p.name for p in providers])
        deadline = started + self._settings().provider_timeout_seconds + GRACE_SECONDS
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=max(0.0, deadline - time.monotonic()),
                                 return_when=FIRST_COMPLETED)
            if not done:
                break
            for future in done:
                self._collect(futures[future], future, result)
        for future in pending:
            provider = futures[future]
            if future.cancel():
                # Never started (every worker busy): not the provider's fault, no pause.
                result.searched.remove(provider.name)
                log.warning("%s skipped: all provider workers were busy", provider.name)
                continue
            # Still running: it keeps its thread, we stop waiting for it.
            self._fail(provider, ProviderTimeout(f"{provider.name}: no answer within the timeout"),
                       result)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _collect(self, provider: Provider, future: Future, result: PoolResult) -> None:
        try:
            found = future.result()
        except ProviderError as exc:
            self._fail(provider, exc, result)
            return
        except Exception as exc:  # a provider bug must not break the search
            log.exception("provider %s crashed", provider.name)
            self._fail(provider, ProviderError(f"{provider.name}: {type(exc).__name__}: {exc}"),
                       result)
            return
        provider.http.health.record_success()
        result.candidates.extend(found)

    def _fail(self, provider: Provider, error: ProviderError, result: PoolResult) -> None:
        result.failures[provider.name] = error.message
        self.report_failure(provider, error)

    def report_failure(self, provider: Provider, error: ProviderError) -> None:
        """Pause the provider and emit ``provider_failed``."""
        pause = provider.http.health.record_failure(error)
        log.warning("%s (paused for %.0fs)", error.message, pause)
        self._bus.emit("provider_failed", {"provider": provider.name, "error": error.message,
                                           "status_code": error.status_code})

    def download(self, candidate: Candidate) -> bytes:
        """The candidate's bytes; a failure pauses its provider and is re-raised."""
        provider = self.providers[candidate.provider]
        future = self._executor.submit(provider.download, candidate)
        timeout = self._settings().provider_timeout_seconds * 2 + GRACE_SECONDS
        try:
            data = future.result(timeout=timeout)
        except TimeoutError:
            error = ProviderTimeout(f"{provider.name}: download took longer than {timeout:.0f}s")
            self.report_failure(provider, error)
            raise error from None
        except ProviderError as exc:
            self.report_failure(provider, exc)
            raise
        provider.http.health.record_success()
        return data
