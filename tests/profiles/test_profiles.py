"""Language profiles through the real API, with a fake Sonarr over HTTP and real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.library.fakes import FakeArr, fake_server, named, sonarr_library, wait_until

KEY = "fa4e0000000000000000000000000000"
ANIME = {"name": "Anime", "languages": [{"code": "ja"}, {"code": "en", "hearing_impaired": True}]}


@pytest.fixture
def fake_sonarr(media_root: Path):
    routes = sonarr_library("/data/tv", media_root / "tv", {"Frieren": 2, "Severance": 2})
    series = routes["/api/v3/series"](None)
    series[1]["tags"] = [7]  # Severance carries the "drama" tag
    routes["/api/v3/tag"] = lambda _q: [{"id": 7, "label": "drama"}, {"id": 8, "label": "kids"}]
    fake = FakeArr("Sonarr", KEY, routes)
    with fake_server(fake) as server:
        yield fake, server


@pytest.fixture
def app_settings(fake_sonarr, media_root: Path) -> dict[str, Any]:
    return {"sonarr_url": fake_sonarr[1].url, "sonarr_api_key": KEY,
            "path_mappings": [{"remote": "/data/tv", "local": str(media_root / "tv")}],
            "wanted_scan_interval_minutes": 0, "wanted_scan_on_start": False,
            "wanted_probe_embedded": False, "wanted_search_on_arrival": False}


def rows(client) -> dict[str, set[str]]:
    """Series title → the languages of its wanted rows."""
    items = client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]
    found: dict[str, set[str]] = {}
    for item in items:
        found.setdefault(item["title"], set()).add(item["language"])
    return found


def settle(client, expected: dict[str, set[str]]) -> None:
    """Wait until the wanted list (recomputed in the background) is ``expected``."""
    wait_until(lambda: rows(client) == expected and not client.get(
        "/api/v1/wanted/scan").get_json()["running"], timeout=60, what=f"rows {expected}")


def create(client, body: dict) -> dict:
    response = client.post("/api/v1/language-profiles", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assign(client, title: str, profile_id: int | None, kind: str = "series"):  # noqa: ANN201
    return client.put("/api/v1/language-profiles/assignments",
                      json={"kind": kind, "title": title, "profile_id": profile_id})


def test_the_default_profile_holds_wanted_languages(client):
    [default] = client.get("/api/v1/language-profiles").get_json()["profiles"]
    assert (default["name"], default["default"]) == ("Default", True)
    assert [lang["code"] for lang in default["languages"]] == ["en"]


def test_two_series_with_different_profiles_get_different_rows_from_one_scan(client, events):
    anime = create(client, ANIME)
    assert assign(client, "Frieren", anime["id"]).status_code == 200
    client.post("/api/v1/wanted/scan")

    settle(client, {"Frieren": {"ja", "en"}, "Severance": {"en"}})
    items = client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()["items"]
    assert {i["profile_id"] for i in items if i["title"] == "Frieren"} == {anime["id"]}
    assert len(items) == 2 * 2 + 2
    assert named(events, "wanted_scan_complete")


def test_changing_a_profile_or_an_assignment_updates_the_wanted_list_at_once(client):
    anime = create(client, ANIME)
    assign(client, "Frieren", anime["id"])
    settle(client, {"Frieren": {"ja", "en"}, "Severance": {"en"}})

    edited = client.put(f"/api/v1/language-profiles/{anime['id']}",
                        json={"name": "Anime", "languages": [{"code": "ja"}, {"code": "de"}]})
    assert edited.status_code == 200, edited.get_json()
    settle(client, {"Frieren": {"ja", "de"}, "Severance": {"en"}})

    assert assign(client, "Frieren", None).status_code == 200  # back to the default
    settle(client, {"Frieren": {"en"}, "Severance": {"en"}})

    [default] = [p for p in client.get("/api/v1/language-profiles").get_json()["profiles"]
                 if p["default"]]
    client.put(f"/api/v1/language-profiles/{default['id']}",
               json={"name": "Default", "default": True,
                     "languages": [{"code": "en"}, {"code": "fr"}]})
    settle(client, {"Frieren": {"en", "fr"}, "Severance": {"en", "fr"}})
    # wanted_languages keeps mirroring the default profile.
    assert client.get("/api/v1/config").get_json()["settings"]["wanted_languages"] == ["en", "fr"]


def test_a_sonarr_tag_maps_a_series_to_a_profile(client):
    create(client, {"name": "Drama", "languages": [{"code": "de"}], "tags": ["Drama"]})
    settle(client, {"Frieren": {"en"}, "Severance": {"de"}})


def test_cutoff_stops_at_the_first_language(client, media_root):
    anime = create(client, {**ANIME, "cutoff": True})
    episode = next((media_root / "tv" / "Frieren" / "Season 1").glob("*E01*.mkv"))
    episode.with_name(episode.stem + ".ja.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nや\n")
    assign(client, "Frieren", anime["id"])

    # Episode 1 has Japanese: with the cutoff it wants nothing more; episode 2 wants both.
    wait_until(lambda: sorted((i["episode"], i["language"]) for i in client.get(
        "/api/v1/wanted", query_string={"limit": 500, "search": "Frieren"}).get_json()["items"])
        == [(2, "en"), (2, "ja")], timeout=60, what="cutoff rows")


@pytest.mark.parametrize("body", [
    {"name": "Empty", "languages": []},
    {"name": "Bad", "languages": [{"code": "xx"}]},
    {"name": "Long", "languages": [{"code": "eng"}]},
    {"name": "Twice", "languages": [{"code": "en"}, {"code": "en", "forced": True}]},
    {"name": "", "languages": [{"code": "en"}]},
    {"name": "Extra", "languages": [{"code": "en"}], "surprise": 1},
])
def test_bad_profiles_are_422(client, body):
    response = client.post("/api/v1/language-profiles", json=body)

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"
    assert len(client.get("/api/v1/language-profiles").get_json()["profiles"]) == 1


def test_deleting_profiles(client):
    anime = create(client, ANIME)
    assert client.post("/api/v1/language-profiles", json=ANIME).status_code == 409  # name
    assign(client, "Frieren", anime["id"])

    in_use = client.delete(f"/api/v1/language-profiles/{anime['id']}")
    assert in_use.status_code == 409
    assert in_use.get_json()["error"]["code"] == "profile_in_use"
    [default] = [p for p in client.get("/api/v1/language-profiles").get_json()["profiles"]
                 if p["default"]]
    is_default = client.delete(f"/api/v1/language-profiles/{default['id']}")
    assert is_default.status_code == 409
    assert is_default.get_json()["error"]["code"] == "profile_is_default"

    assign(client, "Frieren", None)
    assert client.delete(f"/api/v1/language-profiles/{anime['id']}").status_code == 204
    assert client.delete(f"/api/v1/language-profiles/{anime['id']}").status_code == 404
    assert assign(client, "Frieren", 999).status_code == 422


def test_making_another_profile_the_default(client):
    [old] = client.get("/api/v1/language-profiles").get_json()["profiles"]
    new = create(client, {"name": "German", "languages": [{"code": "de"}], "default": True})
    profiles = {p["id"]: p for p in client.get("/api/v1/language-profiles").get_json()["profiles"]}
    assert (profiles[new["id"]]["default"], profiles[old["id"]]["default"]) == (True, False)
    assert client.get("/api/v1/config").get_json()["settings"]["wanted_languages"] == ["de"]
    unset = client.put(f"/api/v1/language-profiles/{new['id']}",
                       json={"name": "German", "languages": [{"code": "de"}]})
    assert unset.status_code == 422  # choose another default instead
