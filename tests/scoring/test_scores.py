"""The pure scoring core and the weights cache."""

from __future__ import annotations

from sublarr.providers.candidate import Candidate, MediaInfo, ProviderQuery, parse_release
from sublarr.scoring.scores import (
    DEFAULT_WEIGHTS,
    EffectiveWeights,
    WeightsCache,
    compute_score,
    matched_keys,
    merge_weights,
    score_from_keys,
    touches_scoring,
)

EPISODE_WEIGHTS = DEFAULT_WEIGHTS["episode"]
MEDIA = MediaInfo.from_query(ProviderQuery(
    media_type="episode", title="Frieren: Beyond Journey's End", language="en", year=2023,
    season=1, episode=5, release_name="Frieren.S01E05.1080p.WEB.AAC2.0.H264-VARYG.mkv"))


def candidate(**overrides) -> Candidate:
    values = dict(provider="subdl", subtitle_id="1", language="en",
                  title="frieren beyond journeys end", format="srt", year=2023, season=1,
                  episode=5, release=parse_release("Frieren.S01E05.1080p.WEB.AAC2.0.H264-VARYG"))
    values.update(overrides)
    return Candidate(**values)


def test_spec_defaults():
    assert dict(EPISODE_WEIGHTS) == {
        "hash": 359, "series": 180, "year": 90, "season": 30, "episode": 30,
        "release_group": 14, "source": 7, "audio_codec": 3, "resolution": 2,
        "hearing_impaired": 1, "format_bonus": 50}
    assert dict(DEFAULT_WEIGHTS["movie"]) == {
        "hash": 119, "title": 60, "year": 30, "release_group": 13, "source": 7,
        "audio_codec": 3, "resolution": 2, "hearing_impaired": 1, "format_bonus": 50}


def test_full_match_earns_every_attribute():
    assert compute_score(candidate(), MEDIA, EPISODE_WEIGHTS) == 180 + 90 + 30 + 30 + 14 + 7 + 3 + 2 + 1


def test_titles_match_ignoring_case_and_punctuation():
    assert "series" in matched_keys(candidate(title="FRIEREN - Beyond Journey's End"), MEDIA)


def test_ass_earns_the_format_bonus():
    assert (compute_score(candidate(format="ass"), MEDIA, EPISODE_WEIGHTS)
            - compute_score(candidate(format="srt"), MEDIA, EPISODE_WEIGHTS)) == 50


def test_hash_match_replaces_the_identity_attributes():
    score = compute_score(candidate(hash_match=True, format="ass"), MEDIA, EPISODE_WEIGHTS)
    assert score == 359 + 1 + 50


def test_wrong_episode_loses_the_episode_weight():
    assert "episode" not in matched_keys(candidate(episode=6), MEDIA)


def test_hearing_impaired_mismatch_loses_its_point():
    assert "hearing_impaired" not in matched_keys(candidate(hearing_impaired=True), MEDIA)


def test_provider_modifier_is_added():
    base = compute_score(candidate(), MEDIA, EPISODE_WEIGHTS)
    assert compute_score(candidate(), MEDIA, EPISODE_WEIGHTS, modifier=-40) == base - 40


def test_movie_uses_title_not_series():
    movie = MediaInfo.from_query(ProviderQuery(media_type="movie", title="Paprika",
                                               language="en", year=2006))
    keys = matched_keys(candidate(title="Paprika", year=2006, season=None, episode=None), movie)
    assert "title" in keys and "series" not in keys and "year" in keys


def test_changed_weight_changes_the_score():
    weights = {**EPISODE_WEIGHTS, "release_group": 500}
    assert (compute_score(candidate(), MEDIA, weights)
            - compute_score(candidate(), MEDIA, EPISODE_WEIGHTS)) == 486


def test_merge_ignores_unknown_stored_keys_and_keeps_defaults():
    merged = merge_weights({"episode": {"hash": 400, "retired_key": 9}})
    assert merged["episode"]["hash"] == 400 and "retired_key" not in merged["episode"]
    assert merged["movie"] == dict(DEFAULT_WEIGHTS["movie"])


def test_weights_cache_loads_once_until_invalidated():
    loads: list[int] = []

    def loader() -> EffectiveWeights:
        loads.append(1)
        return EffectiveWeights(merge_weights({}), {"jimaku": len(loads)})

    cache = WeightsCache(loader)
    assert cache.get().modifier("jimaku") == 1
    assert cache.get().modifier("jimaku") == 1
    cache.invalidate()
    assert cache.get().modifier("jimaku") == 2 and len(loads) == 2


def test_config_keys_that_touch_scoring():
    assert touches_scoring(["hook_workers", "scoring_min"])
    assert touches_scoring(["provider_modifier_jimaku"])
    assert not touches_scoring(["provider_timeout_seconds", "hook_workers"])


def test_compute_score_agrees_with_the_matched_keys_for_random_candidates():
    import random

    rng = random.Random(3)
    weights = {k: rng.randint(0, 500) for k in EPISODE_WEIGHTS}
    for _ in range(500):
        c = candidate(title=rng.choice(["Frieren", "frieren beyond journeys end", ""]),
                      year=rng.choice([2023, 2022, None]), season=rng.choice([1, 2, None]),
                      episode=rng.choice([5, 6]), format=rng.choice(["ass", "srt", "zip"]),
                      hash_match=rng.random() < 0.2, hearing_impaired=rng.random() < 0.5,
                      release=parse_release(rng.choice([
                          "Frieren.S01E05.1080p.WEB.AAC2.0.H264-VARYG", "Frieren 05 720p", ""])))
        modifier = rng.randint(-50, 50)
        expected = score_from_keys(matched_keys(c, MEDIA), weights, c.hash_match, modifier)
        assert compute_score(c, MEDIA, weights, modifier) == expected
