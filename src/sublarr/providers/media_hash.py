"""The OpenSubtitles "moviehash" of a video file (size + 64-bit word sums of head and tail)."""

from __future__ import annotations

import struct
from pathlib import Path

BLOCK = 64 * 1024
_WORDS = struct.Struct(f"<{BLOCK // 8}Q")


def movie_hash(path: str | Path) -> str | None:
    """16 hex digits, or None when the file is missing or smaller than one 64 KiB block."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            if size < BLOCK:
                return None
            handle.seek(0)
            head = handle.read(BLOCK)
            handle.seek(size - BLOCK)
            tail = handle.read(BLOCK)
    except OSError:
        return None
    total = size + sum(_WORDS.unpack(head)) + sum(_WORDS.unpack(tail))
    return f"{total & 0xFFFFFFFFFFFFFFFF:016x}"
