"""Unpacking what providers send: zip (bomb- and traversal-safe), xz; rar is refused.

rar needs the non-free ``unrar`` tool even through the ``rarfile`` package;
no pure-Python reader is available, so rar archives are refused with a clear
message and the next candidate is tried.
"""

from __future__ import annotations

import io
import lzma
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sublarr.providers.errors import ArchiveError

SUBTITLE_EXTENSIONS = (".ass", ".ssa", ".srt", ".vtt", ".sub")
MAX_RATIO = 100  # uncompressed/compressed; real subtitles compress ~3-10x
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
RAR_MAGIC = b"Rar!\x1a\x07"
XZ_MAGIC = b"\xfd7zXZ\x00"


@dataclass(frozen=True)
class SubtitleBlob:
    """A file taken from a download: its name (may be empty) and raw bytes."""

    name: str
    data: bytes


def is_safe_member(name: str) -> bool:
    """False for absolute paths, drive letters and ``..`` components (path traversal)."""
    if not name or name.startswith(("/", "\\")) or "\x00" in name:
        return False
    if PureWindowsPath(name).drive:
        return False
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return ".." not in parts


def unpack(data: bytes, name: str, max_bytes: int, episode: int | None = None) -> SubtitleBlob:
    """The subtitle inside ``data`` (itself when it is not an archive)."""
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _from_zip(data, max_bytes, episode)
    if data.startswith(RAR_MAGIC):
        raise ArchiveError("rar archives are not supported (no pure-Python rar reader available)")
    if data.startswith(XZ_MAGIC):
        return SubtitleBlob(_strip_xz(name), _unxz(data, max_bytes))
    return SubtitleBlob(name, data)


def _strip_xz(name: str) -> str:
    return name[:-3] if name.lower().endswith(".xz") else name


def _unxz(data: bytes, max_bytes: int) -> bytes:
    decompressor = lzma.LZMADecompressor()
    try:
        out = decompressor.decompress(data, max_length=max_bytes + 1)
    except lzma.LZMAError as exc:
        raise ArchiveError(f"broken xz data: {exc}") from exc
    if len(out) > max_bytes or not decompressor.eof:
        raise ArchiveError(f"xz content larger than {max_bytes} bytes")
    return out


def _from_zip(data: bytes, max_bytes: int, episode: int | None) -> SubtitleBlob:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ArchiveError(f"broken zip: {exc}") from exc
    with archive:
        members = _subtitle_members(archive, max_bytes)
        if not members:
            raise ArchiveError("the archive holds no subtitle file")
        chosen = _pick_member(members, episode)
        return SubtitleBlob(PurePosixPath(chosen.filename).name, _read_member(archive, chosen, max_bytes))


def _subtitle_members(archive: zipfile.ZipFile, max_bytes: int) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise ArchiveError(f"archive would unpack to {declared} bytes (limit {max_bytes})")
    members = []
    for info in infos:
        if info.is_dir() or not is_safe_member(info.filename):
            continue  # traversal entries are ignored, never written or read
        if not info.filename.lower().endswith(SUBTITLE_EXTENSIONS):
            continue
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
            raise ArchiveError(f"{info.filename}: compression ratio above {MAX_RATIO} (zip bomb?)")
        members.append(info)
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` even when the header lies about the size."""
    try:
        with archive.open(info) as handle:
            out = handle.read(max_bytes + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, lzma.LZMAError) as exc:
        raise ArchiveError(f"{info.filename}: cannot be read: {exc}") from exc
    if len(out) > max_bytes:
        raise ArchiveError(f"{info.filename}: unpacks to more than {max_bytes} bytes")
    return out


_NUMBER = re.compile(r"(?<![0-9])0*([0-9]{1,4})(?![0-9])")


def _pick_member(members: list[zipfile.ZipInfo], episode: int | None) -> zipfile.ZipInfo:
    """The member for ``episode`` when a season pack holds several; ASS preferred."""
    def rank(info: zipfile.ZipInfo) -> tuple[int, int]:
        stem = PurePosixPath(info.filename).stem
        numbers = {int(n) for n in _NUMBER.findall(stem)}
        episode_hit = 0 if episode is None or episode in numbers else 1
        return episode_hit, 0 if info.filename.lower().endswith((".ass", ".ssa")) else 1

    return min(members, key=rank)
