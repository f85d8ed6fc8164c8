"""Reading and writing files: byte-exact ASS streaming, atomic writes, source untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from sublarr.translation.documents import SubtitleError, open_document, write_atomically
from sublarr.translation.lines import LineFilter
from tests.translation.fixtures import STYLED_ASS

FILTER = ["Sign", "Signs", "Song", "OP", "ED", "Karaoke"]


def _open(path: Path):
    return open_document(path, LineFilter.from_patterns(FILTER), 1 << 30)


def test_identity_translation_rewrites_the_ass_file_byte_for_byte(tmp_path: Path):
    source = tmp_path / "a.en.ass"
    source.write_bytes(STYLED_ASS.encode("utf-8"))
    doc = _open(source)
    texts = list(doc.texts())
    assert doc.check() == len(texts) == 6
    doc.write(tmp_path / "a.de.ass", iter(texts))
    assert (tmp_path / "a.de.ass").read_bytes() == source.read_bytes()


def test_too_few_translations_leave_no_output(tmp_path: Path):
    source = tmp_path / "a.en.ass"
    source.write_bytes(STYLED_ASS.encode("utf-8"))
    with pytest.raises(SubtitleError, match="fewer translations"):
        _open(source).write(tmp_path / "a.de.ass", iter(["only one"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.en.ass"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path):
    target = tmp_path / "out.de.ass"
    target.write_text("old", encoding="utf-8")

    def explode(out):
        out.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, "utf-8", explode)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.de.ass"]


def test_legacy_encoding_is_detected_and_kept(tmp_path: Path):
    source = tmp_path / "a.en.ass"
    text = STYLED_ASS.lstrip("\ufeff").replace("Café, déjà vu… naïve!", "Café déjà vu naïve")
    source.write_bytes(text.encode("cp1252"))
    doc = _open(source)
    doc.write(tmp_path / "a.de.ass", iter(doc.texts()))
    assert (tmp_path / "a.de.ass").read_bytes() == source.read_bytes()


def test_oversized_files_are_refused(tmp_path: Path):
    source = tmp_path / "a.en.ass"
    source.write_bytes(STYLED_ASS.encode("utf-8"))
    with pytest.raises(SubtitleError, match="translation_max_file_mb"):
        open_document(source, LineFilter.from_patterns(FILTER), 100)
