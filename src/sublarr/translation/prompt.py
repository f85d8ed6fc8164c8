"""The numbered-lines prompt sent to LLM backends and the strict parser of their replies."""

from __future__ import annotations

import re
from typing import Sequence

from sublarr.translation.errors import ReplyMismatch

NUMBERED = re.compile(r"^\s*(\d{1,4})\s*[:.)]\s?(.*)$")
FENCE = re.compile(r"^\s*```\w*\s*$")
MAX_GLOSSARY_TERMS = 200


def system_prompt(source: str, target: str, count: int,
                  glossary: Sequence[tuple[str, str]] = ()) -> str:
    """Instructions: translate, keep markers, answer with exactly ``count`` numbered lines."""
    text = (
        f"You translate subtitles from language '{source}' to language '{target}'.\n"
        f"You receive {count} numbered lines formatted 'N: text'. Translate each line on its "
        "own, in the context of the others.\n"
        "Markers such as {1} or {2} stand for formatting; copy every marker exactly once into "
        "the translated line, at the matching place.\n"
        f"Answer with exactly {count} lines, formatted 'N: translation', using the same "
        "numbers in the same order, and nothing else: no notes, no blank lines."
    )
    terms = list(glossary)[:MAX_GLOSSARY_TERMS]
    if terms:
        listing = "\n".join(f"- {src} => {dst}" for src, dst in terms)
        text += "\nAlways translate these terms as given (glossary):\n" + listing
    return text


def numbered_lines(lines: Sequence[str]) -> str:
    """The user message: one ``N: text`` line per subtitle line (newlines flattened)."""
    return "\n".join(f"{i}: {_single_line(line)}" for i, line in enumerate(lines, start=1))


def _single_line(text: str) -> str:
    return " ".join(text.splitlines())


def parse_numbered_reply(reply: str, expected: int) -> list[str]:
    """The translations in order, or :class:`ReplyMismatch` when the reply is not exactly
    ``expected`` lines numbered 1..expected."""
    rows = [row for row in reply.strip().splitlines() if row.strip() and not FENCE.match(row)]
    if expected == 1 and len(rows) == 1 and not NUMBERED.match(rows[0]):
        return [rows[0].strip()]
    if len(rows) != expected:
        raise ReplyMismatch(f"sent {expected} lines, the reply has {len(rows)}")
    out: list[str] = []
    for position, row in enumerate(rows, start=1):
        match = NUMBERED.match(row)
        if match is None or int(match.group(1)) != position:
            raise ReplyMismatch(f"reply line {position} is not numbered {position}")
        out.append(match.group(2).strip())
    return out
