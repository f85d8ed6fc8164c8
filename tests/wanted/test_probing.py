"""Embedded-subtitle probing: MediaInfo (in-process) and real ffprobe (its fallback) on
real small files, kept across restarts, run several at a time.

ffprobe is reached through wrapper scripts that log each run to a file and
exec the real program, so the tests count and order real probes without
touching our code.  Files MediaInfo cannot make sense of reach ffprobe: corrupt
and truncated files, and a NUT file (a container MediaInfo recognises but does
not look inside) misnamed ``.mkv``, which ffprobe reads fully — that one shows
the pool running probes at the same time.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from sublarr.app import create_app
from sublarr.db.engine import Database, database_url_for
from sublarr.library.intake import SINK_COMPONENT
from sublarr.library.media import MediaFile
from sublarr.profiles.book import fixed_book
from sublarr.services import services_of
from sublarr.wanted.models import WantedItem
from sublarr.wanted.probe_cache import ProbeCache, ProbeCacheRow
from sublarr.wanted.scanner import PresenceChecker, missing_pairs
from sublarr.wanted.subtitles import EmbeddedProbe
from tests.conftest import TEST_ENV
from tests.wanted.subtitle_fixtures import ASS, SRT

FFMPEG, FFPROBE = shutil.which("ffmpeg"), shutil.which("ffprobe")
pytestmark = pytest.mark.skipif(not FFMPEG or not FFPROBE, reason="ffmpeg/ffprobe not installed")



def _make(target: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=16x16:d=1",
                    *args, str(target)], check=True, timeout=60)
    return target


@pytest.fixture(scope="module")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real 1 s files read by MediaInfo: Matroska with Japanese ASS + forced English SRT,
    Matroska without subtitles, MP4 with Japanese timed text, MP4 without; left to ffprobe
    (which fails on them): a corrupt file and a truncated one."""
    folder = tmp_path_factory.mktemp("media")
    ass, srt = folder / "in.ass", folder / "in.srt"
    ass.write_text(ASS)
    srt.write_text(SRT)
    corrupt = folder / "corrupt.mkv"
    corrupt.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8)
    mkv_subs = _make(folder / "with subs.mkv", "-i", str(ass), "-i", str(srt),
                     "-map", "0", "-map", "1", "-map", "2", "-c:v", "ffv1",
                     "-c:s:0", "ass", "-c:s:1", "srt", "-metadata:s:s:0", "language=jpn",
                     "-metadata:s:s:1", "language=eng", "-disposition:s:1", "forced")
    truncated = folder / "truncated.mkv"
    truncated.write_bytes(mkv_subs.read_bytes()[:300])
    return {
        "mkv_subs": mkv_subs,
        "mkv_plain": _make(folder / "plain.mkv", "-c:v", "ffv1"),
        "corrupt": corrupt,
        "truncated": truncated,
        "mp4_subs": _make(folder / "with subs.mp4", "-i", str(srt), "-map", "0", "-map", "1",
                          "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "mov_text",
                          "-metadata:s:s:0", "language=jpn"),
        "mp4_plain": _make(folder / "plain.mp4", "-c:v", "libx264", "-preset", "ultrafast"),
    }


@pytest.fixture(scope="module")
def misnamed_nut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NUT file named .mkv with a Japanese track: only ffprobe reads its tracks."""
    folder = tmp_path_factory.mktemp("nut")
    (folder / "in.ass").write_text(ASS)
    return _make(folder / "nut.mkv", "-i", str(folder / "in.ass"), "-map", "0", "-map", "1",
                 "-c:v", "ffv1", "-c:s", "ass", "-metadata:s:s:0", "language=jpn", "-f", "nut")


@pytest.fixture(scope="module")
def german_twin(media_files, tmp_path_factory) -> Path:  # noqa: ANN001
    """``with subs.mkv`` with its Japanese track tagged German: same size, other answer."""
    folder = tmp_path_factory.mktemp("twin")
    ass, srt = folder / "in.ass", folder / "in.srt"
    ass.write_text(ASS)
    srt.write_text(SRT)
    twin = _make(folder / "twin.mkv", "-i", str(ass), "-i", str(srt),
                 "-map", "0", "-map", "1", "-map", "2", "-c:v", "ffv1",
                 "-c:s:0", "ass", "-c:s:1", "srt", "-metadata:s:s:0", "language=ger",
                 "-metadata:s:s:1", "language=eng", "-disposition:s:1", "forced")
    assert twin.stat().st_size == media_files["mkv_subs"].stat().st_size
    return twin


def _swap_keeping_stamp(target: Path, replacement: Path) -> None:
    """New content, same size and mtime: only a kept answer still says the old thing."""
    stat = target.stat()
    shutil.copyfile(replacement, target)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _counting_ffprobe(folder: Path) -> tuple[Path, Path]:
    """A wrapper that appends one line per run (its arguments) to a log, then becomes the real ffprobe."""
    log = folder / "probes.log"
    script = folder / "ffprobe-counting"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> "{log}"\nexec "{FFPROBE}" "$@"\n')
    script.chmod(0o755)
    return script, log


def _runs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _library(folder: Path, media_files: dict[str, Path], prefix: str = "") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    copies = {}
    for key, source in media_files.items():
        copies[key] = folder / f"{prefix}{source.name}"
        shutil.copy2(source, copies[key])
    return copies


@pytest.fixture
def database(data_dir: Path) -> Iterator[Database]:
    db = Database(database_url_for(data_dir))
    yield db
    db.close()


def _media(path: Path) -> MediaFile:
    return MediaFile(str(path), "movie", path.stem, "standalone")


def test_real_files_give_full_and_forced_tracks_and_a_corrupt_file_counts_as_none(
        tmp_path, media_files, database, caplog):  # noqa: ANN001
    script, log = _counting_ffprobe(tmp_path)
    probe = EmbeddedProbe(str(script), cache=ProbeCache(database))
    paths = {key: str(path) for key, path in media_files.items()}
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted.subtitles"):
        found = probe.probe_many([*paths.values(), paths["mkv_plain"] + ".missing"])
    assert (found[paths["mkv_subs"]].languages, found[paths["mkv_subs"]].forced) == (
        {"ja"}, {"en"})
    assert found[paths["mp4_subs"]].languages == {"ja"}
    for key in ("mkv_plain", "mp4_plain", "corrupt", "truncated"):
        assert found[paths[key]].languages == found[paths[key]].forced == frozenset()
    assert len(found) == 6  # a missing file is simply not there
    # MediaInfo reads the sound files; only the damaged ones go to ffprobe (which fails).
    assert sorted(line.rsplit("/", 1)[-1] for line in _runs(log)) == [
        "corrupt.mkv", "truncated.mkv"]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and ("corrupt.mkv" in warnings[0] or "truncated.mkv" in warnings[0])


def test_forced_only_track_does_not_cover_the_language(media_files, database):  # noqa: ANN001
    checker = PresenceChecker(EmbeddedProbe(FFPROBE, cache=ProbeCache(database)))
    wants = missing_pairs([_media(media_files["mkv_subs"])], fixed_book(["en", "ja"]), checker)
    assert sorted(lang for _path, lang in wants) == ["en"]


def test_a_restart_does_not_probe_again(tmp_path, data_dir, media_files,
                                        german_twin):  # noqa: ANN001
    script, log = _counting_ffprobe(tmp_path)
    folder = tmp_path / "watched"
    files = _library(folder, media_files)
    settings = {"data_dir": data_dir, "library_roots": [str(tmp_path)],
                "standalone_folders": [str(folder)], "wanted_languages": ["en", "ja"],
                "wanted_scan_on_start": False, "wanted_scan_interval_minutes": 0,
                "wanted_search_on_arrival": False}
    environ = {**TEST_ENV, "SUBLARR_WHISPER_FFPROBE_PATH": str(script)}

    def scan_in_a_fresh_app() -> list[tuple[str, str]]:
        app = create_app(settings, environ=environ, testing=True)
        try:
            services = services_of(app)
            report = services.components[SINK_COMPONENT].runner.scan_now()
            assert report.scanned == 6 and not report.errors
            with services.db.session() as session:
                return sorted((Path(p).name, lang) for p, lang in session.execute(
                    select(WantedItem.media_path, WantedItem.language)))
        finally:
            services_of(app).shutdown()

    first = scan_in_a_fresh_app()
    assert len(_runs(log)) == 2  # the corrupt and the truncated file, once each
    assert first == [("corrupt.mkv", "en"), ("corrupt.mkv", "ja"), ("plain.mkv", "en"),
                     ("plain.mkv", "ja"), ("plain.mp4", "en"), ("plain.mp4", "ja"),
                     ("truncated.mkv", "en"), ("truncated.mkv", "ja"),
                     ("with subs.mkv", "en"), ("with subs.mp4", "en")]
    _swap_keeping_stamp(files["mkv_subs"], german_twin)  # read again, it would want ja
    assert scan_in_a_fresh_app() == first
    assert len(_runs(log)) == 2  # the second process took every answer from the database


def test_a_changed_file_is_probed_again(tmp_path, database, media_files,
                                        german_twin):  # noqa: ANN001
    script, log = _counting_ffprobe(tmp_path)
    files = _library(tmp_path / "lib", media_files)
    paths = [str(p) for p in files.values()]
    first = EmbeddedProbe(str(script), cache=ProbeCache(database))
    first.probe_many(paths)
    assert first.files_probed == 6 and len(_runs(log)) == 2

    probe = EmbeddedProbe(str(script), cache=ProbeCache(database))  # as after a restart
    assert probe.probe_many(paths)[str(files["mkv_subs"])].languages == {"ja"}
    assert probe.files_probed == 0 and len(_runs(log)) == 2

    _swap_keeping_stamp(files["mkv_subs"], german_twin)
    stat = files["mkv_subs"].stat()
    os.utime(files["mkv_subs"], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    stat = files["mp4_subs"].stat()
    os.utime(files["mp4_subs"], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    stat = files["truncated"].stat()
    os.utime(files["truncated"], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    shutil.copy(media_files["mkv_plain"], files["corrupt"])  # new size (and content)
    found = probe.probe_many(paths)
    assert probe.files_probed == 4
    assert [line.rsplit("/", 1)[-1] for line in _runs(log)[2:]] == ["truncated.mkv"]
    assert found[str(files["mkv_subs"])].languages == {"de"}
    assert found[str(files["mp4_subs"])].languages == {"ja"}
    assert probe.probe_many(paths) == found and probe.files_probed == 4


def _overlap_ffprobe(folder: Path) -> tuple[Path, Path]:
    """A wrapper that logs start/end and, before probing, waits (bounded) until a second
    run has started: runs one at a time log start, end, start, end…"""
    log = folder / "overlap.log"
    script = folder / "ffprobe-overlap"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "start $$" >> "{log}"\n'
        "i=0\n"
        f'while [ "$(grep -c start "{log}")" -lt 2 ] && [ $i -lt 40 ]; do '
        "sleep 0.05; i=$((i+1)); done\n"
        f'"{FFPROBE}" "$@"; rc=$?\n'
        f'echo "end $$" >> "{log}"\n'
        "exit $rc\n")
    script.chmod(0o755)
    return script, log


def _most_at_once(lines: list[str]) -> int:
    running = most = 0
    for line in lines:
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    return most


@pytest.mark.parametrize("workers,expected", [(2, 2), (1, 1)])
def test_probes_run_on_a_pool_of_the_configured_size(tmp_path, misnamed_nut, workers,
                                                     expected):  # noqa: ANN001
    script, log = _overlap_ffprobe(tmp_path)
    files = [_library(tmp_path / f"s{n}", {"nut": misnamed_nut})["nut"] for n in range(4)]
    found = EmbeddedProbe(str(script), workers=lambda: workers).probe_many(map(str, files))
    assert all(result.languages == {"ja"} for result in found.values()) and len(found) == 4
    lines = _runs(log)
    assert len(lines) == 8 and _most_at_once(lines) == expected


def test_missing_ffprobe_is_logged_once_and_the_scan_goes_on(tmp_path, media_files, database,
                                                             caplog):  # noqa: ANN001
    files = _library(tmp_path / "lib", media_files)
    probe = EmbeddedProbe(str(tmp_path / "no-such-ffprobe"), cache=ProbeCache(database))
    checker = PresenceChecker(probe)
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted.subtitles"):
        wants = missing_pairs([_media(p) for p in files.values()], fixed_book(["ja"]), checker)
    # MediaInfo still reads the sound files; the damaged ones count as having nothing.
    assert sorted(Path(path).name for path, _lang in wants) == [
        "corrupt.mkv", "plain.mkv", "plain.mp4", "truncated.mkv"]
    assert len([r for r in caplog.records if "no-such-ffprobe" in r.getMessage()]) == 1
    with database.session() as session:  # a failure to run is not kept as an answer
        kept = {Path(p).name for p in session.scalars(select(ProbeCacheRow.path))}
    assert kept == {"with subs.mkv", "plain.mkv", "with subs.mp4", "plain.mp4"}


def test_without_the_mediainfo_library_ffprobe_reads_every_file(tmp_path, media_files,
                                                                database, caplog):  # noqa: ANN001
    script, log = _counting_ffprobe(tmp_path)
    paths = [str(p) for p in media_files.values()]
    expected = EmbeddedProbe(FFPROBE).probe_many(paths)
    broken = tmp_path / "libmediainfo.so.0"
    broken.write_bytes(b"not a shared object")
    probe = EmbeddedProbe(str(script), cache=ProbeCache(database),
                          mediainfo_library=str(broken))
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted.subtitles"):
        assert probe.probe_many(paths) == expected
    assert len(_runs(log)) == 6  # every file went to ffprobe
    assert len([r for r in caplog.records if "pymediainfo unavailable" in r.getMessage()]) == 1
    with database.session() as session:  # ffprobe's answers are kept, damaged files included
        assert len(session.scalars(select(ProbeCacheRow.path)).all()) == 6


def test_rows_of_files_gone_from_their_folder_are_dropped(tmp_path, media_files,
                                                          database):  # noqa: ANN001
    files = _library(tmp_path / "lib", media_files)
    other = _library(tmp_path / "elsewhere", media_files)
    probe = EmbeddedProbe(FFPROBE, cache=ProbeCache(database))
    book = fixed_book(["en"])
    missing_pairs([_media(p) for p in [*files.values(), *other.values()]], book,
                  PresenceChecker(probe))
    files["mkv_plain"].unlink()
    missing_pairs([_media(files["mkv_subs"])], book, PresenceChecker(probe))
    with database.session() as session:
        kept = {Path(p) for p in session.scalars(select(ProbeCacheRow.path))}
    # Only the lib folder was listed again: elsewhere's rows stay even though unlisted.
    assert kept == set(files.values()) - {files["mkv_plain"]} | set(other.values())


def test_probe_workers_setting_is_bounded(client):  # noqa: ANN001
    assert client.put("/api/v1/config", json={"wanted_probe_workers": 9}).status_code == 422
    assert client.put("/api/v1/config", json={"wanted_probe_workers": 0}).status_code == 422
    response = client.put("/api/v1/config", json={"wanted_probe_workers": 3})
    assert response.status_code == 200
    assert client.get("/api/v1/config").json["settings"]["wanted_probe_workers"] == 3


def test_a_scan_probes_on_the_pool(tmp_path, data_dir, misnamed_nut):  # noqa: ANN001
    script, log = _overlap_ffprobe(tmp_path)
    folder = tmp_path / "watched"
    for n in range(3):
        _library(folder / f"Show {n}", {"nut": misnamed_nut})
    app = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path)],
                      "standalone_folders": [str(folder)], "wanted_languages": ["ja"],
                      "wanted_scan_on_start": False, "wanted_scan_interval_minutes": 0,
                      "wanted_search_on_arrival": False},
                     environ={**TEST_ENV, "SUBLARR_WHISPER_FFPROBE_PATH": str(script)},
                     testing=True)
    try:
        report = services_of(app).components[SINK_COMPONENT].runner.scan_now()
    finally:
        services_of(app).shutdown()
    assert (report.scanned, report.added) == (3, 0)  # every file has its Japanese track
    assert _most_at_once(_runs(log)) == 2  # wanted_probe_workers' default
