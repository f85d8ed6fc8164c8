"""Library roots: the only folders Sublarr reads media/subtitles from and writes subtitles to.

The roots are the explicit ``library_roots`` setting, the ``standalone_folders``
and the Sonarr/Radarr root folders (after ``path_mappings``).  Every path is
resolved (symlinks included) before it is compared, so a link inside a root
that points outside is outside.  A refusal never says whether the path
exists: the message is the same for an existing and a missing file.

The rule itself (:func:`build_roots`, :func:`confine`) is pure; :class:`LibraryRoots`
only combines the live settings with the cached *arr root folders.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sublarr.library.media import map_path

ROOTS_COMPONENT = "library_roots"
OUTSIDE_MESSAGE = ("the path is outside the library roots (library_roots, standalone_folders, "
                   "Sonarr/Radarr root folders)")

Roots = tuple[Path, ...]


class OutsideLibraryRoots(Exception):
    """A path that resolves outside every library root (or is not an absolute path)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(OUTSIDE_MESSAGE)
        self.path = os.fspath(path) if path is not None else None


def real_path(path: str | os.PathLike[str]) -> Path:
    """``path`` absolute, normalised and with every symlink resolved (the file need not exist).

    Raises :class:`OutsideLibraryRoots` for relative paths and paths with NUL bytes.
    """
    raw = os.fspath(path)
    if "\0" in raw or not os.path.isabs(raw):
        raise OutsideLibraryRoots(raw)
    return Path(os.path.realpath(raw))


def build_roots(explicit: Iterable[str], standalone: Iterable[str],
                arr_root_folders: Iterable[str],
                mappings: Iterable[tuple[str, str]]) -> Roots:
    """Every root, resolved, without duplicates; *arr folders go through ``path_mappings``."""
    mapping_list = list(mappings)
    candidates = [*explicit, *standalone, *(map_path(f, mapping_list) for f in arr_root_folders)]
    roots: list[Path] = []
    for candidate in candidates:
        try:
            root = real_path(candidate)
        except OutsideLibraryRoots:
            continue  # a relative root would depend on the working directory: ignored
        if root not in roots:
            roots.append(root)
    return tuple(roots)


def is_inside(resolved: Path, roots: Sequence[Path]) -> bool:
    return any(resolved == root or root in resolved.parents for root in roots)


def confine(path: str | os.PathLike[str], roots: Sequence[Path]) -> Path:
    """The real path of ``path`` when it lies inside one of ``roots``.

    Raises :class:`OutsideLibraryRoots` otherwise, whether or not the path exists.
    """
    resolved = real_path(path)
    if not is_inside(resolved, roots):
        raise OutsideLibraryRoots(path)
    return resolved


class LibraryRoots:
    """The roots of the running app: live settings plus the *arr root folders.

    ``arr_root_folders(refresh)`` returns the cached Sonarr/Radarr root folder
    paths; with ``refresh`` it may ask them again (rate-limited by its owner),
    which happens only when a path was about to be refused.
    """

    def __init__(self, settings: Callable[[], Any],
                 arr_root_folders: Callable[[bool], list[str]]) -> None:
        self._settings = settings
        self._arr_root_folders = arr_root_folders

    def roots(self, refresh: bool = False) -> Roots:
        settings = self._settings()
        return build_roots(settings.library_roots, settings.standalone_folders,
                           self._arr_root_folders(refresh),
                           [(m.remote, m.local) for m in settings.path_mappings])

    def confine(self, path: str | os.PathLike[str]) -> Path:
        """The real path of ``path`` inside a root, or :class:`OutsideLibraryRoots`."""
        try:
            return confine(path, self.roots())
        except OutsideLibraryRoots:
            real_path(path)  # relative/NUL: no point asking Sonarr again
            return confine(path, self.roots(refresh=True))


def roots_of(services: Any) -> LibraryRoots:
    """The app's :class:`LibraryRoots` (created by the library subsystem)."""
    return services.components[ROOTS_COMPONENT]
