"""Every backend, over real HTTP, translates the styled ASS fixture without touching
anything but dialogue text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.translation.conftest import sha256_of
from tests.translation.fixtures import STYLED_ASS, dialogue_count, expected_translation

BACKENDS = ["ollama", "openai", "libretranslate", "deepl"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_styled_ass_round_trip_changes_only_dialogue_text(tx, styled_ass: Path, backend):
    before = sha256_of(styled_ass)
    job = tx.run(styled_ass, backend)
    assert job["status"] == "completed", job["error"]
    output = styled_ass.with_name("Frieren - S01E05.de.ass")
    assert job["output_path"] == str(output)
    assert output.read_bytes().decode("utf-8") == expected_translation(STYLED_ASS)
    assert sha256_of(styled_ass) == before
    assert job["total_lines"] == dialogue_count(STYLED_ASS) == 6
    sent = [line for batch in tx.fake.batches for line in batch]
    assert all("\\" not in line and "{\\" not in line for line in sent), sent
    assert tx.named("translation_complete") == [{
        "source_language": "en", "target_language": "de", "backend": backend, "lines": 6,
        "subtitle_path": str(output), "duration_ms": job["duration_ms"]}]


def test_srt_and_vtt_keep_italics_and_line_breaks(tx, tmp_path: Path):
    srt = tmp_path / "Movie.en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i> there\nfriend\n\n"
                   "2\n00:00:03,000 --> 00:00:04,000\nBye.\n\n", encoding="utf-8")
    job = tx.run(srt, "deepl")
    assert job["status"] == "completed", job["error"]
    text = (tmp_path / "Movie.de.srt").read_text(encoding="utf-8")
    assert "<i>HELLO</i> THERE\nFRIEND" in text
    assert "00:00:03,000 --> 00:00:04,000\nBYE." in text

    vtt = tmp_path / "Movie.en.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nGood morning\n\n",
                   encoding="utf-8")
    job = tx.run(vtt, "libretranslate")
    assert job["status"] == "completed", job["error"]
    assert "GOOD MORNING" in (tmp_path / "Movie.de.vtt").read_text(encoding="utf-8")
