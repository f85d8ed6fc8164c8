"""Atomic, readable writes of files next to the media."""

from __future__ import annotations

import os
import stat

import pytest

from sublarr.files import atomic_writer, mode_like, write_atomically


def test_atomic_write_replaces_the_file_readable_by_others(tmp_path):
    target = tmp_path / "a.en.srt"
    target.write_text("old")
    write_atomically(target, b"new text")
    assert target.read_text() == "new text"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.en.srt"]


def test_atomic_write_leaves_no_temp_file_when_it_fails(tmp_path):
    target = tmp_path / "taken.en.srt"
    target.mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(OSError):
        write_atomically(target, b"text")
    assert [p.name for p in tmp_path.iterdir()] == ["taken.en.srt"]


def test_text_writer_keeps_newlines_as_given(tmp_path):
    target = tmp_path / "x.de.ass"
    with atomic_writer(target, "w", encoding="utf-8", newline="") as out:
        out.write("a\r\nb\n")
    assert target.read_bytes() == b"a\r\nb\n"


@pytest.mark.parametrize(("source_mode", "expected"), [
    (0o600, 0o600), (0o640, 0o640), (0o644, 0o644), (0o666, 0o644), (0o755, 0o644),
    (0o400, 0o400)])
def test_outputs_are_never_more_readable_than_their_source(tmp_path, source_mode, expected):
    source = tmp_path / "video.mkv"
    source.write_bytes(b"")
    source.chmod(source_mode)
    target = tmp_path / "video.en.srt"
    write_atomically(target, b"text", mode_like(source))
    assert stat.S_IMODE(os.stat(target).st_mode) == expected
    assert mode_like(tmp_path / "gone.mkv") == 0o644
