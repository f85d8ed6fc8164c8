"""The Matroska track-header reader: real files agree with ffprobe; odd layouts built
byte by byte are read or handed back (None) for ffprobe."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from sublarr.wanted.matroska import read_subtitle_tracks
from sublarr.wanted.subtitles import PROBE_ENTRIES, parse_ffprobe_tracks

FFMPEG, FFPROBE = shutil.which("ffmpeg"), shutil.which("ffprobe")


def el(element_id: int, payload: bytes, unknown_size: bool = False) -> bytes:
    """One EBML element: id, size (1 byte when it fits, else 8; or "unknown"), payload."""
    head = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    if unknown_size:
        return head + b"\x01\xff\xff\xff\xff\xff\xff\xff" + payload
    if len(payload) < 127:
        return head + bytes([0x80 | len(payload)]) + payload
    return head + b"\x01" + len(payload).to_bytes(7, "big") + payload


def track(kind: int, language: str | None = None, bcp47: str | None = None,
          forced: bool = False) -> bytes:
    body = el(0x83, bytes([kind]))
    if language is not None:
        body += el(0x22B59C, language.encode())
    if bcp47 is not None:
        body += el(0x22B59D, bcp47.encode())
    if forced:
        body += el(0x55AA, b"\x01")
    return el(0xAE, body)


HEADER = el(0x1A45DFA3, el(0x4282, b"matroska"))
TRACKS = el(0x1654AE6B, track(1, "und") + track(0x11, "jpn") + track(0x11, "ger", forced=True)
            + track(0x11) + track(0x11, "und", bcp47="pt-BR") + track(2, "fre"))
CLUSTER = el(0x1F43B675, el(0xE7, b"\x00") + el(0xA3, b"\x00" * 200))


def _read(data: bytes):  # noqa: ANN202
    return read_subtitle_tracks(io.BytesIO(data))


def test_tracks_first_with_defaults_bcp47_and_forced():
    found = _read(HEADER + el(0x18538067, el(0x1549A966, b"") + el(0xEC, b"\0" * 30)
                              + TRACKS + CLUSTER))
    # No Language element means English (Matroska's default); BCP 47 wins over Language.
    assert found is not None
    assert (found.languages, found.forced) == ({"ja", "en", "pt"}, {"de"})


def test_tracks_after_the_clusters_are_found_through_the_seek_head():
    def segment(position: int) -> bytes:
        seek = el(0x4DBB, el(0x53AB, bytes.fromhex("1654AE6B"))
                  + el(0x53AC, position.to_bytes(4, "big")))
        return el(0x114D9B74, seek)

    # Tracks' position counts from the Segment's payload; the SeekHead's own size does not
    # depend on the position written in it.
    tracks_at = len(segment(0) + CLUSTER + CLUSTER)
    found = _read(HEADER + el(0x18538067, segment(tracks_at) + CLUSTER + CLUSTER + TRACKS,
                              unknown_size=True))
    assert found is not None and found.languages == {"ja", "en", "pt"}


@pytest.mark.parametrize("data", [
    b"RIFF....AVI ",  # not EBML
    el(0x1A45DFA3, el(0x4282, b"other")) + el(0x18538067, TRACKS),  # not Matroska/WebM
    HEADER + el(0x18538067, CLUSTER + TRACKS),  # clusters first and no SeekHead
    HEADER + el(0x18538067, el(0x1F43B675, b"", unknown_size=True)),  # live stream
    HEADER + el(0x18538067, TRACKS)[:-5],  # truncated
    HEADER + el(0x18538067, b""),  # no Tracks at all
    b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 4,  # corrupt
])
def test_anything_unexpected_is_left_to_ffprobe(data: bytes):
    assert _read(data) is None


@pytest.mark.skipif(not FFMPEG or not FFPROBE, reason="ffmpeg/ffprobe not installed")
def test_real_files_read_as_ffprobe_reads_them(tmp_path: Path):
    (tmp_path / "in.srt").write_text("1\n00:00:00,000 --> 00:00:00,500\nHi\n")
    video = ["-f", "lavfi", "-i", "color=c=black:s=16x16:d=1"]
    variants = {
        "none.mkv": [],
        "two.mkv": ["-map", "1", "-map", "1", "-metadata:s:s:0", "language=jpn",
                    "-metadata:s:s:1", "language=eng", "-disposition:s:1", "forced"],
        "untagged.webm": ["-map", "1", "-c:v", "libvpx-vp9", "-c:s", "webvtt"],
    }
    for name, extra in variants.items():
        subs = ["-i", str(tmp_path / "in.srt"), "-map", "0"] if extra else []
        codec = [] if "-c:v" in extra else ["-c:v", "ffv1"]
        subprocess.run([FFMPEG, "-v", "error", *video, *subs, *codec, *extra,
                        str(tmp_path / name)], check=True, timeout=120)
        media = tmp_path / name
        with media.open("rb") as stream:
            ours = read_subtitle_tracks(stream)
        theirs = parse_ffprobe_tracks(subprocess.run(
            [FFPROBE, "-v", "error", "-select_streams", "s", "-show_entries", PROBE_ENTRIES,
             "-of", "json", str(media)], capture_output=True, check=True, timeout=60).stdout)
        assert ours == theirs, name
    with (tmp_path / "two.mkv").open("rb") as stream:
        assert read_subtitle_tracks(stream).forced == {"en"}  # type: ignore[union-attr]
