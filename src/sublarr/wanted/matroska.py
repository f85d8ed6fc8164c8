"""Subtitle tracks of a Matroska/WebM file read from its track headers (pure, no ffprobe).

Most libraries are Matroska, and an ffprobe child costs tens of milliseconds
of CPU before it reads a byte (it loads ~200 shared libraries); the track
list sits in the first kilobytes of the file.  This reader answers only when
it is sure: it walks the EBML header and the Segment's top-level elements up
to ``Tracks`` (following the ``SeekHead`` when clusters come first) and
returns None on anything unexpected, so the caller asks ffprobe instead.
"""

from __future__ import annotations

from typing import BinaryIO

from sublarr.library.languages import to_iso639_1
from sublarr.wanted.probe_cache import ProbeResult

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SEGMENT, SEEK_HEAD, SEEK, SEEK_ID, SEEK_POSITION = 0x18538067, 0x114D9B74, 0x4DBB, 0x53AB, 0x53AC
TRACKS, TRACK_ENTRY, TRACK_TYPE = 0x1654AE6B, 0xAE, 0x83
LANGUAGE, LANGUAGE_BCP47, FLAG_FORCED = 0x22B59C, 0x22B59D, 0x55AA
CLUSTER, DOC_TYPE = 0x1F43B675, 0x4282
SUBTITLE_TRACK = 0x11
MAX_HEADER = 4096  # the EBML header
MAX_TRACKS = 16 * 1024 * 1024  # Tracks with embedded fonts in CodecPrivate stay far below
MAX_TOP_LEVEL = 64  # elements walked before Tracks (SeekHead, Info, Void, Tags…)


class _Unsure(Exception):
    """The file is not what this reader understands: ask ffprobe."""


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, position after it)."""
    if pos >= len(data):
        raise _Unsure("truncated")
    first = data[pos]
    length = 9 - first.bit_length() if first else 9
    if length > 8 or pos + length > len(data):
        raise _Unsure("bad length")
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, pos + length  # unknown size
    return value, pos + length


def _elements(data: bytes, start: int = 0, end: int | None = None):  # noqa: ANN202
    """(id, payload start, payload end) of the elements in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        element_id, pos = _vint(data, pos, keep_marker=True)
        size, pos = _vint(data, pos, keep_marker=False)
        if size < 0 or pos + size > end:
            raise _Unsure("element overruns its parent")
        yield element_id, pos, pos + size
        pos += size


def _uint(data: bytes) -> int:
    return int.from_bytes(data, "big") if data else 0


def _read_at(stream: BinaryIO, offset: int, size: int) -> bytes:
    stream.seek(offset)
    data = stream.read(size)
    if len(data) < size:
        raise _Unsure("file ends early")
    return data


def _header(stream: BinaryIO, offset: int) -> tuple[int, int, int]:
    """(id, payload offset, size) of the element at ``offset`` (size -1: unknown)."""
    stream.seek(offset)
    head = stream.read(12)
    element_id, pos = _vint(head, 0, keep_marker=True)
    size, pos = _vint(head, pos, keep_marker=False)
    return element_id, offset + pos, size


def _tracks(data: bytes) -> ProbeResult:
    full: set[str] = set()
    forced: set[str] = set()
    for element_id, start, end in _elements(data):
        if element_id != TRACK_ENTRY:
            continue
        kind, language, bcp47, is_forced = 0, "eng", None, False  # "eng": Matroska's default
        for child, c_start, c_end in _elements(data, start, end):
            value = data[c_start:c_end]
            if child == TRACK_TYPE:
                kind = _uint(value)
            elif child == LANGUAGE:
                language = value.rstrip(b"\0").decode("ascii", "replace")
            elif child == LANGUAGE_BCP47:
                bcp47 = value.rstrip(b"\0").decode("ascii", "replace")
            elif child == FLAG_FORCED:
                is_forced = _uint(value) == 1
        code = to_iso639_1(bcp47 or language) if kind == SUBTITLE_TRACK else None
        if code:
            (forced if is_forced else full).add(code)
    return ProbeResult(frozenset(full), frozenset(forced))


def _seek_target(data: bytes, wanted: int) -> int | None:
    for element_id, start, end in _elements(data):
        if element_id != SEEK:
            continue
        target, position = None, None
        for child, c_start, c_end in _elements(data, start, end):
            if child == SEEK_ID:
                target = _uint(data[c_start:c_end])
            elif child == SEEK_POSITION:
                position = _uint(data[c_start:c_end])
        if target == wanted and position is not None:
            return position
    return None


def read_subtitle_tracks(stream: BinaryIO) -> ProbeResult | None:
    """Subtitle track languages of a Matroska/WebM file; None when not sure."""
    try:
        return _read(stream)
    except (_Unsure, OSError, UnicodeError):
        return None


def _read(stream: BinaryIO) -> ProbeResult | None:
    head = stream.read(MAX_HEADER)
    if not head.startswith(EBML_MAGIC):
        return None
    _magic, pos = _vint(head, 0, keep_marker=True)
    size, pos = _vint(head, pos, keep_marker=False)
    if size < 0 or pos + size > len(head):
        return None
    doc_types = {head[s:e] for i, s, e in _elements(head, pos, pos + size) if i == DOC_TYPE}
    if not doc_types & {b"matroska", b"webm"}:
        return None
    segment_id, segment_start, _segment_size = _header(stream, pos + size)
    if segment_id != SEGMENT:
        return None
    offset, tracks_at = segment_start, None
    for _ in range(MAX_TOP_LEVEL):
        element_id, payload, element_size = _header(stream, offset)
        if element_id == CLUSTER or element_size < 0:
            break  # media data (or a live stream) starts: the SeekHead must say where Tracks is
        if element_size > MAX_TRACKS:
            return None
        if element_id == TRACKS:
            return _tracks(_read_at(stream, payload, element_size))
        if element_id == SEEK_HEAD and tracks_at is None:
            found = _seek_target(_read_at(stream, payload, element_size), TRACKS)
            tracks_at = None if found is None else segment_start + found
        offset = payload + element_size
    if tracks_at is None:
        return None
    element_id, payload, element_size = _header(stream, tracks_at)
    if element_id != TRACKS or not 0 <= element_size <= MAX_TRACKS:
        return None
    return _tracks(_read_at(stream, payload, element_size))
