"""Provider searches read (hash) and write only inside the library roots; subtitles are
never more readable than their media."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from sublarr.library.roots import OUTSIDE_MESSAGE
from sublarr.wanted.search import SearchRequest


@pytest.fixture
def provider_settings(tmp_path: Path) -> dict[str, Any]:
    return {"library_roots": [str(tmp_path / "tv")]}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    media = folder / "[SubsPlease] Frieren - S01E05 (1080p).mkv"
    media.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 200_000)  # big enough to be hashed
    return media


def _request(media: Path) -> SearchRequest:
    return SearchRequest(media_path=str(media), media_type="episode", title="Frieren",
                         language="en", season=1, episode=5)


def _requests_sent(fakes) -> int:  # noqa: ANN001
    return sum(len(f.server.requests) for f in fakes.all())


def test_a_search_for_media_outside_the_roots_fails_before_asking_anyone(
        searcher, fakes, outside):  # noqa: ANN001
    result = searcher.search_and_save(_request(outside))
    assert (result.status, result.error) == ("failed", OUTSIDE_MESSAGE)
    assert _requests_sent(fakes) == 0
    assert [p.name for p in outside.parent.iterdir()] == [outside.name]


def test_a_media_folder_linked_out_of_the_roots_gets_no_subtitle(
        searcher, fakes, media_file, outside):  # noqa: ANN001
    linked = media_file.parent / "linked"
    linked.symlink_to(outside.parent)
    result = searcher.search_and_save(_request(linked / outside.name))
    assert result.status == "failed" and _requests_sent(fakes) == 0
    assert [p.name for p in outside.parent.iterdir()] == [outside.name]


def test_manual_search_does_not_hash_a_file_outside_the_roots(client, fakes, outside):  # noqa: ANN001
    resp = client.post("/api/v1/providers/search", json={
        "title": "Frieren", "language": "en", "season": 1, "episode": 5,
        "media_path": str(outside)})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "outside_library_roots"
    assert _requests_sent(fakes) == 0


@pytest.mark.parametrize(("media_mode", "subtitle_mode"), [(0o600, 0o600), (0o640, 0o640),
                                                          (0o644, 0o644)])
def test_the_subtitle_is_never_more_readable_than_the_media(searcher, media_file, media_mode,
                                                            subtitle_mode):  # noqa: ANN001
    media_file.chmod(media_mode)
    result = searcher.search_and_save(_request(media_file))
    assert result.status == "found"
    assert stat.S_IMODE(os.stat(result.subtitle_path).st_mode) == subtitle_mode
