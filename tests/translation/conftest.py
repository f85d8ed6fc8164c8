"""Fixtures of the translation tests: a fake backend server and a job helper."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.services import Services
from tests.conftest import ApiClient
from tests.support.http import TestServer
from tests.translation.fakes import FakeTranslator

TERMINAL = ("completed", "failed")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake() -> Iterator[FakeTranslator]:
    translator = FakeTranslator()
    with TestServer(translator) as server:
        translator.url = server.url  # type: ignore[attr-defined]
        translator.server = server  # type: ignore[attr-defined]
        yield translator
        translator.release.set()


def backend_settings(url: str, key: str = "good-key") -> dict[str, Any]:
    return {
        "translation_ollama_url": url, "translation_ollama_model": "test-model",
        "translation_openai_url": url, "translation_openai_model": "test-model",
        "translation_openai_api_key": key,
        "translation_libretranslate_url": url, "translation_libretranslate_api_key": key,
        "translation_deepl_url": url, "translation_deepl_api_key": key,
    }


@pytest.fixture
def app_settings(fake: FakeTranslator) -> dict[str, Any]:
    return backend_settings(fake.url)  # type: ignore[attr-defined]


class Translations:
    """Drives the API like a user and waits for jobs to end."""

    def __init__(self, client: ApiClient, services: Services, fake: FakeTranslator) -> None:
        self.client, self.services, self.fake = client, services, fake
        self.events: list[dict[str, Any]] = []
        self._waited: set[int] = set()
        services.bus.subscribe(self.events.append)
        services.settings.update({
            "translation_batch_size": 5, "translation_timeout_seconds": 5,
            "translation_retries": 1, "translation_retry_backoff_seconds": 0.01,
        })

    def configure(self, **changes: Any) -> None:
        self.services.settings.update(changes)

    def submit(self, path: Path, backend: str = "ollama", **extra: Any) -> dict[str, Any]:
        response = self.client.post("/api/v1/translate", json={
            "path": str(path), "source_language": "en", "target_language": "de",
            "backend": backend, **extra})
        assert response.status_code == 202, response.json
        return response.json

    def wait(self, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
        """The job once it ended and its translation_complete/failed event went out."""
        self._waited.add(job_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/v1/jobs/{job_id}").json
            ended = self.named("translation_complete") + self.named("translation_failed")
            if job["status"] in TERMINAL and len(ended) >= len(self._waited):
                return job
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} did not finish in {timeout}s: {job}")

    def run(self, path: Path, backend: str = "ollama", **extra: Any) -> dict[str, Any]:
        return self.wait(self.submit(path, backend, **extra)["id"])

    def named(self, event_name: str) -> list[dict[str, Any]]:
        return [e["data"] for e in self.events if e["event_name"] == event_name]


@pytest.fixture
def tx(client: ApiClient, services: Services, fake: FakeTranslator) -> Translations:
    return Translations(client, services, fake)


@pytest.fixture
def styled_ass(tmp_path: Path) -> Path:
    from tests.translation.fixtures import STYLED_ASS

    path = tmp_path / "media" / "Frieren - S01E05.en.ass"
    path.parent.mkdir()
    path.write_bytes(STYLED_ASS.encode("utf-8"))
    return path
