"""Shared pieces of the search-on-arrival tests: a fake SubDL, a library folder, waiting."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from tests.providers.fakes import FakeSubdl
from tests.support.http import Reply
from tests.support.waiting import wait_until

REMOTE = "/tv"
SHOW = "Sousou no Frieren"
NOTHING = Reply(200, {"status": True, "results": [], "subtitles": []})  # a real empty answer


def subdl_settings(fake: FakeSubdl) -> dict[str, Any]:
    return {"providers_enabled": ["subdl"], "subdl_base_url": fake.url,
            "subdl_download_url": fake.url, "subdl_api_key": "sd-key",
            "provider_timeout_seconds": 5.0, "provider_rate_limit_per_minute": 6000}


def library_settings(media_root: Path) -> dict[str, Any]:
    return {"path_mappings": [{"remote": REMOTE, "local": str(media_root / "tv")}],
            "library_roots": [str(media_root)],
            "wanted_languages": ["en"], "wanted_scan_interval_minutes": 0,
            "wanted_scan_on_start": False}


def episode(media_root: Path, name: str) -> tuple[str, Path]:
    """A media file on disk; returns (the path Sonarr reports, the local path)."""
    local = media_root / "tv" / SHOW / "Season 1" / name
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 2048)
    return f"{REMOTE}/{SHOW}/Season 1/{name}", local


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    return wait_until(condition, timeout, interval=0.05, what=what)


def wanted_rows(client: Any, **query: Any) -> list[dict]:
    response = client.get("/api/v1/wanted", query_string={"limit": 500, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]
