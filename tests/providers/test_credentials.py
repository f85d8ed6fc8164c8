"""Provider keys stay on their origin: redirects, Jimaku download URLs, urllib3's debug log."""

from __future__ import annotations

import logging
from typing import Iterator

import pytest

from sublarr.providers.candidate import Candidate, ProviderQuery
from sublarr.providers.errors import ProviderBadResponse
from tests.providers.fakes import SRT_EN
from tests.support.http import Recorded, Reply, TestServer

EPISODE = ProviderQuery(media_type="episode", title="Frieren", language="en", season=1,
                        episode=5)


@pytest.fixture
def elsewhere() -> Iterator[TestServer]:
    """Another origin (another port on 127.0.0.1) that records what reaches it."""
    with TestServer(lambda _req: Reply(200, SRT_EN)) as server:
        yield server


def _provider(services, name: str):  # noqa: ANN001, ANN202
    return services.components["provider_pool"].providers[name]


def _leaked(requests: list[Recorded], *secrets: str) -> list[str]:
    seen = []
    for req in requests:
        text = repr(req.headers) + repr(req.query) + repr(req.body)
        seen += [s for s in secrets if s in text]
    return seen


def test_jimaku_key_is_not_sent_to_a_download_url_on_another_origin(services, elsewhere):  # noqa: ANN001
    jimaku = _provider(services, "jimaku")
    candidate = Candidate("jimaku", "1", "ja", "Frieren",
                          download_ref={"url": f"{elsewhere.url}/05.srt", "file_name": "05.srt"})
    assert jimaku.download(candidate) == SRT_EN
    (req,) = elsewhere.wait_for(1)
    assert "Authorization" not in req.headers
    assert _leaked([req], "jm-key") == []


def test_jimaku_key_still_goes_to_its_own_origin(services, fakes):  # noqa: ANN001
    jimaku = _provider(services, "jimaku")
    candidate = Candidate("jimaku", "1", "ja", "Frieren", download_ref={
        "url": f"{fakes.jimaku.url}/entry/42/download/05.srt", "file_name": "05.srt"})
    assert jimaku.download(candidate) == fakes.jimaku.subtitle  # the fake checks the key


def test_provider_key_header_does_not_follow_a_redirect_to_another_origin(
        services, fakes, elsewhere):  # noqa: ANN001
    fakes.opensubtitles.fail_with = Reply(302, b"", {"Location": f"{elsewhere.url}/subtitles"})
    opensubtitles = _provider(services, "opensubtitles")
    with pytest.raises(ProviderBadResponse):  # the other origin answers a subtitle, not JSON
        opensubtitles.search(EPISODE)
    (req,) = elsewhere.wait_for(1)
    assert req.path == "/subtitles"
    assert "Api-Key" not in req.headers
    assert _leaked([req], "os-key") == []


def test_key_query_parameters_are_dropped_on_a_redirect_to_another_origin(
        services, fakes, elsewhere):  # noqa: ANN001
    # A server that copies the query into its redirect must not forward the key either.
    fakes.subdl.fail_with = Reply(302, b"", {
        "Location": f"{elsewhere.url}/api/v1/subtitles?api_key=sd-key&film_name=Frieren"})
    with pytest.raises(ProviderBadResponse):
        _provider(services, "subdl").search(EPISODE)
    (req,) = elsewhere.wait_for(1)
    assert req.query == {"film_name": ["Frieren"]}


def test_urllib3_debug_log_does_not_show_the_subdl_key(services, caplog):  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    found = _provider(services, "subdl").search(EPISODE)
    assert found  # the fake answered, so the request (and its log line) happened
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/api/v1/subtitles?" in line for line in lines), lines
    assert any("api_key=***" in line for line in lines), lines
    assert "sd-key" not in caplog.text
