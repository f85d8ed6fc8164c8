"""Turning downloaded bytes into a validated UTF-8 subtitle (pure, no I/O)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


from sublarr.providers.archives import unpack
from sublarr.providers.errors import SubtitleFileError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
KEPT_AS_IS = {"ass": "ass", "ssa": "ssa", "srt": "srt"}


@dataclass(frozen=True)
class SubtitleFile:
    """A subtitle ready to save: UTF-8 text, its format (= file extension) and source encoding."""

    text: str
    format: str
    encoding: str

    def encoded(self) -> bytes:
        return self.text.encode("utf-8")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in (BOM, then UTF-8, then charset-normalizer)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise SubtitleFileError(f"broken {encoding} text: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # loaded with the first subtitle, not at start

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise SubtitleFileError("binary content: no text encoding fits")
    return str(best), best.encoding


def parse_subtitle(data: bytes) -> SubtitleFile:
    """Validated subtitle text; ASS/SSA/SRT kept verbatim, other formats converted to SRT."""
    if not data.strip():
        raise SubtitleFileError("empty file")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                                       codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise SubtitleFileError("binary content is not a subtitle")
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    import pysubs2  # loaded with the first subtitle, not at start

    try:
        fmt = pysubs2.formats.autodetect_format(text)
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as exc:  # pysubs2 raises many kinds on non-subtitle text
        raise SubtitleFileError(f"not a subtitle: {type(exc).__name__}") from exc
    if not any(not line.is_comment and line.text.strip() for line in subs.events):
        raise SubtitleFileError("the subtitle has no dialogue lines")
    if fmt in KEPT_AS_IS:
        return SubtitleFile(text, KEPT_AS_IS[fmt], encoding)
    return SubtitleFile(subs.to_string("srt"), "srt", encoding)


def subtitle_from_download(data: bytes, name: str, max_bytes: int,
                           episode: int | None = None) -> SubtitleFile:
    """Unpack (zip/xz) and validate one provider download."""
    if not data:
        raise SubtitleFileError("empty download")
    blob = unpack(data, name, max_bytes, episode)
    return parse_subtitle(blob.data)
