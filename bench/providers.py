"""Providers: scoring throughput and concurrent search wall time.

1. ``compute_score`` over 10,000 candidates vs a plain-dict scoring loop
   (the floor: dict lookups and comparisons only), as candidates/s and ratio.
2. A search across 4 fake providers (real response shapes, on 127.0.0.1)
   that each take ~300 ms: the pool (concurrent) vs asking them one after
   another.  Concurrent should be ≈ 1× the slowest, not 4×.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import print_table
from sublarr.providers.candidate import Candidate, MediaInfo, ProviderQuery, ReleaseInfo
from sublarr.scoring.scores import DEFAULT_WEIGHTS, compute_score

CANDIDATES = 10_000
ROUNDS = 5
PROVIDER_MS = 300


def _candidates(count: int) -> list[Candidate]:
    rng = random.Random(7)
    titles = ["Frieren", "Frieren: Beyond Journey's End", "Dungeon Meshi", "Spy x Family"]
    groups = ["subsplease", "erai-raws", "varyg", None]
    return [Candidate(
        provider=rng.choice(["opensubtitles", "jimaku", "animetosho", "subdl"]),
        subtitle_id=str(i), language="en", title=rng.choice(titles),
        format=rng.choice(["ass", "srt"]), year=rng.choice([2023, 2024, None]),
        season=rng.choice([1, 2]), episode=rng.randint(1, 12),
        release=ReleaseInfo(release_group=rng.choice(groups), source=rng.choice(["web", None]),
                            audio_codec=rng.choice(["aac", "flac"]),
                            resolution=rng.choice(["1080p", "720p"])),
        hash_match=rng.random() < 0.01, hearing_impaired=rng.random() < 0.1)
        for i in range(count)]


def _plain_dicts(candidates: list[Candidate]) -> list[dict]:
    return [{"title_key": c.title_key, "year": c.year, "season": c.season, "episode": c.episode,
             "release_group": c.release.release_group, "source": c.release.source,
             "audio_codec": c.release.audio_codec, "resolution": c.release.resolution,
             "hi": c.hearing_impaired, "format": c.format} for c in candidates]


def _plain_loop(rows: list[dict], media: dict, weights: dict) -> int:
    """The baseline: the same rules written inline over dicts."""
    total = 0
    for row in rows:
        score = 0
        if row["title_key"] == media["title_key"]:
            score += weights["series"]
        if row["year"] == media["year"]:
            score += weights["year"]
        if row["season"] == media["season"]:
            score += weights["season"]
        if row["episode"] == media["episode"]:
            score += weights["episode"]
        for key in ("release_group", "source", "audio_codec", "resolution"):
            if media[key] is not None and row[key] == media[key]:
                score += weights[key]
        if row["hi"] == media["hi"]:
            score += weights["hearing_impaired"]
        if row["format"] == "ass":
            score += weights["format_bonus"]
        total += score
    return total


def _best_rate(run, count: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return count / min(times)


def bench_scoring() -> list[dict[str, object]]:
    candidates = _candidates(CANDIDATES)
    media = MediaInfo.from_query(ProviderQuery(
        media_type="episode", title="Frieren", language="en", year=2023, season=1, episode=5,
        release_name="[SubsPlease] Frieren - S01E05 (1080p).mkv"))
    weights = dict(DEFAULT_WEIGHTS["episode"])
    rows = _plain_dicts(candidates)
    media_row = {"title_key": media.title_key, "year": media.year, "season": media.season,
                 "episode": media.episode, "hi": media.hearing_impaired,
                 **{k: getattr(media.release, k) for k in
                    ("release_group", "source", "audio_codec", "resolution")}}
    ours = _best_rate(lambda: [compute_score(c, media, weights) for c in candidates], CANDIDATES)
    plain = _best_rate(lambda: _plain_loop(rows, media_row, weights), CANDIDATES)
    return [
        {"scoring": "plain-dict loop (baseline)", "candidates_per_s": plain, "ratio": 1.0},
        {"scoring": "compute_score", "candidates_per_s": ours, "ratio": ours / plain},
    ]


def bench_search() -> list[dict[str, object]]:
    from sublarr.app import create_app
    from sublarr.services import services_of
    from tests.providers.fakes import (
        FakeAnimeTosho,
        FakeJimaku,
        FakeOpenSubtitles,
        Fakes,
        FakeSubdl,
    )

    fakes = Fakes(FakeOpenSubtitles().start(), FakeJimaku().start(), FakeAnimeTosho().start(),
                  FakeSubdl().start())
    # Jimaku and AnimeTosho need two requests per search: half the delay each.
    for fake, requests_per_search in ((fakes.opensubtitles, 1), (fakes.jimaku, 2),
                                      (fakes.animetosho, 2), (fakes.subdl, 1)):
        fake.delay = PROVIDER_MS / 1000 / requests_per_search
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({"data_dir": Path(data_dir), **fakes.settings(),
                          "provider_rate_limit_per_minute": 6000},
                         environ={"PATH": "/usr/bin:/bin"})
        services = services_of(app)
        pool = services.components["provider_pool"]
        query = ProviderQuery(media_type="episode", title="Frieren", language="ja", season=1,
                              episode=5)
        try:
            pool.search(query)  # warm-up: guessit loads its rules on first use (~2 s)
            concurrent, sequential, slowest = [], [], []
            for _ in range(3):
                start = time.perf_counter()
                result = pool.search(query)
                concurrent.append((time.perf_counter() - start) * 1000)
                assert len(result.searched) == 4 and not result.failures, result.failures
                each = []
                for provider in pool.usable(query):
                    start = time.perf_counter()
                    provider.search(query)
                    each.append((time.perf_counter() - start) * 1000)
                sequential.append(sum(each))
                slowest.append(max(each))
        finally:
            services.shutdown()
            for fake in fakes.all():
                fake.server.stop()
    seq, conc = statistics.median(sequential), statistics.median(concurrent)
    slow = statistics.median(slowest)
    return [
        {"search (4 providers × 300 ms)": "slowest provider alone", "wall_ms": slow,
         "x_slowest": 1.0, "speedup": ""},
        {"search (4 providers × 300 ms)": "one after another (baseline)", "wall_ms": seq,
         "x_slowest": seq / slow, "speedup": 1.0},
        {"search (4 providers × 300 ms)": "pool (concurrent)", "wall_ms": conc,
         "x_slowest": conc / slow, "speedup": seq / conc},
    ]


def main() -> None:
    print_table(f"scoring {CANDIDATES:,} candidates (best of {ROUNDS})", bench_scoring())
    print_table("provider search wall time (median of 3)", bench_search())


if __name__ == "__main__":
    main()
