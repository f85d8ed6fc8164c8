"""The probe cache on SQLite and the real PostgreSQL: keyed by size and mtime, replaced,
pruned by directory listing and by age."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from sublarr.db.base import utcnow
from sublarr.db.engine import Database, database_url_for
from sublarr.wanted.probe_cache import (
    TIMED_OUT,
    UNSEEN_DAYS,
    FileStamp,
    ProbeCache,
    ProbeResult,
)

JA = ProbeResult(frozenset({"ja"}), frozenset({"en"}))


@pytest.fixture(params=["sqlite", "postgresql"])
def cache(request, data_dir: Path) -> Iterator[ProbeCache]:  # noqa: ANN001
    if request.param == "sqlite":
        db = Database(database_url_for(data_dir))
        yield ProbeCache(db)
        db.close()
        return
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    db.upgrade()
    yield ProbeCache(db)
    db.close()


def test_an_answer_holds_while_size_and_mtime_hold(cache: ProbeCache):
    cache.store({"/tv/A/1.mkv": (FileStamp(10, 5), JA), "/tv/A/2.mkv": (FileStamp(20, 5),
                                                                         ProbeResult())})
    assert cache.lookup({"/tv/A/1.mkv": FileStamp(10, 5), "/tv/A/2.mkv": FileStamp(20, 5)}) == {
        "/tv/A/1.mkv": JA, "/tv/A/2.mkv": ProbeResult()}
    assert cache.lookup({"/tv/A/1.mkv": FileStamp(10, 6), "/tv/A/2.mkv": FileStamp(21, 5),
                         "/tv/A/3.mkv": FileStamp(1, 1)}) == {}
    cache.store({"/tv/A/1.mkv": (FileStamp(11, 7), ProbeResult(frozenset({"de"})))})
    assert cache.lookup({"/tv/A/1.mkv": FileStamp(11, 7)}) == {
        "/tv/A/1.mkv": ProbeResult(frozenset({"de"}))}


def test_a_timed_out_probe_is_not_kept(cache: ProbeCache):
    cache.store({"/tv/A/1.mkv": (FileStamp(10, 5), TIMED_OUT),
                 "/tv/A/2.mkv": (FileStamp(20, 5), JA)})
    assert cache.lookup({"/tv/A/1.mkv": FileStamp(10, 5), "/tv/A/2.mkv": FileStamp(20, 5)}) == {
        "/tv/A/2.mkv": JA}


def test_rows_of_files_gone_from_a_listed_directory_are_dropped(cache: ProbeCache):
    stamp = FileStamp(1, 1)
    paths = ["/tv/A/1.mkv", "/tv/A/2.mkv", "/tv/A/Sub/3.mkv", "/tv/AB/4.mkv", "/tv/B/5.mkv"]
    cache.store({path: (stamp, JA) for path in paths})
    assert cache.forget_vanished({"/tv/A": ["1.mkv", "Sub", "x.srt"], "/tv/B": []}) == 2
    assert set(cache.lookup({path: stamp for path in paths})) == {
        "/tv/A/1.mkv", "/tv/A/Sub/3.mkv", "/tv/AB/4.mkv"}


def test_rows_nothing_looked_at_for_a_month_are_dropped(cache: ProbeCache):
    stamp, long_ago = FileStamp(1, 1), utcnow() - timedelta(days=UNSEEN_DAYS + 5)
    cache.store({"/old/seen.mkv": (stamp, JA), "/old/unseen.mkv": (stamp, JA)}, now=long_ago)
    # A lookup a week later refreshes what it finds; the next store (a fresh cache object
    # prunes at once) drops what nobody looked at.
    assert set(cache.lookup({"/old/seen.mkv": stamp}, now=long_ago + timedelta(days=7))) == {
        "/old/seen.mkv"}
    cache.store({"/new.mkv": (stamp, JA)})
    assert set(cache.lookup({"/old/seen.mkv": stamp, "/old/unseen.mkv": stamp,
                             "/new.mkv": stamp})) == {"/old/seen.mkv", "/new.mkv"}
