"""Wanted scanner throughput (files/s) against a bare ``os.scandir`` walk of the same tree.

Builds a temporary library of empty media files (half with an English
subtitle next to them), then times: the bare walk (baseline), a first scan
(inserting every wanted row into SQLite) and a steady-state rescan.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import sublarr.app  # noqa: F401 - import the package in its wiring order (config ↔ events cycle)
from bench.common import print_table
from sublarr.config import build_settings
from sublarr.db.engine import Database, database_url_for
from sublarr.library.sources import LibraryHealth, LibrarySources, new_http_session
from sublarr.wanted.scanner import WantedScanner
from sublarr.wanted.subtitles import EmbeddedProbe

SHOWS = 100
EPISODES = 50  # 5,000 media files
ROUNDS = 3


def build_tree(root: Path) -> int:
    for show in range(SHOWS):
        season = root / f"[Grp] Show {show:03d}" / "Season 1"
        season.mkdir(parents=True)
        for episode in range(1, EPISODES + 1):
            stem = f"[Grp] Show {show:03d} - S01E{episode:02d} [1080p]"
            (season / f"{stem}.mkv").touch()
            if episode % 2 == 0:
                (season / f"{stem}.en.srt").touch()
        (season / "folder.jpg").touch()
    return SHOWS * EPISODES


def bare_walk(root: str) -> int:
    """Count every file with os.scandir, nothing else (the floor any scan pays)."""
    count, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    count += 1
    return count


def best_of(func, rounds: int = ROUNDS) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sublarr-bench-wanted-") as tmp:
        root = Path(tmp) / "library"
        media = build_tree(root)
        db = Database(database_url_for(Path(tmp)))
        db.upgrade()
        settings = build_settings({}, {}, {"data_dir": Path(tmp),
                                           "standalone_folders": [str(root)],
                                           "wanted_languages": ["en", "de"]})
        session = new_http_session()
        scanner = WantedScanner(db, lambda: settings,
                                LibrarySources(lambda: settings, session, LibraryHealth()),
                                EmbeddedProbe())
        walk_s = best_of(lambda: bare_walk(str(root)))
        start = time.perf_counter()
        first = scanner.scan()
        first_s = time.perf_counter() - start
        rescan_s = best_of(scanner.scan)
        rows = [
            {"what": "os.scandir walk (baseline)", "files": media, "seconds": walk_s,
             "files_per_s": media / walk_s, "ratio_vs_walk": 1.0},
            {"what": f"first scan (+{first.added} rows)", "files": first.scanned,
             "seconds": first_s, "files_per_s": media / first_s, "ratio_vs_walk": walk_s / first_s},
            {"what": "rescan (no changes)", "files": media, "seconds": rescan_s,
             "files_per_s": media / rescan_s, "ratio_vs_walk": walk_s / rescan_s},
        ]
        print_table("wanted scan vs bare os.scandir walk (ratio = walk time / scan time)", rows)
        session.close()
        db.close()


if __name__ == "__main__":
    main()
