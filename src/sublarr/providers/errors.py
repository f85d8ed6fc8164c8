"""Typed errors of the providers layer.

Provider errors say whether the provider should be paused and for how long
(``retry_after``); subtitle-file errors concern one download, not the
provider's health.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider could not answer as expected."""

    def __init__(self, message: str, *, status_code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after


class ProviderAuthError(ProviderError):
    """401/403: a wrong or missing API key/credentials (pause long: a user must act)."""


class ProviderRateLimited(ProviderError):
    """429 or the provider's own throttle answer."""


class ProviderQuotaExceeded(ProviderError):
    """The download quota is used up (OpenSubtitles 406) until ``retry_after`` seconds."""


class ProviderUnavailable(ProviderError):
    """5xx, connection refused or reset."""


class ProviderTimeout(ProviderError):
    """No answer within the provider timeout."""


class ProviderBadResponse(ProviderError):
    """An answer in the wrong shape (HTML instead of JSON, missing keys…)."""


class SubtitleFileError(Exception):
    """A downloaded file that is not a usable subtitle (empty, bomb, wrong content…)."""


class ArchiveError(SubtitleFileError):
    """An archive that is refused (too large, too compressed, unsupported, no subtitle)."""
