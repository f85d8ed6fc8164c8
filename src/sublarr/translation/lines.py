"""One subtitle line's text split into what a translator may see and what it must not.

ASS text mixes override blocks (``{\\i1}``), line breaks (``\\N``) and hard
spaces (``\\h``) with the words.  Tags at the start and end of a line stay
where they are and are never sent.  Tags inside the text are replaced by
numbered markers (``{1}``, ``{2}``...) so the translator can move them with
the words they belong to; when a reply loses or duplicates a marker, the
line falls back to translating each text run on its own and rebuilding the
line by position, which keeps every tag byte-for-byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Pattern

TAG = re.compile(r"\{[^{}]*\}|\\[Nnh]")
MARKER = re.compile(r"\{(\d{1,3})\}")
# A drawing (\p1..\p9) or karaoke timing (\k, \K, \kf, \ko) inside an override block.
DRAWING_OR_KARAOKE = re.compile(r"\{[^{}]*\\(?:p[1-9]|k[fo]?\d|K\d)")
DRAWING = re.compile(r"\{[^{}]*\\p[1-9]")
KARAOKE = re.compile(r"\{[^{}]*\\(?:k[fo]?\d|K\d)")
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class LinePlan:
    """A line's fixed prefix/suffix tags and the translatable middle."""

    prefix: str
    tokens: tuple[str, ...]  # middle: text runs at even positions, tags at odd positions
    suffix: str

    @cached_property
    def query(self) -> str:
        """The middle with inner tags as numbered markers (what is sent)."""
        parts = []
        for index, token in enumerate(self.tokens):
            parts.append(token if index % 2 == 0 else "{%d}" % (index // 2 + 1))
        return "".join(parts)

    @property
    def runs(self) -> list[str]:
        """The plain text runs between inner tags (the fallback's units)."""
        return list(self.tokens[0::2])

    @property
    def tags(self) -> list[str]:
        return list(self.tokens[1::2])

    def rebuild(self, reply: str) -> str | None:
        """The full line from a translated query, or None when markers were mangled."""
        if len(self.tokens) == 1:  # no inner tags: the common case
            if "{" in reply and MARKER.search(reply):
                return None
            return self.prefix + self._edges(reply.strip()) + self.suffix
        tags = self.tags
        found = [int(m) for m in MARKER.findall(reply)]
        if sorted(found) != list(range(1, len(tags) + 1)):
            return None
        middle = MARKER.sub(lambda m: tags[int(m.group(1)) - 1], reply.strip())
        return self.prefix + self._edges(middle) + self.suffix

    def _edges(self, middle: str) -> str:
        """Keep the original leading/trailing spaces (translators drop them)."""
        query = self.query
        lead = query[: len(query) - len(query.lstrip())]
        tail = query[len(query.rstrip()):] if query.strip() else ""
        return lead + middle + tail

    def rebuild_from_runs(self, translated_runs: list[str]) -> str:
        """The full line from each run translated separately (tags stay in place)."""
        if len(translated_runs) != len(self.runs):
            raise ValueError("one translation per text run expected")
        parts: list[str] = []
        for index, token in enumerate(self.tokens):
            parts.append(translated_runs[index // 2] if index % 2 == 0 else token)
        return self.prefix + "".join(parts) + self.suffix


def plan_line(text: str) -> LinePlan:
    """Split ``text`` into leading tags, the middle (runs and inner tags) and trailing tags."""
    pieces = TAG.split(text)
    tags = TAG.findall(text)
    tokens: list[str] = []
    for index, run in enumerate(pieces):
        tokens.append(run)
        if index < len(tags):
            tokens.append(tags[index])
    start = 0
    while start + 1 < len(tokens) and _blank(tokens[start]):
        start += 2
    end = len(tokens)
    while end - 2 > start and _blank(tokens[end - 1]):
        end -= 2
    prefix = "".join(tokens[:start])
    suffix = "".join(tokens[end:])
    middle = tokens[start:end]
    return LinePlan(prefix, tuple(middle), suffix)


def _blank(run: str) -> bool:
    return run.strip() == ""


def has_words(text: str) -> bool:
    """True when the text outside tags holds at least one letter."""
    return bool(LETTER.search(TAG.sub("", text) if "{" in text or "\\" in text else text))


def is_drawing(text: str) -> bool:
    return bool(DRAWING.search(text))


def is_karaoke(text: str) -> bool:
    return bool(KARAOKE.search(text))


def compile_skip_styles(patterns: Iterable[str]) -> Pattern[str] | None:
    """One pattern: any entry matched at the start, case-insensitively, ending at a
    non-letter (so 'OP' skips 'OP_JP' and 'OP Romaji' but not 'Opinion')."""
    entries = [f"(?:{p})" for p in patterns]
    if not entries:
        return None
    return re.compile(rf"(?:{'|'.join(entries)})(?![^\W\d_])", re.IGNORECASE)


class LineFilter:
    """Decides which events are dialogue worth translating (one per job; caches styles)."""

    def __init__(self, skip_styles: Pattern[str] | None = None) -> None:
        self.skip_styles = skip_styles
        self._styles: dict[str, bool] = {}

    @classmethod
    def from_patterns(cls, patterns: Iterable[str]) -> "LineFilter":
        return cls(compile_skip_styles(patterns))

    def style_skipped(self, style: str) -> bool:
        known = self._styles.get(style)
        if known is None:
            known = bool(self.skip_styles and self.skip_styles.match(style.strip()))
            self._styles[style] = known
        return known

    def translatable(self, style: str, text: str) -> bool:
        """Dialogue with words; not a sign/song style, a drawing or karaoke."""
        if self.style_skipped(style):
            return False
        if "{" in text and DRAWING_OR_KARAOKE.search(text):
            return False
        return has_words(text)
