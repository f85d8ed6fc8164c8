"""The provider interface every subtitle source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, ClassVar

from sublarr.providers.candidate import Candidate, ProviderQuery
from sublarr.providers.http import ProviderHttp


class Provider(ABC):
    """A subtitle source: ``search`` lists candidates, ``download`` fetches one file's bytes.

    Both raise :class:`sublarr.providers.errors.ProviderError` subclasses;
    the pool turns those into pauses and ``provider_failed`` events.
    """

    name: ClassVar[str]
    needs_api_key: ClassVar[bool] = True

    def __init__(self, http: ProviderHttp, settings: Callable[[], Any]) -> None:
        self.http = http
        self._settings = settings
        # Downloads left today, for providers that report a quota (OpenSubtitles).
        self.quota_remaining: int | None = None

    @property
    def settings(self) -> Any:
        return self._settings()

    def is_configured(self) -> bool:
        """False when a required API key is missing (the provider is then skipped)."""
        return True

    def supports(self, query: ProviderQuery) -> bool:
        """False when the provider cannot have subtitles for this query (not searched then)."""
        return True

    @abstractmethod
    def search(self, query: ProviderQuery) -> list[Candidate]: ...

    @abstractmethod
    def download(self, candidate: Candidate) -> bytes: ...

    @staticmethod
    def file_name_of(candidate: Candidate) -> str:
        """The name of the downloaded file (used to recognise ``.xz``/format by extension)."""
        ref = candidate.download_ref
        if isinstance(ref, dict):
            return str(ref.get("file_name") or "")
        return ""
