"""The pure core: splitting lines, rebuilding them, choosing what to translate, naming."""

from __future__ import annotations

from pathlib import Path

import pytest

from sublarr.translation.documents import output_path
from sublarr.translation.errors import ReplyMismatch, TranslationError
from sublarr.translation.lines import LineFilter, plan_line
from sublarr.translation.pipeline import translate_adaptive, translate_texts
from sublarr.translation.prompt import numbered_lines, parse_numbered_reply, system_prompt


def test_leading_and_trailing_tags_are_never_sent():
    plan = plan_line(r"{\an8\fad(100,100)}Hello there{\i0}")
    assert (plan.prefix, plan.query, plan.suffix) == (r"{\an8\fad(100,100)}", "Hello there",
                                                      r"{\i0}")
    assert plan.rebuild("Hallo da") == r"{\an8\fad(100,100)}Hallo da{\i0}"


def test_inner_tags_and_breaks_travel_as_markers():
    plan = plan_line(r"You {\i1}really{\i0} think\Nso?")
    assert plan.query == "You {1}really{2} think{3}so?"
    assert plan.rebuild("Du {3}glaubst {1}wirklich{2}?") == \
        r"Du \Nglaubst {\i1}wirklich{\i0}?"


@pytest.mark.parametrize("reply", ["Du wirklich glaubst?", "Du {1}{1}x{2}{3}", "{4}{1}{2}{3}"])
def test_lost_or_extra_markers_are_refused(reply):
    assert plan_line(r"You {\i1}really{\i0} think\Nso?").rebuild(reply) is None


def test_spaces_at_the_edges_survive():
    assert plan_line("  Wait!  ").rebuild("Warte!") == "  Warte!  "


def test_run_fallback_keeps_every_tag_in_place():
    plan = plan_line(r"A {\b1}b{\b0} c")
    assert plan.rebuild_from_runs(["X ", "Y", " Z"]) == r"X {\b1}Y{\b0} Z"


def test_marker_loss_falls_back_to_translating_runs():
    calls: list[list[str]] = []

    def forgetful(lines: list[str]) -> list[str]:
        calls.append(lines)
        return [line.replace("{1}", "").replace("{2}", "").upper() for line in lines]

    out = translate_texts(forgetful, [r"one {\i1}two{\i0} three", "plain"])
    assert out == [r"ONE {\i1}TWO{\i0} THREE", "PLAIN"]
    assert calls[1] == ["one", "two", "three"]


@pytest.mark.parametrize("style,text,expected", [
    ("Default", "Hello", True),
    ("Sign-Tavern", "Tavern", False),
    ("signs", "Tavern", False),
    ("OP Romaji", "sora", False),
    ("OP_JP", "sora", False),
    ("Opinion", "I think", True),
    ("EDtrans", "x", True),
    ("ED", "x", False),
    ("Default", r"{\p1}m 0 0 l 10 0{\p0}", False),
    ("Default", r"{\pos(1,2)}Positioned", True),
    ("Default", r"{\k20}ka{\k30}ze", False),
    ("Default", r"{\kf50}la", False),
    ("Default", r"{\fad(1,1)}", False),
    ("Default", "...!?", False),
    ("Default", "Привет", True),
])
def test_line_filter(style, text, expected):
    line_filter = LineFilter.from_patterns(["Sign", "Signs", "Song", "OP", "ED", "Karaoke"])
    assert line_filter.translatable(style, text) is expected


def test_skip_style_entries_are_regular_expressions():
    line_filter = LineFilter.from_patterns([r"Title\d+"])
    assert line_filter.style_skipped("title2 big") and not line_filter.style_skipped("Title")


@pytest.mark.parametrize("name,expected", [
    ("Frieren - S01E05.en.ass", "Frieren - S01E05.de.ass"),
    ("Frieren - S01E05.ass", "Frieren - S01E05.de.ass"),
    ("Movie.eng.srt", "Movie.de.srt"),
    ("Movie.en.forced.srt", "Movie.de.forced.srt"),
    ("Movie.EN.srt", "Movie.de.srt"),
    ("My.Cat.srt", "My.Cat.de.srt"),
    ("Show.2006.vtt", "Show.2006.de.vtt"),
])
def test_output_names_replace_the_language_tag(name, expected):
    assert output_path(Path("/tv") / name, "en", "de") == Path("/tv") / expected


def test_numbered_prompt_and_strict_parse():
    assert numbered_lines(["a", "b\nc"]) == "1: a\n2: b c"
    assert parse_numbered_reply("```\n1: x\n\n2. y\n```", 2) == ["x", "y"]
    assert parse_numbered_reply("just one", 1) == ["just one"]
    with pytest.raises(ReplyMismatch):
        parse_numbered_reply("1: x", 2)
    with pytest.raises(ReplyMismatch):
        parse_numbered_reply("1: x\n3: y", 2)
    with pytest.raises(ReplyMismatch):
        parse_numbered_reply("Sure! Here you go:\n1: x", 1)
    prompt = system_prompt("en", "de", 3, [("Demon King", "Dämonenkönig")])
    assert "exactly 3 lines" in prompt and "Demon King => Dämonenkönig" in prompt


def test_mismatched_batches_are_halved_down_to_single_lines():
    sizes: list[int] = []

    def drops_last(lines: list[str]) -> list[str]:
        sizes.append(len(lines))
        return lines[:-1] if len(lines) > 1 else [lines[0].upper()]

    assert translate_adaptive(drops_last, ["a", "b", "c", "d"]) == ["A", "B", "C", "D"]
    assert sizes == [4, 2, 1, 1, 2, 1, 1]


def test_a_single_line_that_never_fits_is_an_error():
    with pytest.raises(TranslationError, match="even for a single line"):
        translate_adaptive(lambda lines: lines + ["extra"], ["a", "b"])


def test_retry_delays_double_honour_retry_after_and_are_capped():
    from sublarr.translation.http import RetryPolicy

    policy = RetryPolicy(retries=3, backoff_seconds=2)
    assert [policy.delay(n) for n in range(3)] == [2, 4, 8]
    assert policy.delay(0, asked=30) == 30
    assert policy.delay(10) == policy.delay(0, asked=3600) == 60
