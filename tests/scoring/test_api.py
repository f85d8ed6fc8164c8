"""/scoring/weights and /scoring/modifiers, and their immediate effect on ranking."""

from __future__ import annotations

import pytest

from sublarr.scoring import repo as scoring_repo

SEARCH = {"title": "Frieren", "media_type": "episode", "language": "en", "season": 1,
          "episode": 5, "release_name": "[SubsPlease] Frieren - S01E05 (1080p).mkv"}


def ranking(client) -> list[tuple[str, int]]:  # noqa: ANN001
    body = client.post("/api/v1/providers/search", json=SEARCH).get_json()
    return [(c["provider"], c["score"]) for c in body["candidates"]]


def test_get_shows_current_values_beside_defaults(client):
    body = client.get("/api/v1/scoring/weights").get_json()
    assert body["episode"]["hash"] == {"value": 359, "default": 359, "customized": False}
    assert body["movie"]["title"] == {"value": 60, "default": 60, "customized": False}
    assert set(body) == {"episode", "movie"}


def test_put_is_partial_and_persisted(client):
    reply = client.put("/api/v1/scoring/weights", json={"episode": {"hash": 400},
                                                        "movie": {"title": 70}})
    assert reply.status_code == 200
    body = client.get("/api/v1/scoring/weights").get_json()
    assert body["episode"]["hash"] == {"value": 400, "default": 359, "customized": True}
    assert body["episode"]["series"]["value"] == 180
    assert body["movie"]["title"]["value"] == 70


@pytest.mark.parametrize("body", [
    {"episode": {"hash": -1}},
    {"episode": {"hash": 1.5}},
    {"episode": {"hash": "400"}},
    {"episode": {"hash": True}},
    {"episode": {"sparkle": 3}},
    {"movie": {"series": 3}},  # a movie has a title, not a series
    {"anime": {"hash": 3}},
    {"episode": [1, 2]},
])
def test_bad_weights_are_refused_with_422_and_nothing_changes(client, body):
    reply = client.put("/api/v1/scoring/weights", json=body)
    assert reply.status_code == 422
    assert reply.get_json()["error"]["code"] == "validation_error"
    assert client.get("/api/v1/scoring/weights").get_json()["episode"]["hash"]["value"] == 359


def test_half_valid_body_changes_nothing(client):
    reply = client.put("/api/v1/scoring/weights",
                       json={"episode": {"hash": 400}, "movie": {"title": -5}})
    assert reply.status_code == 422
    assert client.get("/api/v1/scoring/weights").get_json()["episode"]["hash"]["value"] == 359


def test_delete_resets_to_defaults(client):
    client.put("/api/v1/scoring/weights", json={"episode": {"hash": 1}, "movie": {"hash": 2}})
    client.delete("/api/v1/scoring/weights?score_type=movie")
    body = client.get("/api/v1/scoring/weights").get_json()
    assert body["movie"]["hash"]["value"] == 119 and body["episode"]["hash"]["value"] == 1
    body = client.delete("/api/v1/scoring/weights").get_json()
    assert body["episode"]["hash"]["value"] == 359


def test_delete_with_a_bad_score_type_is_422(client):
    assert client.delete("/api/v1/scoring/weights?score_type=anime").status_code == 422


def test_modifiers_put_get_delete(client):
    body = client.put("/api/v1/scoring/modifiers", json={"jimaku": 30, "subdl": -10}).get_json()
    assert body["modifiers"]["jimaku"] == {"value": 30, "default": 0}
    assert body["modifiers"]["subdl"]["value"] == -10
    client.delete("/api/v1/scoring/modifiers/jimaku")
    body = client.get("/api/v1/scoring/modifiers").get_json()
    assert body["modifiers"]["jimaku"]["value"] == 0 and body["modifiers"]["subdl"]["value"] == -10


@pytest.mark.parametrize("body", [{"nosuch": 3}, {"jimaku": 1.5}, {"jimaku": "3"},
                                  {"jimaku": 10**9}])
def test_bad_modifiers_are_422(client, body):
    assert client.put("/api/v1/scoring/modifiers", json=body).status_code == 422


def test_deleting_the_modifier_of_an_unknown_provider_is_404(client):
    assert client.delete("/api/v1/scoring/modifiers/nosuch").status_code == 404


def test_changing_a_weight_changes_the_next_ranking_immediately(client):
    before = ranking(client)
    assert before[0][0] == "animetosho"  # ASS bonus + release group
    assert dict(before)["opensubtitles"] < dict(before)["animetosho"]

    # Only the OpenSubtitles release matches the media's 1080p.
    client.put("/api/v1/scoring/weights", json={"episode": {"resolution": 200}})

    after = ranking(client)
    assert after[0][0] == "opensubtitles"
    assert dict(after)["opensubtitles"] == dict(before)["opensubtitles"] + 198


def test_changing_a_modifier_changes_the_next_ranking_immediately(client):
    client.put("/api/v1/scoring/modifiers", json={"subdl": 500})
    assert ranking(client)[0][0] == "subdl"
    client.delete("/api/v1/scoring/modifiers/subdl")
    assert ranking(client)[0][0] == "animetosho"


def test_config_updated_for_scoring_keys_drops_the_cache(services):
    ranker = services.components["scoring_ranker"]
    assert ranker.cache.get().modifier("jimaku") == 0
    with services.db.session() as session:  # a change that bypassed the scoring endpoints
        scoring_repo.save_modifiers(session, {"jimaku": 25})
    assert ranker.cache.get().modifier("jimaku") == 0  # still cached

    services.bus.emit("config_updated", {"updated_keys": ["hook_workers"]})
    assert ranker.cache.get().modifier("jimaku") == 0
    services.bus.emit("config_updated", {"updated_keys": ["provider_modifier_jimaku"]})
    assert ranker.cache.get().modifier("jimaku") == 25


def test_manual_search_returns_scores_and_matches(client):
    body = client.post("/api/v1/providers/search", json=SEARCH).get_json()
    best = body["candidates"][0]
    assert best["provider"] == "animetosho"
    assert best["score"] == 180 + 30 + 30 + 14 + 1 + 50
    assert set(best["matches"]) == {"series", "season", "episode", "release_group",
                                    "hearing_impaired", "format_bonus"}
    assert body["providers"] == ["opensubtitles", "animetosho", "subdl"]
    assert "download_ref" not in best


def test_manual_search_rejects_bad_input(client):
    assert client.post("/api/v1/providers/search", json={"title": ""}).status_code == 422
    assert client.post("/api/v1/providers/search",
                       json={**SEARCH, "language": "english"}).status_code == 422
