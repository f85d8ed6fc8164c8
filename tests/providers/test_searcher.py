"""Search → rank → download → save, upgrades, history and the events they emit."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from sublarr.db.base import utcnow
from sublarr.providers import history_repo
from sublarr.wanted.search import SearchRequest
from tests.providers.conftest import names_of
from tests.providers.fakes import ASS_EN, SRT_EN, SRT_JA_TEXT, Fakes
from tests.support.http import Reply


def request_for(media: Path, language: str = "en", **extra) -> SearchRequest:
    return SearchRequest(media_path=str(media), media_type="episode", title="Frieren",
                         language=language, season=1, episode=5, **extra)


def test_best_candidate_is_saved_next_to_the_media_as_ass(searcher, media_file, collected):
    result = searcher.search_and_save(request_for(media_file))

    assert result.status == "found"
    assert result.provider == "animetosho"  # ASS + release group beat the SRT offers
    saved = media_file.with_name("[SubsPlease] Frieren - S01E05 (1080p).en.ass")
    assert result.subtitle_path == str(saved)
    assert saved.read_bytes() == ASS_EN
    downloaded = names_of(collected, "subtitle_downloaded")
    assert downloaded == [{
        "media_type": "episode", "title": "Frieren", "season": 1, "episode": 5,
        "language": "en", "provider": "animetosho", "score": result.score, "format": "ass",
        "subtitle_path": str(saved), "media_path": str(media_file)}]
    complete = names_of(collected, "provider_search_complete")[0]
    assert complete["results_count"] == 3
    # Jimaku holds only Japanese subtitles, so it is not asked for English ones.
    assert complete["providers"] == ["opensubtitles", "animetosho", "subdl"]


def test_no_temp_files_are_left_behind(searcher, media_file):
    searcher.search_and_save(request_for(media_file))
    leftovers = [p for p in os.listdir(media_file.parent) if p.endswith(".part")]
    assert leftovers == []


def test_history_records_the_download(searcher, media_file, client):
    result = searcher.search_and_save(request_for(media_file))

    page = client.get("/api/v1/history").get_json()
    assert page["total"] == 1
    item = page["items"][0]
    assert (item["action"], item["provider"], item["score"]) == ("downloaded", "animetosho",
                                                                 result.score)
    assert item["subtitle_path"] == result.subtitle_path
    assert item["media_path"] == str(media_file)


def test_japanese_shift_jis_subtitle_is_saved_as_utf8(searcher, media_file):
    result = searcher.search_and_save(request_for(media_file, language="ja"))

    assert result.status == "found" and result.provider == "jimaku"
    saved = Path(result.subtitle_path)
    assert saved.name.endswith(".ja.srt")
    assert saved.read_text(encoding="utf-8") == SRT_JA_TEXT


def test_existing_user_subtitle_is_never_overwritten(searcher, media_file, collected):
    own = media_file.with_name(media_file.stem + ".en.srt")
    own.write_bytes(SRT_EN)

    result = searcher.search_and_save(request_for(media_file))

    assert result.subtitle_path == str(own)
    assert own.read_bytes() == SRT_EN
    assert not media_file.with_name(media_file.stem + ".en.ass").exists()
    assert names_of(collected, "subtitle_downloaded") == []


def test_forced_and_hi_tags_go_into_the_file_name(searcher, media_file, fakes: Fakes):
    result = searcher.search_and_save(request_for(media_file, hearing_impaired=True))
    assert result.subtitle_path.endswith(".en.hi.ass")


def _record_previous(services, media_file: Path, score: int, days_ago: float,
                     fmt: str = "srt") -> Path:
    path = media_file.with_name(f"{media_file.stem}.en.{fmt}")
    path.write_bytes(SRT_EN)
    with services.db.session() as session:
        history_repo.record(session, action="downloaded", media_type="episode",
                            media_path=str(media_file), title="Frieren", season=1, episode=5,
                            language="en", provider="opensubtitles", subtitle_id="1",
                            release_name=None, score=score, format=fmt, subtitle_path=str(path),
                            created_at=utcnow() - timedelta(days=days_ago))
    return path


def test_upgrade_replaces_a_worse_subtitle_inside_the_window(searcher, services, media_file,
                                                             collected):
    old = _record_previous(services, media_file, score=100, days_ago=1)

    result = searcher.search_and_save(request_for(media_file))

    assert result.status == "found" and result.provider == "animetosho"
    assert not old.exists()  # srt replaced by the better ass
    assert Path(result.subtitle_path).read_bytes() == ASS_EN
    upgrade = names_of(collected, "upgrade_complete")[0]
    assert (upgrade["old_score"], upgrade["new_score"], upgrade["old_provider"]) == (
        100, result.score, "opensubtitles")
    with services.db.session() as session:
        rows, _ = history_repo.list_history(session, history_repo.HistoryFilter(action="upgraded"),
                                            10, 0)
    assert rows[0].old_score == 100


def test_no_upgrade_outside_the_window(searcher, services, media_file, collected):
    old = _record_previous(services, media_file, score=100, days_ago=30)

    result = searcher.search_and_save(request_for(media_file))

    assert result.subtitle_path == str(old) and old.read_bytes() == SRT_EN
    assert names_of(collected, "upgrade_complete") == []


def test_no_upgrade_below_the_minimum_delta(searcher, services, media_file, collected):
    best = 180 + 30 + 30 + 14 + 1 + 50  # what animetosho scores for this media
    old = _record_previous(services, media_file, score=best - 5, days_ago=1)

    result = searcher.search_and_save(request_for(media_file))

    assert result.subtitle_path == str(old) and result.score == best - 5
    assert names_of(collected, "subtitle_downloaded") == []


@pytest.mark.parametrize("provider_settings", [{"provider_timeout_seconds": 1.0}])
def test_a_slow_provider_does_not_hold_the_others_beyond_the_timeout(searcher, client,
                                                                     media_file, fakes: Fakes):
    fakes.subdl.delay = 4.0

    started = time.monotonic()
    result = searcher.search_and_save(request_for(media_file))
    elapsed = time.monotonic() - started

    assert result.status == "found"
    assert elapsed < 3.9  # generous: bounded by timeout + grace, not by the 4 s provider
    states = {p["name"]: p for p in client.get("/api/v1/providers").get_json()["providers"]}
    assert states["subdl"]["state"] == "paused"
    assert states["animetosho"]["state"] == "ok"


def test_all_providers_failing_reports_failed(services, searcher, media_file, fakes: Fakes):
    for fake in fakes.all():
        fake.fail_with = Reply(500, {"message": "boom"})

    result = searcher.search_and_save(request_for(media_file))

    assert result.status == "failed"
    assert "HTTP 500" in (result.error or "")


def test_bad_download_falls_back_to_the_next_candidate(searcher, media_file, fakes: Fakes):
    fakes.animetosho.subtitle = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    result = searcher.search_and_save(request_for(media_file))

    assert result.status == "found" and result.provider != "animetosho"
    assert Path(result.subtitle_path).suffix == ".srt"


@pytest.mark.parametrize("provider_settings", [{"providers_enabled": []}])
def test_no_enabled_provider_is_a_failure_with_a_reason(searcher, media_file):
    result = searcher.search_and_save(request_for(media_file))
    assert result.status == "failed" and "no provider" in result.error


def test_history_api_pages_and_filters(searcher, services, media_file, client):
    for days in (3, 2, 1):
        _record_previous(services, media_file, score=100 + days, days_ago=days)
    searcher.search_and_save(request_for(media_file))  # upgrades the newest one

    page = client.get("/api/v1/history?limit=2&offset=0").get_json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["limit"] == 2
    assert page["items"][0]["action"] == "upgraded"  # newest first
    rest = client.get("/api/v1/history?limit=2&offset=2").get_json()
    assert [i["score"] for i in rest["items"]] == [102, 103]
    only = client.get("/api/v1/history?provider=animetosho").get_json()
    assert only["total"] == 1 and only["items"][0]["old_score"] == 101
    assert client.get("/api/v1/history?action=upgraded&language=de").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "action=deleted",
                                   "sparkle=1"])
def test_history_api_rejects_bad_queries(client, query):
    assert client.get(f"/api/v1/history?{query}").status_code == 422


def test_openapi_documents_the_provider_and_scoring_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/providers", "/api/v1/providers/search", "/api/v1/history",
                 "/api/v1/scoring/weights", "/api/v1/scoring/modifiers"):
        assert path in paths


def test_hash_match_wins_over_attribute_matches(searcher, media_file, fakes: Fakes):
    media_file.write_bytes(bytes(range(256)) * 512)  # big enough to hash

    result = searcher.search_and_save(request_for(media_file))

    assert fakes.opensubtitles.server.requests[0].query["moviehash"]
    assert result.provider == "opensubtitles" and result.score == 359 + 1


def test_upgrade_scan_replaces_recent_worse_subtitles(services, media_file, collected, client):
    old = _record_previous(services, media_file, score=100, days_ago=1)
    scheduler = services.components["upgrade_scheduler"]

    assert client.post("/api/v1/providers/upgrades").status_code == 202
    deadline = time.monotonic() + 20
    while scheduler.last is None and time.monotonic() < deadline:
        time.sleep(0.05)

    assert scheduler.last is not None and (scheduler.last.checked, scheduler.last.upgraded) == (1, 1)
    assert not old.exists()
    assert names_of(collected, "upgrade_complete")[0]["old_score"] == 100
    status = client.get("/api/v1/providers/upgrades").get_json()
    assert status["last"] == {"checked": 1, "upgraded": 1}


def test_missing_media_folder_is_a_failure_not_a_crash(searcher, tmp_path):
    result = searcher.search_and_save(request_for(tmp_path / "gone" / "Frieren - S01E05.mkv"))
    assert result.status == "failed" and "media folder not found" in result.error


def test_unwritable_target_is_a_failure_not_a_crash(searcher, media_file):
    # A directory squatting on every target name makes the final rename fail (even as root).
    for ext in ("ass", "srt"):
        media_file.with_name(f"{media_file.stem}.en.{ext}").mkdir()

    result = searcher.search_and_save(request_for(media_file))

    assert result.status == "failed" and "cannot write" in result.error
    assert [p for p in os.listdir(media_file.parent) if p.endswith(".part")] == []
