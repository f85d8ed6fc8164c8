"""Language names and codes as media tools write them, reduced to ISO 639-1."""

from __future__ import annotations

import re
from typing import Iterable

# ISO 639-2 (bibliographic and terminologic) and English names of the languages
# subtitles commonly come in.  Anything else is ignored rather than guessed.
_TABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("en", ("eng", "english")), ("ja", ("jpn", "japanese")), ("de", ("ger", "deu", "german")),
    ("fr", ("fre", "fra", "french")), ("es", ("spa", "spanish")), ("it", ("ita", "italian")),
    ("pt", ("por", "portuguese")), ("nl", ("dut", "nld", "dutch")),
    ("ru", ("rus", "russian")), ("zh", ("chi", "zho", "chinese")), ("ko", ("kor", "korean")),
    ("ar", ("ara", "arabic")), ("pl", ("pol", "polish")), ("sv", ("swe", "swedish")),
    ("no", ("nor", "nob", "nno", "norwegian")), ("da", ("dan", "danish")),
    ("fi", ("fin", "finnish")), ("tr", ("tur", "turkish")), ("cs", ("cze", "ces", "czech")),
    ("hu", ("hun", "hungarian")), ("el", ("gre", "ell", "greek")), ("he", ("heb", "hebrew")),
    ("hi", ("hin", "hindi")), ("th", ("tha", "thai")), ("vi", ("vie", "vietnamese")),
    ("id", ("ind", "indonesian")), ("ms", ("may", "msa", "malay")),
    ("uk", ("ukr", "ukrainian")), ("ro", ("rum", "ron", "romanian")),
    ("bg", ("bul", "bulgarian")), ("hr", ("hrv", "croatian")), ("sr", ("srp", "serbian")),
    ("sk", ("slo", "slk", "slovak")), ("sl", ("slv", "slovenian")),
    ("et", ("est", "estonian")), ("lv", ("lav", "latvian")), ("lt", ("lit", "lithuanian")),
    ("fa", ("per", "fas", "persian")), ("ca", ("cat", "catalan")),
    ("fil", ("fil", "filipino")), ("tl", ("tgl", "tagalog")),
)
_LOOKUP: dict[str, str] = {}
for _code, _aliases in _TABLE:
    _LOOKUP[_code] = _code
    for _alias in _aliases:
        _LOOKUP[_alias] = _code
# Tags that name a variant rather than a language.
_REGION = re.compile(r"^([a-z]{2,3})[-_][a-z]{2,4}$")
_SPLIT = re.compile(r"\s*[/,|;]\s*")


def to_iso639_1(tag: str) -> str | None:
    """``eng``/``English``/``en``/``pt-BR`` → ``en``/``pt``; unknown → None."""
    value = tag.strip().lower()
    if value in _LOOKUP:
        return _LOOKUP[value]
    region = _REGION.match(value)
    if region:
        return _LOOKUP.get(region.group(1))
    return None


def parse_language_list(text: str | Iterable[str] | None) -> frozenset[str]:
    """Languages in a mediaInfo-style list (``"eng/spa"``, ``"English / Spanish"``)."""
    if not text:
        return frozenset()
    parts = _SPLIT.split(text) if isinstance(text, str) else list(text)
    return frozenset(code for part in parts if isinstance(part, str)
                     for code in [to_iso639_1(part)] if code)
