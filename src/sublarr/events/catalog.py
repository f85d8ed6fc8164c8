"""The event catalog: every event Sublarr emits, with its payload model.

The payload models are the single source of truth: they validate emitted
data, produce the JSON Schemas published at ``GET /api/v1/events/catalog``
and feed the OpenAPI document.  Payloads forbid unknown keys so a producer
cannot add a field the catalog does not describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(extra="forbid")


MediaType = Literal["episode", "movie"]


class SubtitleDownloaded(Payload):
    media_type: MediaType
    title: str
    season: int | None = None
    episode: int | None = None
    language: str
    provider: str
    score: int
    format: str
    subtitle_path: str
    media_path: str


class UpgradeComplete(SubtitleDownloaded):
    old_score: int
    new_score: int
    old_provider: str | None = None


class ProviderSearchComplete(Payload):
    query: str
    media_type: MediaType
    results_count: int = Field(ge=0)
    providers: list[str]
    duration_ms: int = Field(ge=0)


class ProviderFailed(Payload):
    provider: str
    error: str
    status_code: int | None = None


class TranslationComplete(Payload):
    source_language: str
    target_language: str
    backend: str
    lines: int = Field(ge=0)
    subtitle_path: str
    duration_ms: int = Field(ge=0)


class TranslationFailed(Payload):
    source_language: str
    target_language: str
    backend: str
    error: str
    subtitle_path: str


class BatchComplete(Payload):
    batch_type: str
    total: int = Field(ge=0)
    succeeded: int = Field(ge=0)
    failed: int = Field(ge=0)
    duration_ms: int = Field(ge=0)


class WantedScanComplete(Payload):
    scanned: int = Field(ge=0)
    added: int = Field(ge=0)
    removed: int = Field(ge=0)
    duration_ms: int = Field(ge=0)


class WantedItemProcessed(Payload):
    item_id: int
    title: str
    language: str
    status: Literal["found", "not_found", "failed", "skipped"]
    subtitle_path: str | None = None


class WebhookReceived(Payload):
    source: Literal["sonarr", "radarr", "jellyfin"]
    event_type: str
    title: str | None = None
    media_path: str | None = None


class ConfigUpdated(Payload):
    updated_keys: list[str]


class WhisperComplete(Payload):
    media_path: str
    language: str
    subtitle_path: str
    duration_ms: int = Field(ge=0)
    backend: str


class WhisperFailed(Payload):
    media_path: str
    error: str
    cancelled: bool = False


class StandaloneScanComplete(Payload):
    folders: list[str]
    files_found: int = Field(ge=0)
    new_files: int = Field(ge=0)
    duration_ms: int = Field(ge=0)


class StandaloneFileDetected(Payload):
    media_path: str
    title: str
    season: int | None = None
    episode: int | None = None
    media_type: MediaType


class HookExecuted(Payload):
    hook_type: Literal["script", "webhook", "notification"]
    hook_id: int | None = None
    webhook_id: int | None = None
    notification_id: int | None = None
    hook_name: str
    event_name: str
    event_id: str
    success: bool
    exit_code: int | None = None
    status_code: int | None = None
    duration_ms: int = Field(ge=0)
    attempts: int = Field(ge=0)


class WebhookDisabled(Payload):
    webhook_id: int
    name: str
    reason: str
    consecutive_failures: int = Field(ge=0)


class NotificationDisabled(Payload):
    notification_id: int
    name: str
    reason: str
    consecutive_failures: int = Field(ge=0)


class TestEvent(Payload):
    __test__ = False  # not a pytest test class

    message: str


@dataclass(frozen=True)
class EventSpec:
    """One catalog entry."""

    name: str
    label: str
    description: str
    model: type[Payload]
    example: dict[str, Any]
    version: int = 1

    def json_schema(self) -> dict[str, Any]:
        return self.model.model_json_schema()

    def describe(self) -> dict[str, Any]:
        """The public catalog entry."""
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "version": self.version,
            "schema": self.json_schema(),
            "example": self.example,
        }


_EPISODE = {
    "media_type": "episode",
    "title": "Frieren: Beyond Journey's End",
    "season": 1,
    "episode": 5,
    "language": "en",
    "provider": "jimaku",
    "score": 612,
    "format": "ass",
    "subtitle_path": "/tv/Frieren/Season 01/Frieren - S01E05.en.ass",
    "media_path": "/tv/Frieren/Season 01/Frieren - S01E05.mkv",
}

_SPECS: tuple[EventSpec, ...] = (
    EventSpec("subtitle_downloaded", "Subtitle downloaded",
              "A subtitle file was saved next to the media.", SubtitleDownloaded, _EPISODE),
    EventSpec("upgrade_complete", "Subtitle upgraded",
              "A better-scoring subtitle replaced an existing one.", UpgradeComplete,
              {**_EPISODE, "old_score": 420, "new_score": 612, "old_provider": "opensubtitles"}),
    EventSpec("provider_search_complete", "Provider search complete",
              "A search across the enabled providers ended.", ProviderSearchComplete,
              {"query": "Frieren S01E05", "media_type": "episode", "results_count": 7,
               "providers": ["jimaku", "animetosho"], "duration_ms": 840}),
    EventSpec("provider_failed", "Provider failed",
              "One provider answered with an error or timed out.", ProviderFailed,
              {"provider": "opensubtitles", "error": "HTTP 429: download quota reached",
               "status_code": 429}),
    EventSpec("translation_complete", "Translation complete",
              "A subtitle was translated and saved.", TranslationComplete,
              {"source_language": "en", "target_language": "de", "backend": "ollama",
               "lines": 312, "subtitle_path": "/tv/Frieren/Season 01/Frieren - S01E05.de.ass",
               "duration_ms": 48000}),
    EventSpec("translation_failed", "Translation failed",
              "A translation job failed; the source file is unchanged.", TranslationFailed,
              {"source_language": "en", "target_language": "de", "backend": "deepl",
               "error": "DeepL answered 403: wrong API key",
               "subtitle_path": "/tv/Frieren/Season 01/Frieren - S01E05.en.ass"}),
    EventSpec("batch_complete", "Batch complete",
              "A batch of translations or wanted searches finished.", BatchComplete,
              {"batch_type": "wanted_search", "total": 24, "succeeded": 20, "failed": 4,
               "duration_ms": 93000}),
    EventSpec("wanted_scan_complete", "Wanted scan complete",
              "The wanted scanner compared the library with the subtitles on disk.",
              WantedScanComplete, {"scanned": 2000, "added": 35, "removed": 3, "duration_ms": 2100}),
    EventSpec("wanted_item_processed", "Wanted item processed",
              "One wanted item was searched.", WantedItemProcessed,
              {"item_id": 42, "title": "Frieren S01E05", "language": "en", "status": "found",
               "subtitle_path": "/tv/Frieren/Season 01/Frieren - S01E05.en.ass"}),
    EventSpec("webhook_received", "Incoming webhook received",
              "Sonarr, Radarr or Jellyfin notified Sublarr.", WebhookReceived,
              {"source": "sonarr", "event_type": "Download", "title": "Frieren",
               "media_path": "/tv/Frieren/Season 01/Frieren - S01E05.mkv"}),
    EventSpec("config_updated", "Settings changed",
              "Settings were changed (names only, never values).", ConfigUpdated,
              {"updated_keys": ["hook_workers"]}),
    EventSpec("whisper_complete", "Transcription complete",
              "Whisper transcribed the audio into a subtitle.", WhisperComplete,
              {"media_path": "/movies/Paprika (2006)/Paprika.mkv", "language": "ja",
               "subtitle_path": "/movies/Paprika (2006)/Paprika.ja.srt", "duration_ms": 310000,
               "backend": "faster-whisper"}),
    EventSpec("whisper_failed", "Transcription failed",
              "A transcription failed or was cancelled.", WhisperFailed,
              {"media_path": "/movies/Paprika (2006)/Paprika.mkv",
               "error": "Cancelled by user", "cancelled": True}),
    EventSpec("standalone_scan_complete", "Folder scan complete",
              "A scan of the watched folders finished.", StandaloneScanComplete,
              {"folders": ["/anime"], "files_found": 120, "new_files": 2, "duration_ms": 800}),
    EventSpec("standalone_file_detected", "New file detected",
              "A new media file appeared in a watched folder.", StandaloneFileDetected,
              {"media_path": "/anime/[SubsPlease] Frieren - 05 (1080p).mkv",
               "title": "Frieren", "season": None, "episode": 5, "media_type": "episode"}),
    EventSpec("hook_executed", "Hook executed",
              "A hook script ran, or a webhook delivery or notification finished.", HookExecuted,
              {"hook_type": "webhook", "hook_id": None, "webhook_id": 3,
               "hook_name": "Home Assistant", "event_name": "subtitle_downloaded",
               "event_id": "evt_01J9Z8Q7W2", "success": True, "exit_code": None,
               "status_code": 204, "duration_ms": 35, "attempts": 1}),
    EventSpec("webhook_disabled", "Webhook disabled",
              "A webhook was switched off after repeated failures or a 410 answer.",
              WebhookDisabled,
              {"webhook_id": 3, "name": "Old relay", "reason": "10 consecutive failed deliveries",
               "consecutive_failures": 10}),
    EventSpec("notification_disabled", "Notification channel disabled",
              "A notification channel was switched off after repeated failures.",
              NotificationDisabled,
              {"notification_id": 4, "name": "Phone (ntfy)",
               "reason": "10 consecutive failed deliveries", "consecutive_failures": 10}),
    EventSpec("test", "Test", "Sent by the Test buttons.", TestEvent,
              {"message": "Test event from Sublarr"}),
)

CATALOG: dict[str, EventSpec] = {spec.name: spec for spec in _SPECS}
WILDCARD = "*"

# Socket.IO-only progress streams; they never reach hooks or webhooks.
PROGRESS_STREAMS: frozenset[str] = frozenset({
    "job_update",
    "batch_progress",
    "retranslation_progress",
    "wanted_batch_progress",
    "wanted_search_progress",
    "wanted_scan_progress",
    "whisper_progress",
    "webhook_completed",
    "replay_progress",
})


def is_subscribable(name: str) -> bool:
    """True for a catalog event name or the wildcard (what hooks/webhooks may use)."""
    return name == WILDCARD or name in CATALOG


def check_subscribable(name: str) -> str:
    """``name`` when :func:`is_subscribable`; a ValueError for the API's 422 otherwise."""
    if not is_subscribable(name):
        raise ValueError(f"unknown event {name!r}: use a catalog event name or '*'")
    return name


def describe_catalog() -> list[dict[str, Any]]:
    return [spec.describe() for spec in _SPECS]
