"""The pure cores of the whisper subsystem: no app, no processes, no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sublarr.whisper.control import eta_seconds, overall_percent
from sublarr.whisper.errors import ModelError, UnreadableMediaError
from sublarr.whisper.languages import UnsupportedLanguageError, normalize_language
from sublarr.whisper.local import ChildReport, resolve_model
from sublarr.whisper.media import extraction_command, parse_probe, progress_seconds
from sublarr.whisper.remote import asr_params, count_cues, display_url
from sublarr.whisper.errors import RemoteServiceError
from sublarr.whisper.srt import (
    Segment,
    build_srt,
    format_timestamp,
    subtitle_path_for,
)


@pytest.mark.parametrize("given, expected", [
    (None, None), ("", None), ("auto", None), ("AUTO", None), ("en", "en"), ("JA", "ja"),
    ("eng", "en"), ("jpn", "ja"), ("ger", "de"), ("en-US", "en"), ("pt_BR", "pt"),
    ("haw", "haw"), ("yue", "yue"),
])
def test_languages_are_normalised_to_whisper_codes(given, expected):
    assert normalize_language(given) == expected


@pytest.mark.parametrize("bad", ["xx", "klingon", "e", "zz-ZZ", "123"])
def test_unknown_languages_are_refused_with_a_hint(bad):
    with pytest.raises(UnsupportedLanguageError, match="auto"):
        normalize_language(bad)


def test_timestamps_use_srt_format():
    assert format_timestamp(0) == "00:00:00,000"
    assert format_timestamp(3723.4567) == "01:02:03,457"
    assert format_timestamp(-1) == "00:00:00,000"


def test_srt_numbers_cues_and_skips_empty_text():
    srt = build_srt([Segment(0.0, 1.5, " Hello. "), Segment(1.5, 2.0, "  "),
                     Segment(2.0, 2.0, "World")])
    assert srt == ("1\n00:00:00,000 --> 00:00:01,500\nHello.\n\n"
                   "2\n00:00:02,000 --> 00:00:02,001\nWorld\n")
    assert build_srt([]) == ""


def test_subtitle_goes_beside_the_media_with_the_language():
    assert subtitle_path_for("/m/Paprika (2006).mkv", "ja") == Path("/m/Paprika (2006).ja.srt")
    assert subtitle_path_for("/m/Show.S01E01.mp4", None) == Path("/m/Show.S01E01.und.srt")


def test_probe_output_counts_audio_streams():
    out = json.dumps({"streams": [{"index": 0, "codec_type": "video"},
                                  {"index": 1, "codec_type": "audio"},
                                  {"index": 2, "codec_type": "audio"}],
                      "format": {"duration": "12.5"}})
    info = parse_probe(out)
    assert (info.audio_streams, info.duration) == (2, 12.5)
    assert parse_probe(json.dumps({"streams": [{"codec_type": "video"}],
                                   "format": {"duration": "N/A"}})).duration is None


def test_probe_output_without_streams_is_not_media():
    with pytest.raises(UnreadableMediaError):
        parse_probe("{}")


def test_extraction_picks_the_audio_track_and_resamples():
    argv = extraction_command("ffmpeg", Path("/m/a.mkv"), 2, Path("/t/a.wav"))
    assert argv[argv.index("-map") + 1] == "0:a:2"
    assert argv[argv.index("-ar") + 1] == "16000" and argv[argv.index("-ac") + 1] == "1"


def test_ffmpeg_progress_lines_give_seconds():
    assert progress_seconds("out_time_us=2500000") == 2.5
    assert progress_seconds("out_time_ms=1000000") == 1.0
    assert progress_seconds("out_time_us=N/A") is None
    assert progress_seconds("speed=1.2x") is None


def test_percent_spans_stages_and_eta_follows_the_pace():
    assert overall_percent("extracting", 0.0) == 0.0
    assert overall_percent("extracting", 1.0) == 5.0
    assert overall_percent("transcribing", 0.5) == 52.0
    assert overall_percent("writing", 1.0) == 100.0
    assert eta_seconds(10.0, 50.0) == 10
    assert eta_seconds(10.0, 0.5) is None


def test_child_report_tracks_language_segments_and_errors():
    report = ChildReport()
    assert report.feed("some library warning") is None
    report.feed(json.dumps({"event": "info", "language": "en", "duration": 10.0}))
    fraction = report.feed(json.dumps({"event": "segment", "start": 0, "end": 4, "text": "Hi"}))
    assert fraction == 0.4 and report.language == "en"
    report.feed(json.dumps({"event": "error", "kind": "model", "message": "boom"}))
    assert (report.error_kind, report.error) == ("model", "boom")
    report.feed(json.dumps({"event": "done"}))
    assert report.done and report.segments == [Segment(0.0, 4.0, "Hi")]


def test_model_names_pass_through_but_paths_must_hold_a_model(tmp_path):
    assert resolve_model("small") == "small"
    assert resolve_model("Systran/faster-whisper-tiny") == "Systran/faster-whisper-tiny"
    with pytest.raises(ModelError, match="model.bin"):
        resolve_model(str(tmp_path / "nope"))
    with pytest.raises(ModelError):
        resolve_model(str(tmp_path))
    (tmp_path / "model.bin").write_bytes(b"x")
    assert resolve_model(str(tmp_path)) == str(tmp_path.resolve())


def test_asr_query_follows_the_webservice_protocol():
    assert asr_params("ja") == {"task": "transcribe", "output": "srt", "encode": "true",
                                "language": "ja"}
    assert "language" not in asr_params(None)


def test_remote_answers_are_checked_as_srt():
    assert count_cues("1\n00:00:00,000 --> 00:00:01,000\nHi\n") == 1
    assert count_cues("  \n") == 0
    with pytest.raises(RemoteServiceError):
        count_cues("<html>502 Bad Gateway</html>")


def test_urls_in_errors_hide_credentials():
    assert display_url("http://user:pw@asr:9000/base") == "http://asr:9000/base"
