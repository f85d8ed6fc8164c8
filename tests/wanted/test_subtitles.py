"""Which languages a media file already has: sibling files and embedded tracks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sublarr.wanted.subtitles import (
    EmbeddedProbe,
    external_languages,
    index_external,
    parse_ffprobe_tracks,
)


def _languages(media: str, names: list[str]) -> set[str]:
    return external_languages(media, index_external(names))


@pytest.mark.parametrize("names,expected", [
    (["Name.en.srt"], {"en"}),
    (["Name.eng.ass"], {"en"}),
    (["Name.English.srt", "Name.de.hi.srt", "Name.pt-BR.vtt"], {"en", "de", "pt"}),
    (["Name.en.forced.srt"], set()),  # forced-only subtitles do not cover the language
    (["Name.en.forced.srt", "Name.en.sdh.srt"], {"en"}),
    (["Name.srt", "Name.xx.srt", "Name.en.txt", "Other.en.srt", "Name.en"], set()),
    (["NAME.en.srt"], set()),
])
def test_external_subtitle_names(names, expected):
    assert _languages("Name.mkv", names) == expected


def test_dotted_and_bracketed_release_names():
    media = "[SubsPlease] Show.S01E01 [1080p] (x).mkv"
    names = ["[SubsPlease] Show.S01E01 [1080p] (x).ja.ass", "[SubsPlease] Show.S01E01 [1080p] (x).en.default.srt",
             "[SubsPlease] Show.S01E02 [1080p] (x).de.srt"]
    assert _languages(media, names) == {"ja", "en"}


def test_ffprobe_output_parsing():
    out = (b'{"programs": [], "streams": [{"index": 2, "tags": {"language": "eng"}},'
           b' {"tags": {"language": "und"}}, {"tags": {}}, {"index": 4}, "junk",'
           b' {"tags": {"language": "ger"}},'
           b' {"codec_type": "subtitle", "disposition": {"forced": 1}, "tags": {"language": "fre"}},'
           b' {"codec_type": "audio", "tags": {"language": "ita"}}]}')
    result = parse_ffprobe_tracks(out)
    assert (result.languages, result.forced) == ({"en", "de"}, {"fr"})
    assert parse_ffprobe_tracks(b"not json").languages == frozenset()
    assert parse_ffprobe_tracks(b"[]").languages == frozenset()


def test_probe_without_ffprobe_finds_nothing(tmp_path: Path):
    media = tmp_path / "a.mkv"
    media.write_bytes(b"\0" * 100)
    probe = EmbeddedProbe(executable="")
    assert probe.languages(str(media)) == frozenset()


@pytest.mark.skipif(not shutil.which("ffmpeg") or not shutil.which("ffprobe"),
                    reason="ffmpeg/ffprobe not installed")
def test_probe_reads_embedded_tracks(tmp_path: Path):
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nHi\n")
    media = tmp_path / "with subs [x] é.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=16x16:d=1",
                    "-i", str(srt), "-map", "0", "-map", "1", "-c:v", "ffv1", "-c:s", "srt",
                    "-metadata:s:s:0", "language=ger", str(media)], check=True, timeout=60)
    probe = EmbeddedProbe()
    assert probe.languages(str(media)) == {"de"}
    assert probe.languages(str(tmp_path / "missing.mkv")) == frozenset()
