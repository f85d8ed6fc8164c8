"""A MediaInfo read that blocks (a share that stopped answering) is given up after
``wanted_probe_timeout_seconds``: the file goes to ffprobe, a warning names it, and
after a few such reads MediaInfo is set aside until one of them returns.

The reads block for real: a child process holds a file lease on the "hung" files
(see ``hang_support``), so MediaInfo's and ffprobe's opens wait in the kernel until
the test gives the lease up.  Time limits are 1 s; elapsed times are only bounded
generously.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sublarr.app import create_app
from sublarr.library.intake import SINK_COMPONENT
from sublarr.services import services_of
from sublarr.wanted.mediainfo import MediaInfoReader
from sublarr.wanted.probe_cache import TIMED_OUT, ProbeResult
from sublarr.wanted.subtitles import MAX_WORKERS, EmbeddedProbe
from tests.conftest import TEST_ENV, ApiClient
from tests.support.waiting import wait_until
from tests.wanted.hang_support import blocked_reads, media_like
from tests.wanted.subtitle_fixtures import ASS

FFMPEG, FFPROBE = shutil.which("ffmpeg"), shutil.which("ffprobe")
JAPANESE = ProbeResult(frozenset({"ja"}))
MARGIN = 15.0  # seconds: far above the 1 s limits, only catches a stalled read


@pytest.fixture(scope="module")
def japanese_mkv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 1 s Matroska file with a Japanese ASS track."""
    if not FFMPEG or not FFPROBE:
        pytest.skip("ffmpeg/ffprobe not installed")
    folder = tmp_path_factory.mktemp("real")
    (folder / "in.ass").write_text(ASS)
    target = folder / "japanese.mkv"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=16x16:d=1",
                    "-i", str(folder / "in.ass"), "-map", "0", "-map", "1", "-c:v", "ffv1",
                    "-c:s", "ass", "-metadata:s:s:0", "language=jpn", str(target)],
                   check=True, timeout=60)
    return target


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return target


def _messages(caplog: pytest.LogCaptureFixture, *parts: str) -> list[str]:
    return [m for m in (r.getMessage() for r in caplog.records) if all(p in m for p in parts)]


def _mediainfo_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("mediainfo-")}


def test_a_blocked_read_is_given_up_at_the_limit_logged_and_counted_back(
        tmp_path, japanese_mkv, caplog):  # noqa: ANN001
    hung = media_like(tmp_path / "share" / "Hung Movie (2020).mkv")
    reader = MediaInfoReader(timeout=1)
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted.mediainfo"):
        with blocked_reads([hung]):
            started = time.monotonic()
            assert reader.read(str(hung)) == TIMED_OUT  # left to ffprobe
            assert time.monotonic() - started < MARGIN
            assert reader.stuck == 1 and not reader.set_aside
        wait_until(lambda: reader.stuck == 0, MARGIN, what="the blocked read to return")
        # the thread logs its return just after it is counted back
        wait_until(lambda: _messages(caplog, "returned after", str(hung)), MARGIN,
                   what="the return to be logged")
    assert len(_messages(caplog, "no answer for", str(hung), "within 1 s")) == 1
    assert len(_messages(caplog, "returned after", str(hung))) == 1
    assert reader.read(str(japanese_mkv)) == JAPANESE  # its thread serves again
    assert reader.threads == 1
    reader.stop()


def test_after_k_blocked_reads_mediainfo_is_set_aside_until_one_returns(
        tmp_path, japanese_mkv, caplog):  # noqa: ANN001
    hung = [media_like(tmp_path / "share" / f"Hung {n}.mkv") for n in range(3)]
    reader = MediaInfoReader(timeout=1, stuck_limit=2)
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted.mediainfo"):
        with blocked_reads(hung):
            assert [reader.read(str(p)) for p in hung[:2]] == [TIMED_OUT, TIMED_OUT]
            assert reader.set_aside and reader.stuck == 2
            started = time.monotonic()
            # Set aside: nothing is handed to the library, not even a readable file.
            assert reader.read(str(japanese_mkv)) is None
            assert reader.read(str(hung[2])) is None
            assert time.monotonic() - started < MARGIN
            assert (reader.stuck, reader.threads) == (2, 2)  # no thread for either read
        wait_until(lambda: reader.stuck == 0, MARGIN, what="the blocked reads to return")
    assert not reader.set_aside
    assert reader.read(str(japanese_mkv)) == JAPANESE
    assert len(_messages(caplog, "no answer for")) == 2
    assert len(_messages(caplog, "MediaInfo set aside")) == 1
    assert len(_messages(caplog, "MediaInfo is used again")) == 1
    reader.stop()


def test_threads_stay_bounded_however_many_reads_block(tmp_path, japanese_mkv):  # noqa: ANN001
    """Three callers at once, twelve blocked files, two rounds: never more than
    ``answering + stuck_limit`` threads, and the threads of the first round (once their
    reads returned) serve the second."""
    earlier = _mediainfo_threads()  # idle threads of other tests' readers
    reader = MediaInfoReader(timeout=1, stuck_limit=2, answering=3)
    most = 0
    for round_ in range(2):
        hung = [media_like(tmp_path / f"share{round_}" / f"Hung {n}.mkv") for n in range(12)]
        with blocked_reads(hung), ThreadPoolExecutor(3) as callers:
            started = time.monotonic()
            answers = list(callers.map(lambda p: (reader.read(str(p)), reader.threads), hung))
            assert time.monotonic() - started < MARGIN
            assert reader.set_aside
        most = max([most, len(_mediainfo_threads() - earlier)] + [n for _a, n in answers])
        # no answer for any: given up on (at least the two that got stuck) or set aside
        assert all(answer in (None, TIMED_OUT) for answer, _n in answers)
        assert sum(answer == TIMED_OUT for answer, _n in answers) >= 2
        wait_until(lambda: reader.stuck == 0, MARGIN, what="the blocked reads to return")
        assert reader.read(str(japanese_mkv)) == JAPANESE
    assert most <= 3 + 2
    assert reader.threads <= 3 + 2
    assert len(_mediainfo_threads() - earlier) <= 3 + 2
    reader.stop()  # idle threads end
    wait_until(lambda: not _mediainfo_threads() - earlier, MARGIN, what="idle threads to end")


def test_stopping_returns_a_read_waiting_on_a_blocked_file_at_once(tmp_path):  # noqa: ANN001
    """Shutdown does not wait out the time limit (an hour here) of a blocked read."""
    hung = media_like(tmp_path / "share" / "Hung.mkv")
    reader = MediaInfoReader(timeout=3600)
    with blocked_reads([hung]), ThreadPoolExecutor(1) as caller:
        waiting = caller.submit(reader.read, str(hung))
        wait_until(lambda: reader.threads == 1, MARGIN, what="the read to start")
        reader.stop()
        assert waiting.result(timeout=MARGIN) is None
        assert reader.read(str(hung)) is None  # nothing more is read
    wait_until(lambda: reader.threads == 0, MARGIN, what="the thread to end")


def _counting_ffprobe(folder: Path) -> tuple[Path, Path]:
    """A wrapper that logs each run's file to a log, then becomes the real ffprobe."""
    log = folder / "probes.log"
    script = folder / "ffprobe-counting"
    script.write_text(f'#!/bin/sh\nfor last; do :; done\necho "$last" >> "{log}"\n'
                      f'exec "{FFPROBE}" "$@"\n')
    script.chmod(0o755)
    return script, log


def _runs(log: Path) -> list[str]:
    return [line.removeprefix("file:") for line in log.read_text().splitlines()] \
        if log.exists() else []


def test_blocked_files_fall_back_to_ffprobe_and_after_three_mediainfo_is_not_used(
        tmp_path, japanese_mkv, caplog):  # noqa: ANN001
    """One file at a time: three blocked files (MediaInfo gives up, ffprobe, blocked too,
    times out), then readable files go to ffprobe while the three reads are stuck, and
    to MediaInfo again once they returned."""
    script, log = _counting_ffprobe(tmp_path)
    earlier = _mediainfo_threads()
    hung = [media_like(tmp_path / "share" / f"Hung {n}.mkv") for n in range(3)]
    readable = [_copy(japanese_mkv, tmp_path / "share" / f"Fine {n}.mkv") for n in range(3)]
    probe = EmbeddedProbe(str(script), workers=1, timeout=1)
    paths = [str(p) for p in [*hung, readable[0]]]
    with caplog.at_level(logging.WARNING, logger="sublarr.wanted"):
        with blocked_reads(hung):
            started = time.monotonic()
            found = probe.probe_many(paths)
            elapsed = time.monotonic() - started
            assert probe.probe_many([str(readable[1])]) == {str(readable[1]): JAPANESE}
        assert elapsed < 2 * MARGIN  # 3 × (1 s MediaInfo + 1 s ffprobe) when nothing stalls
        assert found == {**{str(p): TIMED_OUT for p in hung}, str(readable[0]): JAPANESE}
        assert _runs(log) == [*paths, str(readable[1])]  # every file went to ffprobe
        assert len(_messages(caplog, "no answer for")) == 3
        assert all(_messages(caplog, "no answer for", str(p)) for p in hung)
        assert len(_messages(caplog, "MediaInfo set aside")) == 1
        assert _messages(caplog, "ffprobe gave no answer within 1 s")
        wait_until(lambda: len(_messages(caplog, "returned after")) == 3, MARGIN,
                   what="the blocked reads to return")
    assert probe.probe_many([str(readable[2])]) == {str(readable[2]): JAPANESE}
    assert len(_runs(log)) == 5  # MediaInfo read it: no ffprobe run
    assert len(_mediainfo_threads() - earlier) <= 3 + 1  # the stuck ones served again
    probe.stop()


def test_a_scan_with_blocked_files_finishes_and_makes_them_wanted(
        tmp_path, data_dir, japanese_mkv, caplog):  # noqa: ANN001
    folder = tmp_path / "watched"
    earlier = _mediainfo_threads()
    hung = [media_like(folder / f"Hung {n}" / f"Hung {n}.mkv") for n in range(3)]
    _copy(japanese_mkv, folder / "Fine" / "Fine.mkv")
    app = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path)],
                      "standalone_folders": [str(folder)], "wanted_languages": ["ja"],
                      "wanted_scan_on_start": False, "wanted_scan_interval_minutes": 0,
                      "wanted_search_on_arrival": False, "wanted_probe_timeout_seconds": 1},
                     environ={**TEST_ENV, "SUBLARR_WHISPER_FFPROBE_PATH": FFPROBE or ""},
                     testing=True)
    try:
        with caplog.at_level(logging.WARNING, logger="sublarr.wanted"), blocked_reads(hung):
            started = time.monotonic()
            report = services_of(app).components[SINK_COMPONENT].runner.scan_now()
            elapsed = time.monotonic() - started
        assert elapsed < 2 * MARGIN
        assert (report.scanned, report.files_probed, report.added) == (4, 4, 3)
        assert all(_messages(caplog, "no answer for", str(p), "within 1 s") for p in hung)
        wait_until(lambda: len(_messages(caplog, "returned after")) == 3, MARGIN,
                   what="the blocked reads to return")
        assert len(_mediainfo_threads() - earlier) <= MAX_WORKERS + 3
    finally:
        services_of(app).shutdown()


def _releasing_ffprobe(folder: Path, recovers: Path) -> tuple[Path, Path]:
    """The real ffprobe, except that asked for ``recovers`` it first ends the lease holder
    of that file (its pid written to the returned file): the share answers again
    between MediaInfo's give-up and ffprobe."""
    script, pid_file = folder / "ffprobe-releasing", folder / "holder.pid"
    script.write_text(f'#!/bin/sh\nfor last; do :; done\n'
                      f'[ "$last" = "file:{recovers}" ] && kill "$(cat "{pid_file}")"\n'
                      f'exec "{FFPROBE}" "$@"\n')
    script.chmod(0o755)
    return script, pid_file


def test_files_not_answering_are_a_scan_warning_until_a_scan_reads_them(
        tmp_path, data_dir, japanese_mkv, caplog):  # noqa: ANN001
    """Two files block for MediaInfo and ffprobe: one warning counting each once, with
    both as examples.  A third blocks for MediaInfo only (ffprobe reads it): not counted.
    Nothing of the two is kept, so the next scan, the share answering, reads them again
    and the warning is gone."""
    folder = tmp_path / "watched"
    hung = [media_like(folder / f"Hung {n}" / f"Hung {n}.mkv") for n in range(2)]
    recovers = media_like(folder / "Recovers" / "Recovers.mkv")
    _copy(japanese_mkv, folder / "Fine" / "Fine.mkv")
    script, pid_file = _releasing_ffprobe(tmp_path, recovers)
    app = create_app({"data_dir": data_dir, "library_roots": [str(tmp_path)],
                      "standalone_folders": [str(folder)], "wanted_languages": ["ja"],
                      "wanted_scan_on_start": False, "wanted_scan_interval_minutes": 0,
                      "wanted_search_on_arrival": False, "wanted_probe_timeout_seconds": 1},
                     environ={**TEST_ENV, "SUBLARR_WHISPER_FFPROBE_PATH": str(script)},
                     testing=True)
    runner = services_of(app).components[SINK_COMPONENT].runner
    client = ApiClient(app, services_of(app).api_key)
    try:
        with caplog.at_level(logging.WARNING, logger="sublarr.wanted"), \
                blocked_reads(hung), blocked_reads([recovers]) as recovers_holder:
            pid_file.write_text(str(recovers_holder.pid))
            first = runner.scan_now()
        assert (first.scanned, first.files_probed, first.added) == (4, 4, 3)
        assert all(_messages(caplog, "no answer for", str(p), "within 1 s")
                   for p in [*hung, recovers])  # MediaInfo gave up on all three
        assert _messages(caplog, "2 file(s) gave no answer")
        status = client.get("/api/v1/wanted/scan").json
        assert [w["kind"] for w in status["warnings"]] == ["files_not_answering"]
        warning = status["warnings"][0]
        assert warning["count"] == 2
        assert sorted(warning["examples"]) == sorted(map(str, hung))
        assert "wanted_probe_timeout_seconds (1 s)" in warning["hint"]
        assert "probed again next scan" in warning["hint"]
        assert status["last_scan"]["warnings"] == status["warnings"]
        assert client.get("/api/v1/library/status").json["warnings"] == status["warnings"]
        wait_until(lambda: len(_messages(caplog, "returned after")) == 3, MARGIN,
                   what="the blocked reads to return")
        second = runner.scan_now()
        assert (second.scanned, second.files_probed) == (4, 2)  # the two, read again
        assert client.get("/api/v1/wanted/scan").json["warnings"] == []
        assert client.get("/api/v1/library/status").json["warnings"] == []
    finally:
        services_of(app).shutdown()


def test_probe_timeout_setting_is_bounded(client):  # noqa: ANN001
    assert client.put("/api/v1/config", json={"wanted_probe_timeout_seconds": 0}).status_code \
        == 422
    assert client.put("/api/v1/config",
                      json={"wanted_probe_timeout_seconds": 601}).status_code == 422
    response = client.put("/api/v1/config", json={"wanted_probe_timeout_seconds": 5})
    assert response.status_code == 200
    assert client.get("/api/v1/config").json["settings"]["wanted_probe_timeout_seconds"] == 5
