"""The data directory: private to the user Sublarr runs as.

It holds the database (provider and *arr keys in clear), the webhook
journal and the API key, so the folder is 0700 and those files 0600.  SQLite
gives its ``-wal``/``-shm`` files the mode of the database file, so creating
the database file 0600 before SQLite first opens it covers them too.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
DATABASE_FILES = ("sublarr.db", "webhook-journal.db")
# The webhook journal's former name: tightened too until the first start moves
# its events over (sublarr.events.webhooks.journal), never created.
LEGACY_DATABASE_FILES = ("webhook-intake.db",)
PRIVATE_FILES = ("api_key",) + tuple(
    name + suffix for name in DATABASE_FILES + LEGACY_DATABASE_FILES
    for suffix in ("", "-wal", "-shm", "-journal"))


def prepare_data_dir(path: Path, *, sqlite: bool = True) -> Path:
    """Create ``path`` (0700) and make it and its private files owner-only.

    Installs made before this rule are tightened on start.  Missing database
    files are created empty (a valid empty SQLite database) with mode 0600;
    an existing one is never opened here, only chmod-ed (closing a handle on
    a database file would drop SQLite's locks held by this process).
    """
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _restrict(path, DIR_MODE)
    if sqlite:
        for name in DATABASE_FILES:
            _create_private(path / name)
    for name in PRIVATE_FILES:
        _restrict(path / name, FILE_MODE)
    return path


def _create_private(file: Path) -> None:
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def _restrict(target: Path, mode: int) -> None:
    try:
        info = target.stat()
    except FileNotFoundError:
        return
    if stat.S_IMODE(info.st_mode) & ~mode == 0:
        return
    try:
        os.chmod(target, stat.S_IMODE(info.st_mode) & mode)
    except OSError as exc:
        log.warning("could not make %s private (mode %o): %s", target, mode, exc)
