"""The providers tables and queries on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.fakes import Fakes


@pytest.fixture
def provider_settings(pg_url: str) -> dict[str, Any]:
    return {"database_url": pg_url}


def test_scoring_and_history_on_postgres(client, services, media_file, fakes: Fakes):
    assert services.db.dialect == "postgresql"
    assert client.put("/api/v1/scoring/weights",
                      json={"episode": {"resolution": 200}}).status_code == 200
    assert client.put("/api/v1/scoring/modifiers", json={"subdl": -5}).status_code == 200
    from sublarr.wanted.search import SearchRequest

    result = services.components["subtitle_searcher"].search_and_save(SearchRequest(
        media_path=str(media_file), media_type="episode", title="Frieren", language="en",
        season=1, episode=5))
    assert result.status == "found" and result.provider == "opensubtitles"
    page = client.get("/api/v1/history?provider=opensubtitles").get_json()
    assert page["total"] == 1 and page["items"][0]["score"] == result.score
