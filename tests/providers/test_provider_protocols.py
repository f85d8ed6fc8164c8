"""Each provider against a fake server speaking its real protocol, including its errors."""

from __future__ import annotations

import pytest

from sublarr.providers.candidate import ProviderQuery
from sublarr.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderQuotaExceeded,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from sublarr.providers.subtitle_text import subtitle_from_download
from tests.providers.conftest import names_of
from tests.providers.fakes import ASS_EN, SRT_EN, Fakes, html_page
from tests.support.http import Reply

EPISODE = ProviderQuery(media_type="episode", title="Frieren", language="en", season=1,
                        episode=5, release_name="[SubsPlease] Frieren - S01E05 (1080p).mkv")


@pytest.fixture
def pool(services):  # noqa: ANN201
    return services.components["provider_pool"]


def provider(pool, name):  # noqa: ANN001, ANN201
    return pool.providers[name]


# --- the happy paths, one per protocol -------------------------------------------------

def test_opensubtitles_search_login_and_download(pool, fakes: Fakes):
    os_provider = provider(pool, "opensubtitles")
    [candidate] = os_provider.search(EPISODE)
    assert (candidate.title, candidate.season, candidate.episode) == ("Frieren", 1, 5)
    assert candidate.release.release_group == "varyg"
    search = fakes.opensubtitles.server.requests[0]
    assert search.headers["Api-Key"] == "os-key"
    assert search.query["season_number"] == ["1"] and search.query["languages"] == ["en"]

    assert os_provider.download(candidate) == SRT_EN
    paths = [r.path for r in fakes.opensubtitles.server.requests]
    assert paths[1:] == ["/api/v1/login", "/api/v1/download", "/dl/9000/sub.srt"]
    assert fakes.opensubtitles.server.requests[2].json() == {"file_id": 9000}
    assert os_provider.quota_remaining == 18


def test_opensubtitles_hash_match_is_reported(pool, fakes: Fakes):
    query = ProviderQuery(media_type="episode", title="Frieren", language="en", season=1,
                          episode=5, file_hash="8e245d9679d31e12")
    [candidate] = provider(pool, "opensubtitles").search(query)
    assert candidate.hash_match
    assert fakes.opensubtitles.server.requests[0].query["moviehash"] == ["8e245d9679d31e12"]


def test_jimaku_search_and_download(pool, fakes: Fakes):
    query = ProviderQuery(media_type="episode", title="Frieren: Beyond Journey's End",
                          language="ja", season=1, episode=5)
    [candidate] = provider(pool, "jimaku").search(query)
    assert candidate.language == "ja" and candidate.episode == 5
    assert candidate.title == "Frieren: Beyond Journey's End"  # the entry name that matched
    requests = fakes.jimaku.server.requests
    assert requests[0].headers["Authorization"] == "jm-key"
    assert requests[1].path == "/api/entries/42/files" and requests[1].query["episode"] == ["5"]
    data = provider(pool, "jimaku").download(candidate)
    assert subtitle_from_download(data, "x.srt", 1 << 20).format == "srt"


def test_animetosho_lists_subtitle_attachments_and_downloads_xz(pool, fakes: Fakes):
    [candidate] = provider(pool, "animetosho").search(EPISODE)  # the font attachment is skipped
    assert (candidate.language, candidate.format) == ("en", "ass")
    assert candidate.download_ref["url"].endswith(
        "/storage/attach/00248589/%5BSubsPlease%5D%20Frieren%20-%20S01E05%20%28720p%29"
        "%20%5BA1B2C3D4%5D_track3.eng.ass.xz")
    assert fakes.animetosho.server.requests[0].query["q"] == ["Frieren 05"]
    data = provider(pool, "animetosho").download(candidate)
    assert subtitle_from_download(data, "track3.eng.ass.xz", 1 << 20).text.encode() == ASS_EN


def test_subdl_search_and_zip_download(pool, fakes: Fakes):
    [candidate] = provider(pool, "subdl").search(EPISODE)
    assert (candidate.title, candidate.year, candidate.episode) == ("Frieren", 2023, 5)
    query = fakes.subdl.server.requests[0].query
    assert query["api_key"] == ["sd-key"] and query["type"] == ["tv"]
    assert query["languages"] == ["EN"]
    data = provider(pool, "subdl").download(candidate)
    assert fakes.subdl.server.requests[1].path == "/subtitle/3028106-3045786.zip"
    assert subtitle_from_download(data, "x.zip", 1 << 20).text.encode() == SRT_EN


def test_subdl_not_found_is_an_empty_answer(pool, fakes: Fakes):
    fakes.subdl.fail_with = Reply(200, {"status": False, "error": "can't find movie or tv"})
    assert provider(pool, "subdl").search(EPISODE) == []


# --- bad answers ---------------------------------------------------------------------

def test_html_instead_of_json_is_a_bad_response(pool, fakes: Fakes):
    fakes.opensubtitles.fail_with = html_page(200)
    with pytest.raises(ProviderBadResponse, match="HTML instead of JSON"):
        provider(pool, "opensubtitles").search(EPISODE)


def test_401_is_an_auth_error(pool, fakes: Fakes):
    fakes.opensubtitles.fail_with = Reply(401, {"message": "Error, invalid apikey"})
    with pytest.raises(ProviderAuthError, match="invalid apikey") as info:
        provider(pool, "opensubtitles").search(EPISODE)
    assert info.value.status_code == 401


def test_403_is_an_auth_error(pool, fakes: Fakes):
    fakes.animetosho.fail_with = html_page(403)  # Cloudflare's block page
    with pytest.raises(ProviderAuthError) as info:
        provider(pool, "animetosho").search(EPISODE)
    assert info.value.status_code == 403


def test_429_carries_retry_after(pool, fakes: Fakes):
    fakes.jimaku.fail_with = Reply(429, {"error": "Too many requests", "code": 429},
                                   {"Retry-After": "120", "x-ratelimit-remaining": "0"})
    query = ProviderQuery(media_type="episode", title="Frieren", language="ja", episode=5)
    with pytest.raises(ProviderRateLimited) as info:
        provider(pool, "jimaku").search(query)
    assert info.value.retry_after == 120 and info.value.status_code == 429


def test_500_is_unavailable(pool, fakes: Fakes):
    fakes.subdl.fail_with = Reply(500, b"Internal Server Error")
    with pytest.raises(ProviderUnavailable) as info:
        provider(pool, "subdl").search(EPISODE)
    assert info.value.status_code == 500


@pytest.mark.parametrize("provider_settings", [{"provider_timeout_seconds": 0.5}])
def test_timeout_is_reported_as_timeout(pool, fakes: Fakes):
    fakes.animetosho.delay = 2.0
    with pytest.raises(ProviderTimeout):
        provider(pool, "animetosho").search(EPISODE)


def test_connection_refused_is_unavailable_and_the_key_is_not_in_the_message(pool, fakes: Fakes,
                                                                               collected):
    fakes.subdl.server.stop()
    with pytest.raises(ProviderUnavailable) as info:
        provider(pool, "subdl").search(EPISODE)
    assert "sd-key" not in info.value.message and "api_key=***" in info.value.message

    pool.search(EPISODE)
    [failed] = names_of(collected, "provider_failed")
    assert failed["provider"] == "subdl" and "sd-key" not in failed["error"]


def test_opensubtitles_406_quota_pauses_until_reset(pool, client, fakes: Fakes):
    os_provider = provider(pool, "opensubtitles")
    [candidate] = os_provider.search(EPISODE)
    fakes.opensubtitles.quota_exhausted = True
    with pytest.raises(ProviderQuotaExceeded, match="allowed 20 subtitles") as info:
        pool.download(candidate)
    assert info.value.status_code == 406 and info.value.retry_after > 3600
    assert pool.state_of(os_provider) == "paused"
    view = {p["name"]: p for p in client.get("/api/v1/providers").get_json()["providers"]}
    assert view["opensubtitles"]["quota_remaining"] == 0
    assert view["opensubtitles"]["last_status_code"] == 406


@pytest.mark.parametrize("provider_settings", [{"opensubtitles_password": "wrong"}])
def test_opensubtitles_wrong_password_is_an_auth_error(pool, fakes: Fakes):
    os_provider = provider(pool, "opensubtitles")
    [candidate] = os_provider.search(EPISODE)
    with pytest.raises(ProviderAuthError, match="Invalid username/password"):
        os_provider.download(candidate)


def test_subdl_invalid_key_is_an_auth_error(pool, fakes: Fakes):
    fakes.subdl.fail_with = Reply(200, {"status": False, "error": "Invalid API key"})
    with pytest.raises(ProviderAuthError):
        provider(pool, "subdl").search(EPISODE)


def test_malformed_json_is_a_bad_response(pool, fakes: Fakes):
    fakes.subdl.fail_with = Reply(200, b'{"status": true, "subtitles": [', {"Content-Type":
                                                                          "application/json"})
    with pytest.raises(ProviderBadResponse, match="malformed JSON"):
        provider(pool, "subdl").search(EPISODE)


def test_json_in_the_wrong_shape_is_a_bad_response(pool, fakes: Fakes):
    fakes.opensubtitles.fail_with = Reply(200, {"unexpected": True})
    with pytest.raises(ProviderBadResponse):
        provider(pool, "opensubtitles").search(EPISODE)


# --- pauses and events ---------------------------------------------------------------

def test_failing_provider_is_paused_visible_and_skipped(pool, client, fakes: Fakes, collected):
    fakes.subdl.fail_with = Reply(429, {"status": False, "error": "rate limited"},
                                  {"Retry-After": "300"})

    first = pool.search(EPISODE)

    assert "subdl" in first.failures
    assert names_of(collected, "provider_failed") == [{
        "provider": "subdl", "error": "subdl: HTTP 429: rate limited", "status_code": 429}]
    view = {p["name"]: p for p in client.get("/api/v1/providers").get_json()["providers"]}
    assert view["subdl"]["state"] == "paused" and view["subdl"]["last_status_code"] == 429
    assert view["subdl"]["paused_until"] is not None
    assert view["opensubtitles"]["state"] == "ok"

    asked_before = len(fakes.subdl.server.requests)
    second = pool.search(EPISODE)
    assert "subdl" not in second.searched
    assert len(fakes.subdl.server.requests) == asked_before

    resumed = client.post("/api/v1/providers/subdl/resume").get_json()
    assert resumed["state"] == "ok"


@pytest.mark.parametrize("provider_settings", [{"opensubtitles_api_key": ""}])
def test_provider_without_key_is_unconfigured_and_not_searched(pool, client):
    view = {p["name"]: p for p in client.get("/api/v1/providers").get_json()["providers"]}
    assert view["opensubtitles"]["state"] == "unconfigured"
    assert "opensubtitles" not in pool.search(EPISODE).searched


def test_provider_api_never_shows_secrets(client):
    body = client.get("/api/v1/providers").get_data(as_text=True)
    assert "os-key" not in body and "sd-key" not in body and "jm-key" not in body


def test_resume_of_an_unknown_provider_is_404(client):
    assert client.post("/api/v1/providers/nope/resume").status_code == 404


def test_provider_settings_are_validated_and_secrets_masked(client):
    bad = client.put("/api/v1/config", json={"providers_enabled": ["opensubtitles", "nosuch"]})
    assert bad.status_code == 422
    settings = client.get("/api/v1/config").get_json()["settings"]
    assert settings["subdl_api_key"] == "***configured***"
    assert settings["opensubtitles_password"] == "***configured***"
    assert settings["providers_enabled"] == ["opensubtitles", "jimaku", "animetosho", "subdl"]
