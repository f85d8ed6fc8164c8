"""Writing files next to the user's media: atomically and readable by media servers."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

# mkstemp creates 0600 files; Jellyfin/Plex/Sonarr often run as another user.
PUBLISHED_MODE = 0o644


def mode_like(source: Path) -> int:
    """The mode of a file made from ``source`` (a subtitle beside its media, a translation
    of a subtitle): :data:`PUBLISHED_MODE`, but never readable by more than ``source`` is
    (a 0600 source gives 0600).  A source that is gone sets no limit."""
    try:
        return PUBLISHED_MODE & os.stat(source).st_mode
    except FileNotFoundError:
        return PUBLISHED_MODE


@contextmanager
def atomic_writer(path: Path, mode: str = "wb", *, encoding: str | None = None,
                  newline: str | None = None, file_mode: int = PUBLISHED_MODE) -> Iterator[IO]:
    """A handle to a temp file beside ``path`` that replaces ``path`` on success.

    Readers see either the old file or the whole new one; on any error the
    temp file is removed and ``path`` is untouched.  The temp file lives in the
    same directory because ``os.replace`` must not cross file systems.  The file gets
    ``file_mode`` (see :func:`mode_like`).
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, file_mode)
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def write_atomically(path: Path, data: bytes, file_mode: int = PUBLISHED_MODE) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, "wb", file_mode=file_mode) as handle:
        handle.write(data)
