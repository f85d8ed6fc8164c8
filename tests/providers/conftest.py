"""Fixtures of the providers tests: the four fake provider servers and an app wired to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sublarr.services import Services
from tests.providers.fakes import (
    FakeAnimeTosho,
    FakeJimaku,
    FakeOpenSubtitles,
    Fakes,
    FakeSubdl,
)


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    started = Fakes(FakeOpenSubtitles().start(), FakeJimaku().start(),
                    FakeAnimeTosho().start(), FakeSubdl().start())
    yield started
    for fake in started.all():
        fake.server.stop()


@pytest.fixture
def provider_settings() -> dict[str, Any]:
    """Extra settings for a module's tests (override to change)."""
    return {}


@pytest.fixture
def app_settings(fakes: Fakes, provider_settings: dict[str, Any]) -> dict[str, Any]:
    return {**fakes.settings(), "provider_timeout_seconds": 5.0,
            "provider_rate_limit_per_minute": 6000, **provider_settings}


@pytest.fixture
def media_file(tmp_path: Path) -> Path:
    folder = tmp_path / "tv" / "Frieren" / "Season 01"
    folder.mkdir(parents=True)
    path = folder / "[SubsPlease] Frieren - S01E05 (1080p).mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 1024)
    return path


@pytest.fixture
def searcher(services: Services):  # noqa: ANN201
    return services.components["subtitle_searcher"]


@pytest.fixture
def collected(services: Services) -> list[dict]:
    """Every envelope emitted on the bus, in order."""
    seen: list[dict] = []
    services.bus.subscribe(seen.append)
    return seen


def names_of(envelopes: list[dict], name: str) -> list[dict]:
    return [e["data"] for e in envelopes if e["event_name"] == name]
