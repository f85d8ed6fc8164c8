"""From subtitle texts to translated texts: markers, adaptive batch halving, fallbacks.

Pure with respect to I/O apart from the backend call it is handed, so it is
tested with an in-process translator as well as with real HTTP backends.
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterable, Iterator, Sequence

from sublarr.translation.errors import ReplyMismatch, TranslationError
from sublarr.translation.lines import LinePlan, has_words, plan_line

Translate = Callable[[list[str]], list[str]]


def translate_adaptive(translate: Translate, lines: list[str]) -> list[str]:
    """Translate ``lines``; a reply with the wrong line count is retried in halves,
    down to single lines (a single line that still fails ends the job)."""
    if not lines:
        return []
    try:
        result = translate(lines)
        if len(result) != len(lines):
            raise ReplyMismatch(f"sent {len(lines)} lines, got {len(result)} back")
        return result
    except ReplyMismatch as exc:
        if len(lines) == 1:
            raise TranslationError(
                f"the backend's reply does not match the line sent even for a single line "
                f"({exc})") from exc
    middle = len(lines) // 2
    return translate_adaptive(translate, lines[:middle]) + \
        translate_adaptive(translate, lines[middle:])


def translate_texts(translate: Translate, texts: Sequence[str]) -> list[str]:
    """Full replacement Text fields for ``texts`` (tags and line breaks preserved)."""
    plans = [plan_line(text) for text in texts]
    replies = translate_adaptive(translate, [plan.query for plan in plans])
    rebuilt = [plan.rebuild(reply) for plan, reply in zip(plans, replies, strict=True)]
    broken = [index for index, line in enumerate(rebuilt) if line is None]
    if broken:
        fixed = _translate_runs(translate, [plans[i] for i in broken])
        for index, line in zip(broken, fixed, strict=True):
            rebuilt[index] = line
    return [line for line in rebuilt if line is not None]


def _translate_runs(translate: Translate, plans: list[LinePlan]) -> list[str]:
    """Fallback for lines whose markers got lost: each text run translated on its own."""
    wanted = [(p, r) for p, plan in enumerate(plans)
              for r, run in enumerate(plan.runs) if has_words(run)]
    replies = translate_adaptive(translate, [plans[p].runs[r].strip() for p, r in wanted])
    runs = [plan.runs for plan in plans]
    for (p, r), reply in zip(wanted, replies, strict=True):
        original = runs[p][r]
        lead = original[: len(original) - len(original.lstrip())]
        tail = original[len(original.rstrip()):]
        runs[p][r] = lead + reply.strip() + tail
    return [plan.rebuild_from_runs(run_list) for plan, run_list in zip(plans, runs, strict=True)]


def chunked(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Consecutive lists of ``size`` items (the last may be shorter), read lazily."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
