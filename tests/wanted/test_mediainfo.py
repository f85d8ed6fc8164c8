"""MediaInfo (pymediainfo) reads the subtitle tracks ffprobe reads, on real files made
with ffmpeg; what it cannot make sense of is handed back (None) for ffprobe."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sublarr.wanted.mediainfo import MediaInfoReader, tracks_of
from sublarr.wanted.probe_cache import ProbeResult
from sublarr.wanted.subtitles import PROBE_ENTRIES, parse_ffprobe_tracks
from tests.wanted.subtitle_fixtures import ASS, SRT

FFMPEG, FFPROBE = shutil.which("ffmpeg"), shutil.which("ffprobe")
X264 = ["-c:v", "libx264", "-preset", "ultrafast"]


def _general(**fields: object) -> dict:
    return {"@type": "General", "Format": "Matroska", **fields}


def _json(*tracks: dict) -> str:
    return json.dumps({"media": {"track": list(tracks)}})


def test_languages_are_normalised_and_forced_tracks_counted_apart():
    found = tracks_of(_json(
        _general(), {"@type": "Video"},
        {"@type": "Text", "Language": "ja", "Forced": "No"},
        {"@type": "Text", "Language": "en-US", "Forced": "Yes / No"},
        {"@type": "Text", "Language": "pt-BR"},
        {"@type": "Text", "Language": "und"}, {"@type": "Text"},
        {"@type": "Audio", "Language": "fr"}))
    assert found == ProbeResult(frozenset({"ja", "pt"}), frozenset({"en"}))


@pytest.mark.parametrize("output", [
    "", "not json", _json(), _json({"@type": "Video"}),  # no General track: not parsed
    _json({"@type": "General"}, {"@type": "Video"}),  # no container recognised
    _json(_general()),  # a container it does not look inside (no streams)
    _json(_general(extra={"IsTruncated": "Yes"}), {"@type": "Video"}),
])
def test_answers_not_to_be_trusted_are_handed_back(output: str):
    assert tracks_of(output) is None


def test_a_library_that_cannot_be_loaded_answers_nothing(tmp_path: Path):
    fake = tmp_path / "libmediainfo.so.0"
    fake.write_bytes(b"not a shared object")
    reader = MediaInfoReader(str(fake))
    assert reader.read(str(fake)) is None
    assert reader.unavailable and "pymediainfo unavailable" in reader.unavailable


def _make(target: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=16x16:d=1",
                    *args, str(target)], check=True, timeout=120)
    return target


def _ffprobe(path: Path) -> ProbeResult | None:
    done = subprocess.run([FFPROBE, "-v", "error", "-select_streams", "s", "-show_entries",
                           PROBE_ENTRIES, "-of", "json", str(path)], capture_output=True,
                          timeout=60, check=False)
    return parse_ffprobe_tracks(done.stdout) if done.returncode == 0 else None


@pytest.mark.skipif(not FFMPEG or not FFPROBE, reason="ffmpeg/ffprobe not installed")
def test_real_files_read_as_ffprobe_reads_them(tmp_path: Path):
    ass, srt = tmp_path / "in.ass", tmp_path / "in.srt"
    ass.write_text(ASS)
    srt.write_text(SRT)
    subs = ["-i", str(ass), "-i", str(srt), "-map", "0", "-map", "1", "-map", "2"]
    files = {
        "ass+forced srt.mkv": _make(
            tmp_path / "a.mkv", *subs, "-c:v", "ffv1", "-c:s:0", "ass", "-c:s:1", "srt",
            "-metadata:s:s:0", "language=jpn", "-metadata:s:s:1", "language=eng",
            "-disposition:s:1", "forced"),
        "no subtitles.mkv": _make(tmp_path / "b.mkv", "-c:v", "ffv1"),
        "untagged.webm": _make(tmp_path / "c.webm", "-i", str(srt), "-map", "0", "-map", "1",
                               "-c:v", "libvpx-vp9", "-c:s", "webvtt"),
        "mov_text.mp4": _make(tmp_path / "d.mp4", "-i", str(srt), "-map", "0", "-map", "1",
                              *X264, "-c:s", "mov_text", "-metadata:s:s:0", "language=jpn"),
        "forced mov_text.mp4": _make(
            tmp_path / "e.mp4", "-i", str(srt), "-map", "0", "-map", "1", *X264,
            "-c:s", "mov_text", "-metadata:s:s:0", "language=eng", "-disposition:s:0", "forced"),
        "no subtitles.mp4": _make(tmp_path / "f.mp4", *X264),
    }
    # No Language element (as some muxers write English tracks) means English in Matroska:
    # the forced English track's element blanked out with a Void element of the same size.
    language = bytes.fromhex("22B59C83") + b"eng"
    data = files["ass+forced srt.mkv"].read_bytes()
    assert data.count(language) == 1
    files["no Language element.mkv"] = tmp_path / "g.mkv"
    files["no Language element.mkv"].write_bytes(
        data.replace(language, bytes.fromhex("EC85") + bytes(5)))
    reader = MediaInfoReader()
    answers = {name: reader.read(str(path)) for name, path in files.items()}
    assert reader.unavailable is None
    assert answers == {name: _ffprobe(path) for name, path in files.items()}
    assert answers["ass+forced srt.mkv"] == ProbeResult(frozenset({"ja"}), frozenset({"en"}))
    assert answers["mov_text.mp4"] == ProbeResult(frozenset({"ja"}))
    assert answers["forced mov_text.mp4"] == ProbeResult(forced=frozenset({"en"}))
    assert answers["no Language element.mkv"] == answers["ass+forced srt.mkv"]

    # Damaged files: MediaInfo hands them back, and ffprobe fails on them too.
    corrupt = tmp_path / "corrupt.mkv"
    corrupt.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8)
    damaged = [corrupt]
    for name in ("a.mkv", "d.mp4"):
        damaged.append(tmp_path / f"truncated-{name}")
        damaged[-1].write_bytes((tmp_path / name).read_bytes()[:300])
    assert [(reader.read(str(p)), _ffprobe(p)) for p in damaged] == [(None, None)] * 3

    # A container MediaInfo recognises but does not look inside (NUT, here misnamed .mkv):
    # handed back, and ffprobe finds the track.
    nut = _make(tmp_path / "nut.mkv", "-i", str(ass), "-map", "0", "-map", "1", "-c:v", "ffv1",
                "-c:s", "ass", "-metadata:s:s:0", "language=jpn", "-f", "nut")
    assert (reader.read(str(nut)), _ffprobe(nut)) == (None, ProbeResult(frozenset({"ja"})))
