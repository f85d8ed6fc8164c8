"""Settings of the translation subsystem (merged into :class:`sublarr.config.Settings`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from sublarr.settings_base import secret

BackendName = Literal["ollama", "openai", "libretranslate", "deepl"]

DEFAULT_SKIP_STYLES = ["Sign", "Signs", "Song", "OP", "ED", "Karaoke"]


class TranslationSettings(BaseModel):
    """Settings owned by the translation subsystem. Keys are flat and prefixed by topic."""

    translation_backend: BackendName = Field(
        "ollama", description="Backend used when a request names none")
    translation_batch_size: int = Field(
        25, ge=1, le=500, description="Subtitle lines sent per request")
    translation_timeout_seconds: float = Field(
        120.0, gt=0, le=3600, description="Connect/read timeout of one backend request")
    translation_retries: int = Field(
        3, ge=0, le=10, description="Retries of a request that timed out or got 429/5xx")
    translation_retry_backoff_seconds: float = Field(
        2.0, ge=0, le=300, description="First retry delay; doubles on every further retry")
    translation_workers: int = Field(1, ge=1, le=16, description="Jobs translated at once")
    translation_max_file_mb: float = Field(
        64.0, gt=0, le=4096, description="Larger source files are refused (memory bound)")
    translation_skip_styles: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SKIP_STYLES),
        description=("ASS styles never translated (signs, songs). Each entry is a regular "
                     "expression matched case-insensitively at the start of the style name "
                     "and followed by a non-letter or the end: 'OP' skips 'OP', 'OP_JP' and "
                     "'OP Romaji' but not 'Opinion'"),
    )
    translation_ollama_url: str = Field("http://127.0.0.1:11434")
    translation_ollama_model: str = Field("qwen2.5:7b-instruct")
    translation_openai_url: str = Field(
        "https://api.openai.com", description="Base URL; '/v1/chat/completions' is appended")
    translation_openai_model: str = Field("gpt-4o-mini")
    translation_openai_api_key: str = secret(
        "", endpoint="translation_openai_url",
        description="Bearer key of the OpenAI-compatible server")
    translation_libretranslate_url: str = Field("http://127.0.0.1:5000")
    translation_libretranslate_api_key: str = secret(
        "", endpoint="translation_libretranslate_url")
    translation_deepl_url: str = Field(
        "https://api-free.deepl.com", description="https://api.deepl.com for Pro keys")
    translation_deepl_api_key: str = secret("", endpoint="translation_deepl_url")

    @field_validator("translation_skip_styles")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {pattern!r} ({exc})") from exc
        return value

    @field_validator("translation_ollama_url", "translation_openai_url",
                     "translation_libretranslate_url", "translation_deepl_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")
