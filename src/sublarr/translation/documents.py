"""Reading translatable lines out of subtitle files and writing translated copies.

ASS/SSA files are streamed line by line and rewritten in place: only the Text
field of translatable ``Dialogue:`` lines changes, so every other byte
(script info, styles, comments, drawings, timings, line endings, fonts) is
copied unchanged and memory stays bounded whatever the file size.  SRT and
VTT go through pysubs2 (they carry no styling worth preserving byte-wise).
The source file is only ever opened for reading; output is written to a
temporary file next to the destination and moved into place atomically.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Protocol, TextIO


from sublarr.files import PUBLISHED_MODE, atomic_writer, mode_like
from sublarr.translation.lines import LineFilter

if TYPE_CHECKING:  # pysubs2 loads with the first SRT/VTT file, not at start
    import pysubs2

SUBTITLE_EXTENSIONS = (".ass", ".ssa", ".srt", ".vtt")
SNIFF_BYTES = 64 * 1024
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$", re.IGNORECASE)
NAME_MODIFIERS = {"forced", "sdh", "hi", "cc"}


class SubtitleError(Exception):
    """A source file that cannot be translated (corrupt, binary, empty, too large)."""


class Document(Protocol):
    def check(self) -> int:
        """Validate the whole file; the number of translatable lines."""

    def texts(self) -> Iterator[str]:
        """The Text of every translatable line, in file order."""

    def write(self, destination: Path, replacements: Iterator[str]) -> None:
        """Write a copy with each translatable Text replaced by the next replacement."""


@dataclass(frozen=True)
class SourceInfo:
    encoding: str
    size: int


def inspect_source(path: Path, max_bytes: int) -> SourceInfo:
    """Refuse empty, oversized and binary files; find the text encoding."""
    size = path.stat().st_size
    if size == 0:
        raise SubtitleError("the subtitle file is empty")
    if size > max_bytes:
        raise SubtitleError(f"the subtitle file is {size} bytes; the limit is {max_bytes} "
                            "(translation_max_file_mb)")
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return SourceInfo("utf-16", size)
    if b"\x00" in head:
        raise SubtitleError("the file is binary, not a subtitle")
    if head.startswith(codecs.BOM_UTF8):
        return SourceInfo("utf-8-sig", size)
    return SourceInfo(_guess_encoding(path, head), size)


def _guess_encoding(path: Path, head: bytes) -> str:
    try:
        with path.open("r", encoding="utf-8", newline="") as handle:
            for _ in iter(lambda: handle.read(1 << 20), ""):
                pass
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # heavy import, only for legacy files

    best = from_bytes(head).best()
    if best is None:
        raise SubtitleError("the file is not readable text in any known encoding")
    return best.encoding


def open_document(path: Path, line_filter: LineFilter, max_bytes: int) -> Document:
    """The document for ``path`` (ASS/SSA streamed, SRT/VTT through pysubs2)."""
    info = inspect_source(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".ass", ".ssa"):
        return AssDocument(path, info.encoding, line_filter)
    return PysubsDocument(path, info.encoding, line_filter, suffix.lstrip("."))


class AssDocument:
    """An ASS/SSA file processed as a stream of lines."""

    def __init__(self, path: Path, encoding: str, line_filter: LineFilter) -> None:
        self.path = path
        self.encoding = encoding
        self.filter = line_filter

    def _lines(self) -> Iterator[str]:
        with self.path.open("r", encoding=self.encoding, newline="") as handle:
            yield from handle

    def check(self) -> int:
        """The number of translatable lines; fails on a file without usable events."""
        walker = AssWalker(self.filter)
        translatable = sum(1 for _ in walker.texts(self._lines()))
        if not walker.saw_format:
            raise SubtitleError("corrupt ASS: no [Events] section with a Format line")
        if walker.events == 0:
            raise SubtitleError("corrupt ASS: the [Events] section holds no events")
        return translatable

    def texts(self) -> Iterator[str]:
        return AssWalker(self.filter).texts(self._lines())

    def write(self, destination: Path, replacements: Iterator[str]) -> None:
        walker = AssWalker(self.filter)

        def produce(out: TextIO) -> None:
            for line, text in walker.walk(self._lines()):
                if text is not None:
                    line = _replace_text(line, text, _next_replacement(replacements))
                out.write(line)

        write_atomically(destination, self.encoding, produce, mode_like(self.path))


def _next_replacement(replacements: Iterator[str]) -> str:
    try:
        return next(replacements)
    except StopIteration:
        raise SubtitleError("fewer translations than translatable lines") from None


def _replace_text(line: str, old_text: str, new_text: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    return body[: len(body) - len(old_text)] + new_text + ending


EVENT_KINDS = ("dialogue", "comment", "picture", "sound", "movie", "command")


class AssWalker:
    """Walks the lines of an ASS file once, finding the Text of translatable Dialogue lines."""

    def __init__(self, line_filter: LineFilter) -> None:
        self.filter = line_filter
        self.in_events = False
        self.fields: list[str] | None = None
        self.style_index = -1
        self.saw_format = False
        self.events = 0

    def texts(self, lines: Iterator[str]) -> Iterator[str]:
        for _line, text in self.walk(lines):
            if text is not None:
                yield text

    def walk(self, lines: Iterator[str]) -> Iterator[tuple[str, str | None]]:
        """(raw line, Text or None) for every line; Text only for translatable dialogue."""
        for number, line in enumerate(lines, start=1):
            if self.in_events and line.startswith("Dialogue:"):
                yield line, self._dialogue_text(number, line, "dialogue", line[9:])
            else:
                yield line, self._other(number, line)

    def _other(self, number: int, line: str) -> None:
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            self.in_events = stripped.lower() == "[events]"
            return None
        if not self.in_events or ":" not in stripped:
            return None
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if key == "format":
            self._set_format(number, value)
        elif key in EVENT_KINDS:
            return self._dialogue_text(number, line, key, value)
        return None

    def _set_format(self, number: int, value: str) -> None:
        fields = [f.strip().lower() for f in value.split(",")]
        if fields[-1] != "text":
            raise SubtitleError(f"corrupt ASS: line {number}: the Format must end with Text")
        self.fields, self.saw_format = fields, True
        self.style_index = fields.index("style") if "style" in fields else -1

    def _dialogue_text(self, number: int, line: str, kind: str, value: str) -> str | None:
        if self.fields is None:
            raise SubtitleError(f"corrupt ASS: line {number}: an event before the Format line")
        values = value.lstrip().rstrip("\r\n").split(",", len(self.fields) - 1)
        if len(values) != len(self.fields):
            raise SubtitleError(f"corrupt ASS: line {number} has {len(values)} fields, "
                                f"the Format names {len(self.fields)}")
        self.events += 1
        text = values[-1]
        style = values[self.style_index] if self.style_index >= 0 else ""
        if kind == "dialogue" and self.filter.translatable(style, text):
            return text
        return None


class PysubsDocument:
    """SRT/VTT through pysubs2 (whole file in memory; these files carry no styling)."""

    def __init__(self, path: Path, encoding: str, line_filter: LineFilter, fmt: str) -> None:
        self.path = path
        self.encoding = encoding
        self.filter = line_filter
        self.format = fmt
        self._subs = self._load()

    def _load(self) -> pysubs2.SSAFile:
        import pysubs2

        try:
            subs = pysubs2.load(str(self.path), encoding=self.encoding, format_=self.format)
        except (pysubs2.exceptions.Pysubs2Error, ValueError, UnicodeDecodeError) as exc:
            raise SubtitleError(f"unreadable {self.format.upper()} file: {exc}") from exc
        if not len(subs):
            raise SubtitleError(f"the {self.format.upper()} file holds no subtitle events")
        return subs

    def _translatable(self, event: pysubs2.SSAEvent) -> bool:
        return not event.is_comment and self.filter.translatable(event.style, event.text)

    def check(self) -> int:
        return sum(1 for _ in self.texts())

    def texts(self) -> Iterator[str]:
        for event in self._subs:
            if self._translatable(event):
                yield event.text

    def write(self, destination: Path, replacements: Iterator[str]) -> None:
        copy = self._load()
        for event in copy:
            if self._translatable(event):
                event.text = _next_replacement(replacements)
        encoding = "utf-8" if self.encoding == "utf-16" else self.encoding
        write_atomically(destination, encoding,
                         lambda out: copy.to_file(out, format_=self.format), mode_like(self.path))


def write_atomically(destination: Path, encoding: str, produce: Callable[[TextIO], None],
                     file_mode: int = PUBLISHED_MODE) -> None:
    """Stream the output through :func:`sublarr.files.atomic_writer` (original newlines kept;
    never more readable than the source: ``file_mode``)."""
    with atomic_writer(destination, "w", encoding=encoding, newline="",
                       file_mode=file_mode) as out:
        produce(out)


def output_path(source: Path, source_language: str, target_language: str) -> Path:
    """``Name.en.ass`` -> ``Name.de.ass``; ``Name.ass`` -> ``Name.de.ass``.

    A forced/SDH marker after the language is kept (``Name.en.forced.srt`` ->
    ``Name.de.forced.srt``).
    """
    parts = source.name[: -len(source.suffix)].split(".")
    modifiers: list[str] = []
    if len(parts) > 2 and parts[-1].lower() in NAME_MODIFIERS:
        modifiers = [parts.pop()]
    if len(parts) > 1 and _is_language_tag(parts[-1], source_language):
        parts.pop()
    name = ".".join([*parts, target_language, *modifiers]) + source.suffix
    return source.with_name(name)


def _is_language_tag(token: str, source_language: str) -> bool:
    """The source language itself, or a lower-case ISO-like code (``en``, ``eng``, ``pt-BR``)."""
    if token.lower() == source_language.lower():
        return True
    return bool(LANGUAGE_TAG.match(token)) and token[:2].islower()
