from __future__ import annotations

from typing import Iterator

import pytest

from sublarr.services import Services


@pytest.fixture
def events(services: Services) -> list[dict]:
    """Every catalog event the app emits during the test, in order."""
    collected: list[dict] = []
    services.bus.subscribe(collected.append)
    return collected


@pytest.fixture
def media_root(tmp_path) -> Iterator:
    root = tmp_path / "media [lib] ü"
    root.mkdir()
    yield root
