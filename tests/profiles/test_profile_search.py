"""Searches and migrations honour language profiles (fake SubDL over HTTP, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import text

from sublarr.db.engine import Database, alembic_config, database_url_for
from tests.library import payloads
from tests.picks.support import MEDIA_NAME, MultiSubdl, Offer, srt
from tests.wanted.arrival_support import (
    episode,
    library_settings,
    subdl_settings,
    wait_for,
    wanted_rows,
)

PLAIN = Offer("2001-1", "[SubsPlease] Sousou no Frieren - S01E05 (1080p)", "Plain text.")
HI = Offer("2002-1", "[SubsPlease] Sousou no Frieren - S01E05 (1080p)", "[door creaks] Text.",
           hi=True)


@pytest.fixture
def subdl() -> Iterator[MultiSubdl]:
    fake = MultiSubdl(offers=[PLAIN, HI]).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def app_settings(media_root: Path, subdl: MultiSubdl) -> dict[str, Any]:
    settings = {**library_settings(media_root), **subdl_settings(subdl)}
    settings.pop("wanted_languages")  # stored: the default profile may change it
    return settings


def test_hearing_impaired_preference_picks_and_names_the_hi_subtitle(client, media_root, subdl):
    [default] = client.get("/api/v1/language-profiles").get_json()["profiles"]
    assert client.put(f"/api/v1/language-profiles/{default['id']}", json={
        "name": "Default", "default": True,
        "languages": [{"code": "en", "hearing_impaired": True}]}).status_code == 200
    remote, local = episode(media_root, MEDIA_NAME)

    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202

    saved = local.with_name(local.stem + ".en.hi.srt")
    wait_for(saved.exists, "the hearing-impaired subtitle")
    assert saved.read_bytes().replace(b"\r\n", b"\n").strip() == srt(HI.text).strip()
    assert subdl.downloads_of(PLAIN.sub_id) == 0
    wait_for(lambda: wanted_rows(client)[0]["status"] == "found", "the row found")


def test_an_existing_install_keeps_its_wanted_languages_as_the_default_profile(tmp_path):
    from alembic import command

    database = Database(database_url_for(tmp_path))
    try:
        cfg = alembic_config()
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0009")
            conn.execute(text("INSERT INTO settings (key, value, updated_at) VALUES "
                              "('wanted_languages', :v, CURRENT_TIMESTAMP)"),
                         {"v": json.dumps(["de", "ja"])})
        database.upgrade()
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT name, languages, is_default FROM language_profiles"))
            [(name, languages, is_default)] = list(rows)
    finally:
        database.close()
    assert (name, bool(is_default)) == ("Default", True)
    assert [lang["code"] for lang in json.loads(languages)] == ["de", "ja"]


@pytest.mark.parametrize("cutoff", [True, False])
def test_the_cutoff_stops_upgrades_once_the_first_language_exists(
        client, services, media_root, subdl, cutoff):
    from sublarr.providers import history_repo

    [default] = client.get("/api/v1/language-profiles").get_json()["profiles"]
    assert client.put(f"/api/v1/language-profiles/{default['id']}", json={
        "name": "Default", "default": True, "cutoff": cutoff,
        "languages": [{"code": "ja"}, {"code": "en"}]}).status_code == 200
    _remote, local = episode(media_root, MEDIA_NAME)
    local.with_name(local.stem + ".ja.srt").write_bytes(srt("日本語"))
    english = local.with_name(local.stem + ".en.srt")
    english.write_bytes(srt("Old text."))
    with services.db.session() as session:
        history_repo.record(
            session, action="downloaded", media_type="episode", media_path=str(local),
            title="Sousou no Frieren", season=1, episode=5, language="en", provider="subdl",
            subtitle_id="old-1", score=10, format="srt", subtitle_path=str(english))
    searches_before = sum(1 for r in subdl.server.requests if r.path == "/api/v1/subtitles")

    assert client.post("/api/v1/providers/upgrades").status_code == 202
    status = wait_for(lambda: (lambda s: s if s["last"] and not s["running"] else None)(
        client.get("/api/v1/providers/upgrades").get_json()), "the upgrade scan")

    searched = sum(1 for r in subdl.server.requests if r.path == "/api/v1/subtitles")
    assert status["last"]["checked"] == (0 if cutoff else 1)
    assert (searched > searches_before) is (not cutoff)


def test_a_webhook_series_tag_chooses_the_profile(client, media_root, subdl):
    created = client.post("/api/v1/language-profiles", json={
        "name": "Anime", "languages": [{"code": "ja"}, {"code": "en"}], "tags": ["Anime"]})
    assert created.status_code == 201
    remote, _local = episode(media_root, MEDIA_NAME)

    # The Sonarr v4 payload names the series' tags by label ("anime").
    assert client.post("/api/v1/webhook/sonarr",
                       json=payloads.sonarr_download(remote)).status_code == 202

    rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(wanted_rows(client)),
                    "two wanted rows")
    assert {r["language"] for r in rows} == {"ja", "en"}
    assert {r["profile_id"] for r in rows} == {created.get_json()["id"]}
